"""Cached GETs answered before routing.

A service registers, for a GET route whose answers it keeps in a read cache, a lookup that
returns the cached answer to a request, or None. A hit is sent from here, skipping FastAPI's
routing, dependency injection and serialisation (most of the cost of a small request); a
miss, or anything the lookup does not vouch for, goes on to the route, which decides and
fills the cache. The lookup must accept only what the route would answer the same way: it
sees the path parameters of the route's template, and the request for its headers and query.

Installed inside CorrelationMiddleware, so a hit keeps its correlation id, span and latency
metric (labelled with the route's template).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send


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

    async def send(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": list(self.headers)})
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            root: str = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root):]
            for pattern, route in self.routes:
                match = pattern.match(path)
                if match is None:
                    continue
                reply = route.lookup(Request(scope), match.groupdict())
                if reply is not None:
                    scope["route"] = route  # its .path names the route in metrics and spans
                    await reply.send(send)
                    return
                break
        await self.app(scope, receive, send)
