"""The embedded transport: a durable, ordered log in one SQLite file.

It stands in for Kafka when all services run in one process: the relay appends
to the log, and each consumer group keeps its own committed position per topic,
so a restart resumes exactly where the group left off (at-least-once, with the
inbox dropping repeats), the same semantics as the Kafka transport.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import (
    Column,
    Float,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..db.engine import create_engine, new_metadata, session_factory
from .processor import EventProcessor
from .transport import InboundMessage, OutboundMessage

log = logging.getLogger(__name__)

_metadata = new_metadata()
log_table = Table(
    "log",
    _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("topic", String(200), nullable=False, index=True),
    Column("key", String(200), nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("headers", Text, nullable=False),
    Column("ts", Float, nullable=False),
)
offsets_table = Table(
    "offsets",
    _metadata,
    Column("grp", String(100), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("next_seq", Integer, nullable=False),
    PrimaryKeyConstraint("grp", "topic"),
)


class EmbeddedLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._engine = create_engine(f"sqlite+aiosqlite:///{path}")
        self._sessions = session_factory(self._engine)
        self._appended = asyncio.Condition()
        self.generation = 0

    async def open(self) -> None:
        async with self._engine.begin() as conn:
            await conn.run_sync(_metadata.create_all)

    async def close(self) -> None:
        await self._engine.dispose()

    async def append(self, messages: Sequence[OutboundMessage]) -> None:
        loop = asyncio.get_running_loop()
        async with self._sessions() as session:
            await session.execute(
                log_table.insert(),
                [
                    {"topic": m.topic, "key": m.key, "value": m.value,
                     "headers": json.dumps(m.headers), "ts": loop.time()}
                    for m in messages
                ],
            )
            await session.commit()
        async with self._appended:
            self.generation += 1
            self._appended.notify_all()

    async def read(
        self, topic: str, from_seq: int, limit: int = 200
    ) -> list[InboundMessage]:
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(log_table)
                    .where(log_table.c.topic == topic, log_table.c.seq >= from_seq)
                    .order_by(log_table.c.seq)
                    .limit(limit)
                )
            ).all()
        return [
            InboundMessage(topic=r.topic, partition=0, offset=r.seq, key=r.key,
                           value=r.value, headers=json.loads(r.headers))
            for r in rows
        ]

    async def topics_like(self, prefix: str) -> list[str]:
        async with self._sessions() as session:
            result = await session.scalars(
                select(log_table.c.topic).where(log_table.c.topic.like(f"{prefix}%")).distinct()
            )
            return sorted(result)

    async def count_from(self, topic: str, from_seq: int) -> int:
        async with self._sessions() as session:
            count = await session.scalar(select(func.count()).select_from(log_table).where(
                log_table.c.topic == topic, log_table.c.seq >= from_seq))
        return int(count or 0)

    async def committed(self, group: str, topic: str) -> int:
        async with self._sessions() as session:
            value = await session.scalar(
                select(offsets_table.c.next_seq).where(
                    offsets_table.c.grp == group, offsets_table.c.topic == topic
                )
            )
        return int(value) if value is not None else 0

    async def commit(self, group: str, topic: str, next_seq: int) -> None:
        statement = sqlite_insert(offsets_table).values(grp=group, topic=topic, next_seq=next_seq)
        statement = statement.on_conflict_do_update(
            index_elements=["grp", "topic"], set_={"next_seq": next_seq}
        )
        async with self._sessions() as session:
            await session.execute(statement)
            await session.commit()

    async def wait_for_append(self, seen_generation: int, timeout: float) -> None:
        """Return once something was appended after `seen_generation` (or on timeout)."""
        async with self._appended:
            try:
                await asyncio.wait_for(
                    self._appended.wait_for(lambda: self.generation != seen_generation), timeout
                )
            except TimeoutError:
                pass


class EmbeddedProducer:
    def __init__(self, log: EmbeddedLog) -> None:
        self._log = log

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send_batch(self, messages: Sequence[OutboundMessage]) -> None:
        if messages:
            await self._log.append(messages)


class EmbeddedConsumer:
    """Feeds one consumer group's topics from the log in batches, committing after each."""

    def __init__(self, log: EmbeddedLog, processor: EventProcessor, topics: Sequence[str],
                 max_batch: int = 100) -> None:
        self._log = log
        self._max_batch = max_batch
        self._processor = processor
        self._group = processor.consumer
        self._topics = list(topics)

    async def run(self, stop: asyncio.Event) -> None:
        positions = {t: await self._log.committed(self._group, t) for t in self._topics}
        while not stop.is_set():
            generation = self._log.generation
            batch: list[InboundMessage] = []
            for topic in self._topics:
                batch.extend(await self._log.read(topic, positions[topic]))
            if not batch:
                await self._log.wait_for_append(generation, 0.5)
                continue
            ordered = sorted(batch, key=lambda m: m.offset)
            for start in range(0, len(ordered), self._max_batch):
                if stop.is_set():
                    return
                chunk = ordered[start:start + self._max_batch]
                await self._processor.process_batch(chunk)
                for message in chunk:
                    positions[message.topic] = message.offset + 1
                for topic in {m.topic for m in chunk}:
                    await self._log.commit(self._group, topic, positions[topic])
