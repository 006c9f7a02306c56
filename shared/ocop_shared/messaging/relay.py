"""The outbox relay: publishes committed events in order, then marks them sent.

At-least-once: a crash between publishing and marking re-sends the batch, and
consumers drop the duplicates in their inbox. Only one relay per service is
active at a time (a PostgreSQL advisory lock elects it), so the order of one
aggregate's events is the order they were committed in.
"""

from __future__ import annotations

import asyncio
import json
import logging
import zlib
from datetime import datetime
from typing import Protocol

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from .. import failpoints
from ..clock import Clock
from ..observability import refusals
from ..observability.metrics import EVENTS_PUBLISHED
from .retry import Backoff
from .transport import OutboundMessage, Producer

log = logging.getLogger(__name__)


class LeaderLock(Protocol):
    async def try_acquire(self) -> bool: ...

    async def release(self) -> None: ...


class SoleLeader:
    """The embedded mode runs one process: it is always the leader."""

    async def try_acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class PostgresAdvisoryLock:
    """Session-level advisory lock held on a dedicated connection."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._engine = engine
        self._key = zlib.crc32(name.encode())
        self._conn: AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception:
                await self._drop()
        try:
            conn = await self._engine.connect()
            got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key})
            await conn.commit()
        except Exception as error:
            log.warning("relay lock unavailable: %s", error)
            return False
        if got:
            self._conn = conn
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
                await self._conn.commit()
            except Exception:
                pass
            await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.invalidate()
                await conn.close()
            except Exception:
                pass


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Table,
        producer: Producer,
        clock: Clock,
        *,
        leader: LeaderLock | None = None,
        batch_size: int = 200,
        poll_seconds: float = 0.2,
        name: str = "",
    ) -> None:
        self.name = name
        self._sessions = sessions
        self._outbox = outbox
        self._producer = producer
        self._clock = clock
        self._leader = leader or SoleLeader()
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._backoff = Backoff(base_seconds=0.1, max_seconds=5.0)
        self.published = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                if not await self._leader.try_acquire():
                    await self._wait(stop, 1.0)
                    continue
                sent = await self.publish_pending()
                failures = 0
                if sent == 0:
                    await self._wait(stop, self._poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                refused = refusals.refusal_of(error)
                if refused is not None and refused.system == "kafka":  # (the database's are counted by the engine)
                    refusals.count(self.name, refused)
                    log.error("%s: the broker refused this service (%s): %s; waiting for it to be fixed",
                              self.name, refused.reason, refused.detail)
                else:
                    log.warning("outbox relay: %s (attempt %d)", error, failures)
                await self._restart_producer()
                await self._wait(stop, self._backoff.delay(failures))
        await self._leader.release()

    async def _wait(self, stop: asyncio.Event, seconds: float) -> None:
        if stop.is_set():
            return
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _restart_producer(self) -> None:
        try:
            await self._producer.stop()
        except Exception as error:
            log.debug("producer stop failed: %s", error)
        try:
            await self._producer.start()
        except Exception as error:
            log.warning("producer restart failed: %s", error)

    async def publish_pending(self) -> int:
        """Publish one batch of unsent events; returns how many were sent."""
        table = self._outbox
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(table.c.seq, table.c.topic, table.c.key, table.c.body, table.c.headers)
                    .where(table.c.published_at.is_(None))
                    .order_by(table.c.seq)
                    .limit(self._batch_size)
                )
            ).all()
        if not rows:
            return 0
        messages = [
            OutboundMessage(topic=r.topic, key=r.key, value=r.body.encode(),
                            headers=json.loads(r.headers))
            for r in rows
        ]
        seqs = [r.seq for r in rows]
        try:
            await self._producer.send_batch(messages)
        except Exception as error:
            await self._record_failure(seqs[0], error)
            raise
        failpoints.reached("relay.after_send", self.name)
        for message in messages:
            EVENTS_PUBLISHED.labels(self.name, message.topic,
                                    message.headers.get("ocop-event-type", "?")).inc()
        async with self._sessions() as session:
            await session.execute(
                update(table).where(table.c.seq.in_(seqs)).values(
                    published_at=self._clock.now(), attempts=table.c.attempts + 1
                )
            )
            await session.commit()
        self.published += len(rows)
        return len(rows)

    async def _record_failure(self, seq: int, error: Exception) -> None:
        try:
            async with self._sessions() as session:
                await session.execute(
                    update(self._outbox).where(self._outbox.c.seq == seq).values(
                        attempts=self._outbox.c.attempts + 1, last_error=str(error)[:2000]
                    )
                )
                await session.commit()
        except Exception:
            pass

    async def backlog(self) -> tuple[int, datetime | None]:
        """Unpublished events and when the oldest of them was committed."""
        async with self._sessions() as session:
            row = (await session.execute(
                select(func.count(), func.min(self._outbox.c.created_at))
                .where(self._outbox.c.published_at.is_(None)))).one()
        return int(row[0] or 0), row[1]
