"""Correlation and causation of the work in progress (an HTTP request or a consumed event)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Flow:
    correlation_id: str
    causation_id: str | None = None
    traceparent: str | None = None


_current: ContextVar[Flow | None] = ContextVar("ocop_flow", default=None)


def current_flow() -> Flow:
    flow = _current.get()
    return flow if flow is not None else Flow(correlation_id=str(uuid.uuid4()))


@contextmanager
def flow_scope(flow: Flow) -> Iterator[Flow]:
    token = _current.set(flow)
    try:
        yield flow
    finally:
        _current.reset(token)
