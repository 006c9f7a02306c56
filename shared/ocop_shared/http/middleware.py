"""Correlation ids: taken from the caller's X-Correlation-ID or made fresh per request."""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any

from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import PROBLEM_TYPES
from ..messaging.flow import Flow, flow_scope
from ..observability import tracing
from ..observability.metrics import HTTP_DURATION

HEADER = b"x-correlation-id"


def correlation_id_of(scope: Scope) -> str:
    """The caller's X-Correlation-ID (at most 100 characters), or a fresh one."""
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            given: str = value.decode("latin-1").strip()
            if given:
                return given[:100]
    # a random UUID; unique is enough (not secret), so no system call for the randomness
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


class RequestLatency:
    """The request latency histogram; its series by (route, method, status), looked up once each."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str, int], Any] = {}

    def observe(self, template: str, method: str, status: int, seconds: float) -> None:
        series = self._series.get((template, method, status))
        if series is None:
            series = self._series[template, method, status] = HTTP_DURATION.labels(
                template, method, str(status))
        series.observe(seconds)


class CorrelationMiddleware:
    """Per request: a correlation id, a server span (continuing the caller's trace) and the
    latency histogram by route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._latency = RequestLatency()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = correlation_id_of(scope)
        incoming = dict(scope.get("headers", [])).get(b"traceparent", b"").decode("latin-1") or None
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                extra: list[Any] = [(HEADER, correlation_id.encode())]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        started = time.perf_counter()
        method = str(scope.get("method", "GET"))
        with tracing.span(f"{method} {scope.get('path', '')}", SpanKind.SERVER,
                          parent=incoming) as current:
            flow = Flow(correlation_id=correlation_id,
                        traceparent=tracing.traceparent_of(current) or incoming)
            try:
                with flow_scope(flow):
                    await self.app(scope, receive, send_with_id)
            finally:
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                current.update_name(f"{method} {template}")
                current.set_attribute("http.status_code", status)
                self._latency.observe(template, method, status, time.perf_counter() - started)


class BodyLimitMiddleware:
    """Refuses request bodies over a limit before they are read (413 problem+json).

    JSON and form bodies get a small limit (`json_bytes`); files (multipart or sent as the body)
    get `upload_bytes`. Checks Content-Length up front, and counts the bytes of bodies sent
    without it, so an oversized body is stopped early instead of being read or spooled whole.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, json_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.json_bytes = json_bytes or max_bytes

    def limit_for(self, content_type: bytes) -> int:
        media = content_type.split(b";", 1)[0].strip().lower()
        if media == b"application/json" or media.endswith(b"+json") or media in (
                b"application/x-www-form-urlencoded", b"text/plain"):
            return self.json_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = dict(scope.get("headers", []))
        limit = self.limit_for(headers.get(b"content-type", b""))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        if limit == self.json_bytes and declared is None and scope.get("method") not in ("GET", "HEAD"):
            await self._buffered(scope, receive, send, limit)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._refuse(send, limit)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """A small body sent without its length: read it whole first (the framework turns any
        error while it reads a JSON body into a 400, so the 413 must come before it)."""
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > limit:
                await self._refuse(send, limit)
                return
            if not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replaying_receive() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replaying_receive, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
        body = json.dumps({
            "type": f"{PROBLEM_TYPES}file-too-large",
            "title": "Nội dung quá lớn", "status": 413,
            "detail": f"Nội dung gửi lên vượt quá giới hạn {size} "
                      f"(request body exceeds the {size} limit)",
        }, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass
