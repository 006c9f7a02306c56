"""Correlation ids: taken from the caller's X-Correlation-ID or made fresh per request."""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any

from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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

    Checks Content-Length up front, and counts the bytes of bodies sent without it,
    so an oversized upload is stopped early instead of being spooled to disk whole.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        mib = self.max_bytes // (1024 * 1024)
        body = json.dumps({
            "type": "https://ocop.angiang.gov.vn/problems/file-too-large",
            "title": "Tệp quá lớn", "status": 413,
            "detail": f"Nội dung gửi lên vượt quá giới hạn {mib} MB "
                      f"(request body exceeds the {mib} MB limit)",
        }, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass
