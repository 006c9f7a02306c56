"""Unit of work: one transaction, its session and its outbox.

Rolls back unless `commit()` was called, as in cosmicpython. Events added to
the outbox commit atomically with the state change; after a commit that
carried events the relay is woken so they go out at once. After a commit that
wrote tables, `on_tables_committed` hears their names (read caches drop what
they hold of them), and callbacks registered with `after_commit` run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..clock import Clock
from ..contracts.envelope import Envelope
from ..messaging.outbox import Outbox
from .engine import WRITTEN_TABLES


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        outbox_table: Table,
        inbox_table: Table,
        clock: Clock,
        producer: str,
        on_events_committed: Callable[[], None] | None = None,
        on_tables_committed: Callable[[frozenset[str]], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._outbox_table = outbox_table
        self.inbox_table = inbox_table
        self.clock = clock
        self.producer = producer
        self._on_events_committed = on_events_committed
        self._on_tables_committed = on_tables_committed
        self._session: AsyncSession | None = None
        self._outbox: Outbox | None = None
        self._before_commit: dict[str, Callable[[], Awaitable[None]]] = {}
        self._after_commit: dict[str, Callable[[], None]] = {}

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside 'async with'")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self._outbox = Outbox(self._session, self._outbox_table, self.clock)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            await session.rollback()
        finally:
            await session.close()
            self._session = None
            self._before_commit.clear()
            self._after_commit.clear()

    async def emit(self, event: Envelope[Any]) -> None:
        if self._outbox is None:
            raise RuntimeError("UnitOfWork used outside 'async with'")
        await self._outbox.add(event)

    def before_commit(self, name: str, write: Callable[[], Awaitable[None]]) -> None:
        """Run `write` once, inside the transaction, just before it commits (e.g. writes a
        handler collected to send in bulk); registering the same name again keeps the first."""
        self._before_commit.setdefault(name, write)

    def after_commit(self, name: str, callback: Callable[[], None]) -> None:
        """Call `callback` once the transaction has committed (e.g. wake a job that works on
        what it wrote); registering the same name again keeps the first."""
        self._after_commit.setdefault(name, callback)

    async def commit(self) -> None:
        for write in self._before_commit.values():
            await write()
        self._before_commit.clear()
        if self._outbox is not None:
            await self._outbox.write()
        try:
            await self.session.commit()
        finally:  # a COMMIT that failed in flight may still have happened: report it either way
            written = self.session.info.pop(WRITTEN_TABLES, None)
            if written and self._on_tables_committed:
                self._on_tables_committed(frozenset(written))
        if self._outbox is not None and self._outbox.added and self._on_events_committed:
            self._outbox.added = 0
            self._on_events_committed()
        callbacks, self._after_commit = self._after_commit, {}
        for callback in callbacks.values():
            callback()


UnitOfWorkFactory = Callable[[], UnitOfWork]
