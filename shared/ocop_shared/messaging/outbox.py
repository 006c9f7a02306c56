"""Writing events into the outbox, inside the caller's transaction."""

from __future__ import annotations

import json
import uuid
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import Clock
from ..contracts.envelope import Envelope
from .flow import current_flow

E = TypeVar("E", bound=Envelope[Any])


def new_event(
    cls: type[E],
    payload: BaseModel,
    *,
    aggregate_id: str,
    aggregate_version: int,
    producer: str,
    clock: Clock,
) -> E:
    """Build an event with its envelope filled from the current flow."""
    flow = current_flow()
    return cls(  # type and version are Literal defaults of each event class
        id=uuid.uuid4(),
        occurred_at=clock.now(),
        producer=producer,
        aggregate_id=aggregate_id,
        aggregate_version=aggregate_version,
        correlation_id=flow.correlation_id,
        causation_id=flow.causation_id,
        payload=payload,
    )  # type: ignore[call-arg]


def message_headers(event: Envelope[Any]) -> dict[str, str]:
    headers = {
        "ocop-event-id": str(event.id),
        "ocop-event-type": event.type,
        "ocop-event-version": str(event.version),
        "ocop-correlation-id": event.correlation_id,
    }
    flow = current_flow()
    if flow.traceparent:
        headers["traceparent"] = flow.traceparent
    return headers


class Outbox:
    """Collects events for the current transaction; the relay publishes them later."""

    def __init__(self, session: AsyncSession, table: Table, clock: Clock) -> None:
        self._session = session
        self._table = table
        self._clock = clock
        self._rows: list[dict[str, Any]] = []
        self.added = 0

    async def add(self, event: Envelope[Any]) -> None:
        """Keep the event's row; `write` stores the rows (in order) before the commit."""
        self._rows.append({
            "event_id": str(event.id),
            "topic": event.topic,
            "key": event.aggregate_id,
            "event_type": event.type,
            "body": event.model_dump_json(),
            "headers": json.dumps(message_headers(event)),
            "created_at": self._clock.now(),
            "attempts": 0,
        })
        self.added += 1

    async def write(self) -> None:
        """One statement for every event of the transaction (a batch of consumed events
        emits many)."""
        if self._rows:
            rows, self._rows = self._rows, []
            await self._session.execute(self._table.insert(), rows)
