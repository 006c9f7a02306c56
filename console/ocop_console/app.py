"""The console as an ASGI app mounted at /console, calling the platform APIs over HTTP."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .api import Enums
from .i18n import LANGUAGES, Translator, language_of
from .problems import ApiProblem
from .routes import commune, council, dossiers, office, producer, public, signin
from .session import LANGUAGE_COOKIE, TOKEN_COOKIE, identity_of
from .web import Shared, make_environment

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PREFIX = "/console"


def build_console(client: httpx.AsyncClient, prefix: str = PREFIX) -> FastAPI:
    """`client` reaches the platform APIs (in-process transport, or a base URL)."""
    console = FastAPI(title="OCOP console", docs_url=None, redoc_url=None, openapi_url=None)
    shared = Shared(env=make_environment(), client=client, enums=Enums(client), prefix=prefix)
    console.state.console = shared
    console.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (public, signin, producer, dossiers, commune, office, council):
        console.include_router(module.router)

    @console.middleware("http")
    async def remember_language(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        wanted = request.query_params.get("lang")
        if wanted in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, wanted, max_age=365 * 86400, path=prefix,
                                samesite="lax")
        return response

    def error_page(request: Request, status: int, message: str) -> HTMLResponse:
        language = language_of(request.query_params.get("lang"),
                               request.cookies.get(LANGUAGE_COOKIE))
        t = Translator(language)
        html = shared.env.get_template("error.html").render(
            t=t, lang=language, me=identity_of(request.cookies.get(TOKEN_COOKIE)),
            url=lambda path, **_: f"{prefix}{path}", path=request.url.path, query={},
            errors={}, problem=None, notice=None, status=status, message=message)
        return HTMLResponse(html, status_code=status)

    @console.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> Response:
        if exc.status == 401:
            response = RedirectResponse(f"{prefix}/sign-in?next={request.url.path}",
                                        status_code=303)
            response.delete_cookie(TOKEN_COOKIE, path=prefix)
            return response
        return error_page(request, exc.status, exc.detail)

    @console.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        language = language_of(request.query_params.get("lang"),
                               request.cookies.get(LANGUAGE_COOKIE))
        key = "error.not_found" if exc.status_code == 404 else "error.generic"
        return error_page(request, exc.status_code, Translator(language)(key))

    @console.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("console error on %s", request.url.path)
        language = language_of(request.query_params.get("lang"),
                               request.cookies.get(LANGUAGE_COOKIE))
        return error_page(request, 500, Translator(language)("error.unexpected"))

    return console


def mount_console(app: FastAPI, prefix: str = PREFIX) -> FastAPI:
    """Serves the console from `app` itself, calling its APIs in-process."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://platform.internal",
                               timeout=60)
    console = build_console(client, prefix)
    app.mount(prefix, console)
    app.middleware("http")(_verification_pages(prefix))
    return console


VERIFY_API = "/certification/verify/"


def _verification_pages(prefix: str) -> Any:
    """A phone that scans a certificate's QR opens `/certification/verify/{number}?t=` in a
    browser: send it to the console's page; API clients (which ask for JSON) keep the JSON."""

    async def redirect_browsers(request: Request, call_next: Any) -> Any:
        accept = request.headers.get("accept", "")
        if (request.method == "GET" and request.url.path.startswith(VERIFY_API)
                and "text/html" in accept and "application/json" not in accept):
            target = f"{prefix}/verify/{request.url.path[len(VERIFY_API):]}"
            if request.url.query:
                target = f"{target}?{request.url.query}"
            return RedirectResponse(target, status_code=303)
        return await call_next(request)

    return redirect_browsers
