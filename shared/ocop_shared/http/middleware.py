"""Correlation ids: taken from the caller's X-Correlation-ID or made fresh per request."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..messaging.flow import Flow, flow_scope

HEADER = b"x-correlation-id"


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = dict(scope.get("headers", []))
        given = headers.get(HEADER, b"").decode("latin-1").strip()
        correlation_id = given[:100] if given else str(uuid.uuid4())
        traceparent = headers.get(b"traceparent", b"").decode("latin-1") or None

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra: list[Any] = [(HEADER, correlation_id.encode())]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        with flow_scope(Flow(correlation_id=correlation_id, traceparent=traceparent)):
            await self.app(scope, receive, send_with_id)
