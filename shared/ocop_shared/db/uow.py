"""Unit of work: one transaction, its session and its outbox.

Rolls back unless `commit()` was called, as in cosmicpython. Events added to
the outbox commit atomically with the state change; after a commit that
carried events the relay is woken so they go out at once. After a commit that
wrote tables, `on_tables_committed` hears their names (read caches drop what
they hold of them), and callbacks registered with `after_commit` run.

Use cases reach their tables through repositories (`repository(kind)`), one of each kind per
transaction, and hand the aggregates they changed to `track`: on commit the events those
aggregates recorded go into the outbox, numbered in each aggregate's stream. A repository that
collects writes to send in bulk (a batch of consumed events' effects) has an async `flush()`,
which runs just before the commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Protocol, TypeVar, cast, runtime_checkable

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..aggregate import Aggregate
from ..audit.context import current_actor
from ..audit.recorder import AuditRecorder, Change
from ..clock import Clock
from ..contracts.envelope import Envelope
from ..messaging.flow import Flow, current_flow, flow_scope
from ..messaging.outbox import Outbox, new_event
from ..settings import Settings
from .engine import WRITTEN_TABLES

T = TypeVar("T")
# How a service makes its repositories from a session, by kind; a kind not listed is made by
# calling it with the session (a repository class taking the session is the usual case).
Repositories = Mapping[type[Any], Callable[[AsyncSession], Any]]


@runtime_checkable
class Flushing(Protocol):
    """A repository that keeps writes back to send them in bulk before the commit."""

    async def flush(self) -> None: ...


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
        audit: AuditRecorder | None = None,
        settings: Settings | None = None,
        repositories: Repositories | None = None,
        replaying: bool = False,
    ) -> None:
        self._sessions = sessions
        # Rebuilding a projection (ocop rebuild): state is derived again from events whose
        # effects already reached the world, so nothing is announced (no events, no webhooks).
        self.replaying = replaying
        self._repositories = repositories or {}
        self.settings = settings or Settings()  # what a use case may know of its surroundings
        self._outbox_table = outbox_table
        self.inbox_table = inbox_table
        self.clock = clock
        self.producer = producer
        self._on_events_committed = on_events_committed
        self._on_tables_committed = on_tables_committed
        self._audit = audit
        self._events: list[Envelope[Any]] = []
        self._changes: list[Change] = []
        self._session: AsyncSession | None = None
        self._outbox: Outbox | None = None
        self._before_commit: dict[str, Callable[[], Awaitable[None]]] = {}
        self._after_commit: dict[str, Callable[[], None]] = {}
        self._state: dict[type, object] = {}
        self._tracked: list[tuple[Aggregate, Flow | None]] = []

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
            self._state.clear()
            self._tracked.clear()
            self._events.clear()
            self._changes.clear()

    async def emit(self, event: Envelope[Any]) -> None:
        if self.replaying:
            return
        if self._outbox is None:
            raise RuntimeError("UnitOfWork used outside 'async with'")
        await self._outbox.add(event)
        if self._audit is not None:
            self._events.append(event)

    def repository(self, kind: type[T]) -> T:
        """This transaction's repository of `kind`, made on first use (and flushed before the
        commit when it keeps writes back)."""
        make = self._repositories.get(kind, kind)

        def new() -> T:
            made = cast(T, make(self.session))
            if isinstance(made, Flushing):
                self.before_commit(f"flush {kind.__qualname__}", made.flush)
            return made

        return self.per_transaction(kind, new)

    def track(self, aggregate: Aggregate, *, flow: Flow | None = None) -> None:
        """Publish the events `aggregate` records in this transaction when it commits, in the
        current flow or in `flow` (e.g. a result continues its submission's correlation id,
        whatever request or event brought it)."""
        if not any(seen is aggregate for seen, _ in self._tracked):
            self._tracked.append((aggregate, flow))

    async def publish(self, aggregate: Aggregate, *, flow: Flow | None = None,
                      ) -> list[Envelope[Any]]:
        """Put what `aggregate` recorded so far into the outbox now, in the current flow or
        `flow`, and return the envelopes (where events of several aggregates must go out in the
        order they happened, or the envelope itself goes further, e.g. to webhooks)."""
        sent: list[Envelope[Any]] = []
        if self.replaying:
            aggregate.take_raised()
            return sent
        with flow_scope(flow or current_flow()):
            for raised in aggregate.take_raised():
                event = new_event(
                    raised.event, raised.payload, aggregate_id=aggregate.id,
                    aggregate_version=raised.version, producer=self.producer, clock=self.clock)
                await self.emit(event)
                sent.append(event)
        return sent

    async def publish_tracked(self) -> None:
        """Put what the tracked aggregates recorded into the outbox now (a batch of consumed
        events does it after each event, so each effect carries its own event's flow)."""
        for aggregate, flow in self._tracked:
            await self.publish(aggregate, flow=flow)
        self._tracked.clear()

    def record_change(self, aggregate_type: str, aggregate_id: str, summary: str,
                      **refs: str) -> None:
        """Say what this transaction changes, for the audit trail (otherwise its events say
        it); a transaction that writes nothing but records a change is audited too (a
        dossier file handed out)."""
        self._changes.append(Change(aggregate_type, aggregate_id, summary, dict(refs)))

    def per_transaction(self, kind: type[T], make: Callable[[], T]) -> T:
        """What this transaction keeps while it runs, one of each kind (a batch's lookups done
        once, writes collected to send in bulk); made on first use, gone when the transaction
        commits or rolls back."""
        found = self._state.get(kind)
        if found is None:
            found = self._state[kind] = make()
        return cast(T, found)

    def before_commit(self, name: str, write: Callable[[], Awaitable[None]]) -> None:
        """Run `write` once, inside the transaction, just before it commits (e.g. writes a
        handler collected to send in bulk); registering the same name again keeps the first."""
        self._before_commit.setdefault(name, write)

    def after_commit(self, name: str, callback: Callable[[], None]) -> None:
        """Call `callback` once the transaction has committed (e.g. wake a job that works on
        what it wrote); registering the same name again keeps the first."""
        self._after_commit.setdefault(name, callback)

    async def commit(self) -> None:
        await self.publish_tracked()
        while self._before_commit:  # a write may reach a repository that registers its own flush
            await self._before_commit.pop(next(iter(self._before_commit)))()
        await self._write_audit_record()
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
        self._state.clear()
        self._events, self._changes = [], []
        for callback in callbacks.values():
            callback()

    async def _write_audit_record(self) -> None:
        actor = current_actor()
        written = self.session.info.get(WRITTEN_TABLES, set())
        if self._audit is None or actor is None or not self._audit.wants_record(
                actor, written, self._changes):
            return
        row, event = self._audit.record(actor, self._events, self._changes,
                                        current_flow().correlation_id, self.clock)
        await self.session.execute(self._audit.table.insert().values(**row))
        assert self._outbox is not None
        await self._outbox.add(event)


UnitOfWorkFactory = Callable[[], UnitOfWork]
