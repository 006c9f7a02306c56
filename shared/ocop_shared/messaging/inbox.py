"""The idempotent-consumer record: (consumer, event_id), written with the effect."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import Clock
from ..db.engine import WRITTEN_TABLES, upsert_insert


async def first_delivery(
    session: AsyncSession,
    inbox: Table,
    *,
    consumer: str,
    event_id: str,
    event_type: str,
    clock: Clock,
) -> bool:
    """Record the event for this consumer; False if it was already processed (see
    `first_deliveries`)."""
    return bool(await first_deliveries(session, inbox, consumer=consumer,
                                       events=[(event_id, event_type)], clock=clock))


async def first_deliveries(
    session: AsyncSession,
    inbox: Table,
    *,
    consumer: str,
    events: Sequence[tuple[str, str]],
    clock: Clock,
) -> set[str]:
    """Record the (event id, type) pairs for this consumer; the ids seen for the first time.

    Must run inside the transaction that applies the events' effects, so the records and the
    effects commit or roll back together. One statement for the whole batch: an insert that
    does nothing for a row that exists (also when another process of the same consumer group
    inserted it first: PostgreSQL waits for that transaction, then sees the conflict) or that
    repeats an earlier row of the same batch.
    """
    now = clock.now()
    if session.get_bind().dialect.name == "postgresql":
        # Two arrays instead of a VALUES row per event: a statement of constant size that the
        # driver prepares once, where a 1,000-event batch would cost its own long compilation.
        inserted = await session.execute(text(
            f"INSERT INTO {inbox.name} (consumer, event_id, event_type, processed_at) "
            "SELECT :consumer, e.id, e.type, :now FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[])) "
            "AS e(id, type) ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"),
            {"consumer": consumer, "now": now, "ids": [i for i, _ in events], "types": [t for _, t in events]})
        session.info.setdefault(WRITTEN_TABLES, set()).add(inbox.name)  # as an ORM insert would be noted
        return set(inserted.scalars())
    statement = (
        upsert_insert(session, inbox)
        .values([{"consumer": consumer, "event_id": event_id, "event_type": event_type,
                  "processed_at": now} for event_id, event_type in events])
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(inbox.c.event_id)
    )
    return set(await session.scalars(statement))
