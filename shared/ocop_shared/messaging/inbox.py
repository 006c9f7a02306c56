"""The idempotent-consumer record: (consumer, event_id), written with the effect."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import Clock
from ..db.engine import upsert_insert


async def first_delivery(
    session: AsyncSession,
    inbox: Table,
    *,
    consumer: str,
    event_id: str,
    event_type: str,
    clock: Clock,
) -> bool:
    """Record the event for this consumer; False if it was already processed.

    Must run inside the transaction that applies the event's effect, so the
    record and the effect commit or roll back together. One statement: an insert
    that does nothing when the row exists (also when another process of the same
    consumer group inserted it first: PostgreSQL waits for that transaction, then
    sees the conflict).
    """
    statement = (
        upsert_insert(session, inbox)
        .values(consumer=consumer, event_id=event_id, event_type=event_type,
                processed_at=clock.now())
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(inbox.c.event_id)
    )
    inserted = await session.scalar(statement)
    return inserted is not None
