"""Sending one webhook attempt over HTTP: signed, bounded in time, never raising."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from . import domain


@dataclass(frozen=True)
class AttemptResult:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class WebhookSender:
    def __init__(self, timeout_seconds: float, *, user_agent: str = "ocop-webhooks/1") -> None:
        self.timeout = timeout_seconds
        self.user_agent = user_agent
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout), follow_redirects=False,
                headers={"user-agent": self.user_agent})
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def send(self, *, url: str, secret: str, body: bytes, event_id: str, event_type: str,
                   delivery_id: str, timestamp: int) -> AttemptResult:
        headers = {
            "content-type": "application/json",
            domain.SIGNATURE_HEADER: domain.signature(secret, body),
            domain.TIMESTAMP_HEADER: str(timestamp),
            domain.EVENT_ID_HEADER: event_id,
            domain.EVENT_TYPE_HEADER: event_type,
            domain.DELIVERY_ID_HEADER: delivery_id,
        }
        started = time.monotonic()

        def took() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            # httpx's timeout bounds each phase; wait_for bounds the whole attempt (a server
            # trickling bytes slowly must not hold the worker either)
            response = await asyncio.wait_for(
                self._http().post(url, content=body, headers=headers), self.timeout + 0.5)
        except (TimeoutError, httpx.TimeoutException):
            return AttemptResult(False, None, f"timed out after {self.timeout:g} s", took())
        except httpx.HTTPError as error:
            return AttemptResult(False, None, f"{type(error).__name__}: {error}"[:500], took())
        if 200 <= response.status_code < 300:
            return AttemptResult(True, response.status_code, None, took())
        snippet = response.text[:300].strip()
        return AttemptResult(False, response.status_code,
                             f"HTTP {response.status_code}" + (f": {snippet}" if snippet else ""), took())
