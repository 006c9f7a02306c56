"""The idempotent-consumer record: (consumer, event_id), written with the effect."""

from __future__ import annotations

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import Clock


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
    record and the effect commit or roll back together.
    """
    seen = await session.scalar(
        select(inbox.c.event_id).where(
            inbox.c.consumer == consumer, inbox.c.event_id == event_id
        )
    )
    if seen is not None:
        return False
    try:
        async with session.begin_nested():
            await session.execute(
                inbox.insert().values(
                    consumer=consumer,
                    event_id=event_id,
                    event_type=event_type,
                    processed_at=clock.now(),
                )
            )
    except IntegrityError:
        # Another process of the same consumer group got there first.
        return False
    return True
