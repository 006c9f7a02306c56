"""What every page handler gets: the person, their language, their API client, rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape

from ocop_shared.clock import VIETNAM
from ocop_shared.provinces import Province
from ocop_shared.settings import default_province

from .api import Api, Enums
from .i18n import Translator, language_of
from .problems import ApiProblem
from .security import CSRF_FIELD, Csrf
from .session import ACCESS_COOKIE, LANGUAGE_COOKIE, Identity, identity_of
from .signins import SignIn

TEMPLATES = Path(__file__).parent / "templates"


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(("html",)),
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["stars"] = lambda n: "★" * int(n or 0)
    env.filters["zip_labels"] = lambda codes, t, prefix: t.options(codes, prefix)
    env.filters["vn_datetime"] = vn_datetime
    return env


def vn_datetime(value: str) -> str:
    """An API time (ISO, UTC) as people in Vietnam read it: 07/12/2026 14:05."""
    try:
        return datetime.fromisoformat(value).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
    except (TypeError, ValueError):
        return str(value)


@dataclass
class Shared:
    """Built once per console: the templates, the HTTP client to the APIs, how people sign in."""

    env: jinja2.Environment
    client: httpx.AsyncClient
    enums: Enums
    signin: SignIn
    csrf: Csrf
    secure_cookies: bool = False  # https: cookies only over TLS
    demo_people: tuple[tuple[str, str], ...] = ()  # (login, who) of the demo's one-click sign-in
    prefix: str = "/console"
    province: Province = field(default_factory=default_province)  # OCOP_PROVINCE_CODE


@dataclass
class Page:
    request: Request
    shared: Shared
    language: str
    t: Translator
    me: Identity | None
    api: Api
    extra: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str, **query: Any) -> str:
        clean = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{self.shared.prefix}{path}" + (f"?{urlencode(clean)}" if clean else "")

    def render(self, template: str, status: int = 200, *, errors: dict[str, str] | None = None,
               problem: ApiProblem | None = None, **values: Any) -> HTMLResponse:
        fields = dict(problem.fields if problem else {})
        fields.update(errors or {})
        context = {
            "t": self.t, "lang": self.language, "me": self.me, "url": self.url,
            "path": self.request.url.path, "query": dict(self.request.query_params),
            "errors": fields, "problem": problem, "notice": self.request.query_params.get("ok"),
            "csrf_field": self.csrf_field, "status": status, **values,
        }
        html = self.shared.env.get_template(template).render(context)
        return HTMLResponse(html, status_code=status)

    def redirect(self, path: str, **query: Any) -> RedirectResponse:
        return RedirectResponse(self.url(path, **query), status_code=303)

    def csrf_field(self) -> Markup:
        """The hidden field every state-changing form carries (see security.py)."""
        browser = self.request.state.csrf_browser
        return Markup(f'<input type="hidden" name="{CSRF_FIELD}" '
                      f'value="{escape(self.shared.csrf.token_for(browser))}">')


async def page(request: Request) -> Page:
    """A FastAPI dependency giving each handler its `Page`."""
    shared: Shared = request.app.state.console
    language = language_of(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE))
    token = request.cookies.get(ACCESS_COOKIE)
    api = Api(shared.client, token, language, request.headers.get("x-correlation-id"),
              request.client.host if request.client else None)
    me = await identity_of(api) if token else None
    return Page(request=request, shared=shared, language=language, t=Translator(language, shared.province),
                me=me, api=api)


PageDep = Annotated[Page, Depends(page)]
