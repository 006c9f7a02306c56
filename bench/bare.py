"""The baseline of the HTTP benchmarks: a bare ASGI app under uvicorn answering every GET with
the same bytes (and content type) the platform's endpoint answered."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

BODY = Path(os.environ.get("BENCH_BARE_BODY", "/dev/null")).read_bytes()
HEADERS = [(b"content-type", os.environ.get("BENCH_BARE_TYPE", "application/json").encode()),
           (b"content-length", str(len(BODY)).encode())]

Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def app(scope: Scope, receive: Callable[[], Awaitable[Any]], send: Send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
