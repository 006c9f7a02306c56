"""The console's defences: CSRF tokens on every form that changes something, and the security
headers of every page.

CSRF: a browser gets a random id in an HttpOnly cookie; every form carries a token that is
that id signed with the console's secret (itsdangerous, timed). A POST whose token is missing,
forged, expired or made for another browser is refused with 403 before its handler runs —
SameSite cookies alone leave older browsers and same-site pages open. (fastapi-csrf-protect
was considered: it parses form bodies by splitting on '&' and '=', which breaks on encoded
values and multipart uploads, and does not bind the token to anything of the browser's.)
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocop_shared.secrets import Secret

CSRF_COOKIE = "ocop_csrf"
CSRF_FIELD = "csrf"
CSRF_HOURS = 12


class CsrfRefused(Exception):
    """A state-changing request without a valid CSRF token of this browser."""


class Csrf:
    def __init__(self, secret: Secret) -> None:
        self.secret = secret

    def serializer(self, salt: str) -> URLSafeTimedSerializer:
        """Signs with the newest console key; any key of OCOP_CONSOLE_SECRET(_FILE) verifies."""
        return URLSafeTimedSerializer(list(reversed(self.secret.all())), salt=salt)

    @staticmethod
    def browser_id(request: Request) -> str | None:
        return request.cookies.get(CSRF_COOKIE)

    @staticmethod
    def new_browser_id() -> str:
        return secrets.token_urlsafe(24)

    def token_for(self, browser_id: str) -> str:
        return str(self.serializer("ocop-console-csrf").dumps(browser_id))

    def valid(self, token: str | None, browser_id: str | None) -> bool:
        if not token or not browser_id:
            return False
        try:
            signed = self.serializer("ocop-console-csrf").loads(token, max_age=CSRF_HOURS * 3600)
        except BadSignature:
            return False
        return bool(secrets.compare_digest(str(signed), browser_id))

    async def check(self, request: Request) -> None:
        """A FastAPI dependency of every console router: POSTs need the form's token."""
        if request.method != "POST":
            return
        form = await request.form()  # kept on the request: the handler reads the same form
        token = form.get(CSRF_FIELD)
        if not self.valid(token if isinstance(token, str) else None, self.browser_id(request)):
            raise CsrfRefused()


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    targets = " ".join(("'self'", *form_targets))
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"font-src 'self'; connect-src 'self'; form-action {targets}; frame-ancestors 'none'; "
            "base-uri 'none'; object-src 'none'")


class SecurityHeaders:
    """Headers of every console response (an ASGI middleware, so error pages get them too)."""

    def __init__(self, app: ASGIApp, *, https: bool, form_targets: tuple[str, ...] = ()) -> None:
        self.app = app
        headers: dict[str, str] = {
            "content-security-policy": content_security_policy(form_targets),
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
            "referrer-policy": "same-origin",
            "permissions-policy": "camera=(self), geolocation=(), microphone=(), payment=()",
            "cross-origin-opener-policy": "same-origin",
        }
        if https:
            headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
        self.headers = [(k.encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                if b"cache-control" not in present and not _is_static(scope):
                    extra.append((b"cache-control", b"no-store"))  # pages show personal data
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def _is_static(scope: MutableMapping[str, Any]) -> bool:
    return "/static/" in str(scope.get("path", ""))
