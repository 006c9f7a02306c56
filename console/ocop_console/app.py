"""The console as an ASGI app mounted at /console, calling the platform APIs over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ocop_shared.provinces import Province
from ocop_shared.secrets import Secret
from ocop_shared.settings import Settings, default_province

from .api import Api, Enums
from .cookies import clear_session, set_session
from .i18n import LANGUAGES, Translator, language_of
from .problems import ApiProblem
from .routes import commune, council, decisions, dossiers, office, people, producer, public, signin
from .security import CSRF_COOKIE, Csrf, CsrfRefused, SecurityHeaders
from .session import ACCESS_COOKIE, LANGUAGE_COOKIE, REFRESH_COOKIE, expired
from .signins import EmbeddedSignIn, OidcSignIn, ProviderUnavailable, SessionEnded, SignIn, Tokens
from .web import Shared, make_environment

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PREFIX = "/console"


@dataclass(frozen=True)
class ConsoleConfig:
    signin: SignIn
    secret: Secret
    secure_cookies: bool = False
    demo_people: tuple[tuple[str, str], ...] = ()
    prefix: str = PREFIX
    province: Province = field(default_factory=default_province)  # OCOP_PROVINCE_CODE: titles

    @classmethod
    def of(cls, settings: Settings, prefix: str = PREFIX) -> ConsoleConfig:
        signin: SignIn = EmbeddedSignIn() if settings.embedded_identity else OidcSignIn(
            settings.token_issuer(), settings.oidc_console_client_id,
            settings.oidc_console_client_secret, settings.oidc_internal_url)
        demo = DEMO_PEOPLE if settings.demo_sign_in and settings.embedded_identity else ()
        return cls(signin=signin, secret=settings.secret("console_secret"),
                   secure_cookies=settings.base_url().startswith("https://"), demo_people=demo,
                   prefix=prefix, province=settings.province)


# The demo's people (see ocop_cli.scenario): one click signs in as each, in development only.
DEMO_PEOPLE: tuple[tuple[str, str], ...] = (
    ("van-phong@ocop.angiang.gov.vn", "office"),
    ("xa-30316@ocop.angiang.gov.vn", "commune"),
    ("province-chu-tich@hoidong.ocop.angiang.gov.vn", "chair"),
    ("province-so-ct@hoidong.ocop.angiang.gov.vn", "member"),
    ("chu-the@htx-mam-chau-doc.vn", "producer"),  # ag.DEMO_PRODUCER_LOGIN
    ("thanh-tra-health@ocop.angiang.gov.vn", "inspector"),
)


def build_console(client: httpx.AsyncClient, config: ConsoleConfig) -> FastAPI:
    """`client` reaches the platform APIs (in-process transport, or a base URL)."""
    prefix = config.prefix
    console = FastAPI(title="OCOP console", docs_url=None, redoc_url=None, openapi_url=None)
    csrf = Csrf(config.secret)
    shared = Shared(env=make_environment(), client=client, enums=Enums(client), signin=config.signin,
                    csrf=csrf, secure_cookies=config.secure_cookies,
                    demo_people=config.demo_people, prefix=prefix, province=config.province)
    console.state.console = shared
    console.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (public, signin, producer, dossiers, commune, office, decisions, people, council):
        console.include_router(module.router, dependencies=[Depends(csrf.check)])

    console.middleware("http")(_session_and_language(client, config, csrf))
    _install_error_pages(console, shared)
    return console


def _session_and_language(client: httpx.AsyncClient, config: ConsoleConfig, csrf: Csrf,
                          ) -> Callable[[Request, Any], Awaitable[Response]]:
    prefix = config.prefix

    async def session_and_language(request: Request, call_next: Any) -> Response:
        """Gives the browser its CSRF id, renews an expired access token with the refresh
        token (or ends the session, saying so), and remembers the language chosen."""
        browser = csrf.browser_id(request) or csrf.new_browser_id()
        request.state.csrf_browser = browser
        renewed: Tokens | None = None
        ended = False
        refresh = request.cookies.get(REFRESH_COOKIE)
        if refresh and expired(request.cookies.get(ACCESS_COOKIE)):
            api = Api(client, None, "vi", client_address=request.client.host if request.client else None)
            try:
                renewed = await config.signin.refresh(api, refresh)
            except SessionEnded:
                ended = True
            _replace_cookie(request, ACCESS_COOKIE, renewed.access_token if renewed else None)
        request.state.session_ended = ended
        response: Response = await call_next(request)
        if csrf.browser_id(request) != browser:
            response.set_cookie(CSRF_COOKIE, browser, path=prefix, httponly=True,
                                secure=config.secure_cookies, samesite="lax")
        if renewed is not None:
            set_session(response, renewed, prefix, config.secure_cookies)
        if ended:
            clear_session(response, prefix)
        wanted = request.query_params.get("lang")
        if wanted in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, wanted, max_age=365 * 86400, path=prefix,
                                samesite="lax", secure=config.secure_cookies)
        return response

    return session_and_language


def _install_error_pages(console: FastAPI, shared: Shared) -> None:
    """Problems from the APIs, the identity provider down, a forged form, 404s and the
    unexpected, each as a page in the visitor's language (or back to sign-in on a 401)."""
    prefix = shared.prefix

    def error_page(request: Request, status: int, message: str) -> HTMLResponse:
        language = language_of(request.query_params.get("lang"),
                               request.cookies.get(LANGUAGE_COOKIE))
        t = Translator(language, shared.province)
        html = shared.env.get_template("error.html").render(
            t=t, lang=language, me=None, url=lambda path, **_: f"{prefix}{path}",
            path=request.url.path, query={}, errors={}, problem=None, notice=None, status=status,
            message=message, csrf_field=lambda: "")
        return HTMLResponse(html, status_code=status)

    @console.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> Response:
        if exc.status == 401:  # the session ended (expired, signed out elsewhere, revoked)
            ended = getattr(request.state, "session_ended", False) or request.cookies.get(ACCESS_COOKIE)
            query = "expired=1&" if ended else ""
            response = RedirectResponse(f"{prefix}/sign-in?{query}next={request.url.path}",
                                        status_code=303)
            clear_session(response, prefix)
            return response
        return error_page(request, exc.status, exc.detail)

    @console.exception_handler(ProviderUnavailable)
    async def provider_unavailable(request: Request, exc: ProviderUnavailable) -> Response:
        log.warning("identity provider unavailable: %s", exc)
        language = language_of(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE))
        return error_page(request, 503, Translator(language, shared.province)("error.provider"))

    @console.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        language = language_of(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE))
        return error_page(request, 403, Translator(language, shared.province)("error.csrf"))

    @console.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        language = language_of(request.query_params.get("lang"),
                               request.cookies.get(LANGUAGE_COOKIE))
        key = "error.not_found" if exc.status_code == 404 else "error.generic"
        return error_page(request, exc.status_code, Translator(language, shared.province)(key))

    @console.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("console error on %s", request.url.path)
        language = language_of(request.query_params.get("lang"),
                               request.cookies.get(LANGUAGE_COOKIE))
        return error_page(request, 500, Translator(language, shared.province)("error.unexpected"))


def _replace_cookie(request: Request, name: str, value: str | None) -> None:
    """What the handlers see as the request's cookie (a renewed token, or none)."""
    cookies = {k: v for k, v in request.cookies.items() if k != name}
    if value:
        cookies[name] = value
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    request.scope["headers"] = [(k, v) for k, v in request.scope["headers"] if k != b"cookie"] + [
        (b"cookie", header.encode("latin-1"))]
    request.__dict__.pop("_cookies", None)


def secured(console: FastAPI, config: ConsoleConfig) -> Any:
    """The console wrapped in its security headers (the sign-in page may post to the provider)."""
    targets: tuple[str, ...] = ()
    if isinstance(config.signin, OidcSignIn):
        issuer = urlsplit(config.signin.issuer)
        targets = (f"{issuer.scheme}://{issuer.netloc}",)
    return SecurityHeaders(console, https=config.secure_cookies, form_targets=targets)


def mount_console(app: FastAPI, settings: Settings, prefix: str = PREFIX) -> FastAPI:
    """Serves the console from `app` itself, calling its APIs in-process."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://platform.internal",
                               timeout=60)
    config = ConsoleConfig.of(settings, prefix)
    console = build_console(client, config)
    app.mount(prefix, secured(console, config))
    app.middleware("http")(_verification_pages(prefix))
    return console


def standalone_console(settings: Settings, api_url: str,
                       transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """The console on its own (distributed mode), calling the platform's gateway at `api_url`."""
    client = httpx.AsyncClient(base_url=api_url.rstrip("/"), timeout=60, transport=transport)
    config = ConsoleConfig.of(settings)
    app = FastAPI(title="OCOP console", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount(PREFIX, secured(build_console(client, config), config))

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    @app.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app


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
