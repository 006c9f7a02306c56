"""What every page handler gets: the person, their language, their API client, rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .api import Api, Enums
from .i18n import Translator, language_of
from .problems import ApiProblem
from .session import LANGUAGE_COOKIE, TOKEN_COOKIE, Identity, identity_of

TEMPLATES = Path(__file__).parent / "templates"


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(("html",)),
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["stars"] = lambda n: "★" * int(n or 0)
    env.filters["zip_labels"] = lambda codes, t, prefix: t.options(codes, prefix)
    return env


@dataclass
class Shared:
    """Built once per console: the templates and the HTTP client to the APIs."""

    env: jinja2.Environment
    client: httpx.AsyncClient
    enums: Enums
    prefix: str = "/console"


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
            **values,
        }
        html = self.shared.env.get_template(template).render(context)
        return HTMLResponse(html, status_code=status)

    def redirect(self, path: str, **query: Any) -> RedirectResponse:
        return RedirectResponse(self.url(path, **query), status_code=303)


async def page(request: Request) -> Page:
    """A FastAPI dependency giving each handler its `Page`."""
    shared: Shared = request.app.state.console
    language = language_of(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE))
    token = request.cookies.get(TOKEN_COOKIE)
    return Page(request=request, shared=shared, language=language, t=Translator(language),
                me=identity_of(token),
                api=Api(shared.client, token, language, request.headers.get("x-correlation-id")))


PageDep = Annotated[Page, Depends(page)]
