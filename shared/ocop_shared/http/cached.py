"""Cached GETs answered before routing.

A service registers, for a GET route whose answers it keeps in a read cache, a lookup that
returns the cached answer to a request, or None. A hit is sent from here, skipping FastAPI's
routing, dependency injection and serialisation (most of the cost of a small request); a
miss, or anything the lookup does not vouch for, goes on to the route, which decides and
fills the cache. The lookup must accept only what the route would answer the same way: it
sees the path parameters of the route's template, and the request for its headers and query.

Installed in front of the whole middleware stack: a hit costs little more than the bytes it
sends. It still carries the request's correlation id, is counted in the latency histogram
(labelled with the route's template) and, when traces are exported, gets its server span.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from opentelemetry.trace import SpanKind
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from ..observability import tracing
from .middleware import HEADER, RequestLatency, correlation_id_of


@dataclass(frozen=True)
class Reply:
    """A complete answer kept ready to send as is (what a read cache holds)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @classmethod
    def of(cls, body: bytes = b"", *, status: int = 200, media_type: str | None = "application/json",
           headers: Mapping[str, str] | None = None) -> Reply:
        prepared = Response(body, status, dict(headers or {}), media_type)  # content-length etc.
        return cls(status, tuple(prepared.raw_headers), body)

    def response(self) -> Response:
        """The same answer as a fresh Response (for a route to return)."""
        response = Response(self.body, self.status)
        response.raw_headers = list(self.headers)
        return response

    async def send(self, send: Send, *extra_headers: tuple[bytes, bytes]) -> None:
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [*self.headers, *extra_headers]})
        await send({"type": "http.response.body", "body": self.body})


Lookup = Callable[[Request, dict[str, str]], Reply | None]


@dataclass(frozen=True)
class CachedGet:
    path: str  # the route's template, e.g. "/trade/pos/{showroom_id}/catalog"
    lookup: Lookup


class CachedGetMiddleware:
    def __init__(self, app: ASGIApp, routes: Sequence[CachedGet]) -> None:
        self.app = app
        self.routes = [(compile_path(route.path)[0], route) for route in routes]
        self._latency = RequestLatency()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            started = time.perf_counter()
            hit = self._hit(scope)
            if hit is not None:
                route, reply = hit
                correlation = (HEADER, correlation_id_of(scope).encode())
                if tracing.exported():
                    parent = dict(scope["headers"]).get(b"traceparent", b"").decode("latin-1") or None
                    with tracing.span(f"GET {route.path}", SpanKind.SERVER, parent=parent) as span:
                        span.set_attribute("http.status_code", reply.status)
                        await reply.send(send, correlation)
                else:
                    await reply.send(send, correlation)
                self._latency.observe(route.path, "GET", reply.status, time.perf_counter() - started)
                return
        await self.app(scope, receive, send)

    def _hit(self, scope: Scope) -> tuple[CachedGet, Reply] | None:
        if _browser_navigation(scope):
            return None  # pages for browsers are decided further in (the console's redirects)
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        for pattern, route in self.routes:
            match = pattern.match(path)
            if match is None:
                continue
            reply = route.lookup(Request(scope), match.groupdict())
            return (route, reply) if reply is not None else None
        return None


def _browser_navigation(scope: Scope) -> bool:
    """A browser opening the URL (it asks for HTML, not JSON): cached answers are JSON."""
    for name, value in scope["headers"]:
        if name == b"accept":
            return b"text/html" in value and b"application/json" not in value
    return False
