"""Hosting a service: its database and migrations, outbox relay, consumer and background jobs.

The same `ServiceRuntime` runs a service alone (kafka mode, one process per
service) or side by side with the others (embedded mode, one process).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from sqlalchemy import MetaData, Table, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .access import access_handlers, grants_source
from .audit import AuditRecorder
from .auth.guard import Guard, VerifierSource
from .clock import Clock, SystemClock, aware
from .contracts import topics as topic_names
from .contracts.envelope import Envelope
from .db.engine import create_engine, is_sqlite, session_factory
from .db.migrations import upgrade
from .db.uow import UnitOfWork
from .http.cached import CachedGet, Lookup
from .jobs import BackgroundJob
from .messaging.processor import BatchPreparer, Consumed, EventProcessor, Handler, Outcome, OutcomeListener
from .messaging.relay import LeaderLock, OutboxRelay, PostgresAdvisoryLock, SoleLeader
from .messaging.retry import Backoff, is_infrastructure_error
from .messaging.transports import ConsumerHandle, Transport
from .observability import metrics, refusals
from .observability.refusals import refusal_of
from .readcache import K, ReadCache, V
from .settings import Settings
from .storage.port import ObjectStore

log = logging.getLogger(__name__)



@dataclass
class ServiceParts:
    """What a service plugs into its host."""

    router: APIRouter
    handlers: Mapping[type[Envelope[Any]], Handler] = field(default_factory=dict)
    background: Sequence[BackgroundJob] = ()
    produces: Sequence[str] = ()
    # Further consumer groups, by name suffix (group "<service>-<suffix>"), for work that must
    # not wait behind, or hold up, the main group's. Each runs like the main one: inbox, its own
    # dead-letter topic, metrics, graceful shutdown, and settled() waits for it.
    groups: Mapping[str, Mapping[type[Envelope[Any]], Handler]] = field(default_factory=dict)
    # Loads what a batch of the main group's events will read, in a few statements (see
    # messaging.processor.BatchPreparer); without it each handler reads for itself.
    prepare_batch: BatchPreparer | None = None


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    metadata: MetaData
    outbox: Table
    inbox: Table
    migrations: Path
    build: Callable[[ServiceRuntime], ServiceParts]
    access: Table | None = None  # the service's copy of the office's grants (see ocop_shared.access)
    audit: Table | None = None  # its append-only audit trail (see ocop_shared.audit)
    owns_grants: bool = False  # the registry records grants; the others copy them from events
    stores_files: bool = False  # has an object storage account and bucket of its own


class NotStarted(RuntimeError):
    pass



class ServiceRuntime:
    def __init__(
        self,
        spec: ServiceSpec,
        settings: Settings,
        transport: Transport,
        store: ObjectStore,
        *,
        verifier: VerifierSource,
        clock: Clock | None = None,
        outcome_listeners: list[OutcomeListener] | None = None,
        rebuild_schema: str | None = None,
    ) -> None:
        self.spec = spec
        # Rebuilding a projection (ocop rebuild): its tables in this PostgreSQL schema of the
        # service's database, only the consumers run (no relay, no background jobs).
        self.rebuild_schema = rebuild_schema
        self.name = spec.name
        self.settings = settings
        self.transport = transport
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.guard = Guard(verifier)
        self._audit = AuditRecorder(spec.audit, spec.name) if spec.audit is not None else None
        self.database_url = settings.database_url_for(spec.name)
        self._outcome_listeners = [self._count, *(outcome_listeners or [])]
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self.relay: OutboxRelay | None = None
        self._consumers: list[ConsumerHandle] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._consumed: dict[str, list[str]] = {}  # consumer group -> its topics
        self._kafka_watcher = refusals.KafkaAuthenticationWatcher(spec.name)
        self._leader: LeaderLock = SoleLeader()
        self._producers: list[Any] = []
        self._commit_listeners: list[tuple[frozenset[str], Callable[[], None]]] = []
        self.cached_gets: list[CachedGet] = []
        self.state: dict[str, Any] = {}  # what a service's wiring keeps for tools and tests
        if spec.access is not None:
            self.guard.add_access_source(
                grants_source(self.uow, spec.access, self.read_cache([spec.access])))
        self.parts = spec.build(self)
        if spec.access is not None and not spec.owns_grants:
            self.parts.handlers = {**access_handlers(spec.access), **self.parts.handlers}

    def consumer_groups(self) -> dict[str, Mapping[type[Envelope[Any]], Handler]]:
        """Every consumer group of the service, by group name, the main one first."""
        return {self.name: self.parts.handlers,
                **{f"{self.name}-{suffix}": handlers for suffix, handlers in self.parts.groups.items()}}

    def topics_read(self) -> set[str]:
        """The topics this service consumes (what its Kafka user may read)."""
        return {event_class.topic for handlers in self.consumer_groups().values() for event_class in handlers}

    def topics_written(self) -> set[str]:
        """The topics this service publishes to (what its Kafka user may write): its own
        streams, the audit trail, and each consumer group's dead letters."""
        written = set(self.parts.produces) | {topic_names.dead_letter_topic(g) for g in self.consumer_groups()}
        if self.spec.audit is not None:
            written.add(topic_names.AUDIT)
        return written

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        if self._sessions is None:
            raise NotStarted(self.name)
        return self._sessions

    @property
    def engine(self) -> AsyncEngine:
        """The service's database engine (once started)."""
        if self._engine is None:
            raise NotStarted(self.name)
        return self._engine

    def uow(self) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            outbox_table=self.spec.outbox,
            inbox_table=self.spec.inbox,
            clock=self.clock,
            producer=self.name,
            on_events_committed=self.relay.wake if self.relay else None,
            on_tables_committed=self._tables_committed,
            audit=self._audit,
            settings=self.settings,
            replaying=self.rebuild_schema is not None,
        )

    def on_commit(self, tables: Iterable[Table], callback: Callable[[], None]) -> None:
        """Call `callback` after every commit of this service that wrote one of `tables`."""
        self._commit_listeners.append((frozenset(t.name for t in tables), callback))

    def _tables_committed(self, written: frozenset[str]) -> None:
        for tables, callback in self._commit_listeners:
            if tables & written:
                callback()

    def read_cache(self, watched: Iterable[Table], *, max_entries: int = 1024) -> ReadCache[K, V]:
        """A cache of answers computed from `watched`: emptied after every commit of this process
        that writes one of them; entries live at most OCOP_READ_CACHE_SECONDS, which bounds
        what a commit of another replica can leave stale here."""
        cache: ReadCache[K, V] = ReadCache(self.settings.read_cache_seconds, max_entries=max_entries)
        self.on_commit(watched, cache.clear)
        return cache

    def answer_from_cache(self, path: str, lookup: Lookup) -> None:
        """Send the answers `lookup` finds cached for GET `path` before routing (see http.cached)."""
        self.cached_gets.append(CachedGet(path, lookup))

    async def start(self) -> None:
        self._stop.clear()
        options: dict[str, Any] = {}
        if self.rebuild_schema is not None:
            options["connect_args"] = {"server_settings": {"search_path": self.rebuild_schema}}
        self._engine = create_engine(self.database_url,
                                     password=self.settings.database_password_for(self.name), **options)
        engine = self._engine
        event.listen(engine.sync_engine, "handle_error", self._database_error)
        await self._once_available("the database", lambda: upgrade(engine, self.spec.migrations, self.name))
        self._sessions = session_factory(self._engine)

        leader: LeaderLock = (
            SoleLeader() if is_sqlite(self.database_url)
            else PostgresAdvisoryLock(self._engine, f"relay:{self.name}")
        )
        self._leader = leader
        self._producers = [self.transport.producer(f"{self.name}-relay")]
        self.relay = OutboxRelay(
            self._sessions, self.spec.outbox, self._producers[0],
            self.clock, leader=leader, batch_size=self.settings.relay_batch_size,
            poll_seconds=self.settings.relay_poll_seconds, name=self.name,
        )
        processors = {group: self._processor(group, handlers)
                      for group, handlers in self.consumer_groups().items() if handlers}
        self._consumed = {group: list(processor.topics) for group, processor in processors.items()}
        logging.getLogger("aiokafka").addHandler(self._kafka_watcher)
        await self._once_available("the broker", lambda: self.transport.prepare(
            sorted(self.topics_read() | self.topics_written())))
        if self.rebuild_schema is None:
            self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name=f"{self.name}-relay"))
            self._tasks.append(asyncio.create_task(self._sample_metrics(self._stop), name=f"{self.name}-metrics"))
            for job in self.parts.background:
                self._tasks.append(asyncio.create_task(job(self._stop), name=f"{self.name}-job"))
        for group, processor in processors.items():
            consumer = self.transport.consumer(processor, self._consumed[group])
            await consumer.start()
            self._consumers.append(consumer)
        log.info("%s started (%s, %s)", self.name, self.transport.name,
                 self._engine.url.get_backend_name())

    def _processor(self, group: str, handlers: Mapping[type[Envelope[Any]], Handler]) -> EventProcessor:
        dead_letters = self.transport.producer(f"{group}-dlq")
        self._producers.append(dead_letters)
        return EventProcessor(
            group, handlers, self.uow, dead_letters,
            max_attempts=self.settings.consumer_max_attempts,
            backoff=Backoff(base_seconds=self.settings.consumer_backoff_seconds),
            listeners=self._outcome_listeners,
            prepare=self.parts.prepare_batch if group == self.name else None,
        )

    async def stop(self) -> None:
        """Stop taking work, finish what is in flight, publish what is committed, close."""
        self._stop.set()
        for consumer in self._consumers:
            await consumer.stop()
        self._consumers.clear()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks,
                                               timeout=self.settings.shutdown_grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            self._tasks.clear()
        if self.relay is not None and isinstance(self._leader, SoleLeader) and self.rebuild_schema is None:
            try:
                await asyncio.wait_for(self._drain_outbox(), timeout=5)
            except Exception as error:
                log.warning("%s: outbox not drained at shutdown: %s", self.name, error)
        for producer in self._producers:
            try:
                await producer.stop()
            except Exception as error:
                log.debug("%s: producer stop: %s", self.name, error)
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
            self._sessions = None
        logging.getLogger("aiokafka").removeHandler(self._kafka_watcher)
        log.info("%s stopped cleanly", self.name)

    def _database_error(self, context: Any) -> None:
        """Any statement or connection of this service the database refused: counted and said
        (a rotated password not yet in the file, a revoked privilege)."""
        refused = refusal_of(context.original_exception)
        if refused is not None:
            refusals.count(self.name, refused)
            log.error("%s: postgres refused this service (%s): %s", self.name, refused.reason,
                      refused.detail)

    async def _once_available(self, what: str, step: Callable[[], Awaitable[None]]) -> None:
        """Run a start-up step, waiting out an outage of what it needs (a service started
        while the database or the broker restarts comes up when they do)."""
        deadline = time.monotonic() + self.settings.startup_wait_seconds
        attempt = 0
        while True:
            attempt += 1
            try:
                await step()
                return
            except Exception as error:
                if not is_infrastructure_error(error) or time.monotonic() > deadline:
                    raise
                refused = refusal_of(error)
                if refused is not None and refused.system != "postgres":  # (the engine counts those)
                    refusals.count(self.name, refused)
                if refused is not None:
                    log.error("%s: %s refused this service (%s): %s; waiting for "
                              "them to be fixed", self.name, refused.system, refused.reason,
                              refused.detail)
                else:
                    log.warning("%s: waiting for %s (%s)", self.name, what, error)
                await asyncio.sleep(min(5.0, 0.2 * 2 ** min(attempt, 5)))

    async def consumer_lag(self) -> int:
        """Events this process's consumer groups have yet to apply, all partitions together."""
        total = 0
        for group, consumed in self._consumed.items():
            total += sum((await self.transport.lag(group, consumed)).values())
        return total

    async def settled(self) -> bool:
        """Nothing left to publish and nothing left to consume, right now. A scenario that moves
        business time waits for every service to settle first, so effects keep their dates."""
        assert self.relay is not None
        backlog, _ = await self.relay.backlog()
        if backlog:
            return False
        for group, consumed in self._consumed.items():
            if any((await self.transport.lag(group, consumed)).values()):
                return False
        return True

    async def _drain_outbox(self) -> None:
        assert self.relay is not None
        while await self.relay.publish_pending():
            pass

    def _count(self, consumed: Consumed) -> None:
        topic = consumed.message.topic
        metrics.EVENTS_CONSUMED.labels(self.name, topic, consumed.event_type,
                                       consumed.outcome.value).inc()
        metrics.HANDLER_DURATION.labels(self.name, consumed.event_type).observe(consumed.seconds)
        if consumed.outcome is Outcome.DEAD_LETTERED:
            metrics.DEAD_LETTERS.labels(self.name, topic).inc()
        elif consumed.outcome is Outcome.DUPLICATE:
            metrics.INBOX_DUPLICATES.labels(self.name, topic).inc()

    async def _sample_metrics(self, stop: asyncio.Event) -> None:
        """Outbox backlog and consumer lag, sampled (they are states, not events)."""
        while not stop.is_set():
            try:
                assert self.relay is not None
                backlog, oldest = await self.relay.backlog()
                metrics.OUTBOX_BACKLOG.labels(self.name).set(backlog)
                age = (self.clock.now() - aware(oldest)).total_seconds() if oldest else 0.0
                metrics.OUTBOX_OLDEST_AGE.labels(self.name).set(max(0.0, age))
                for group, consumed in self._consumed.items():
                    for (topic, partition), lag in (await self.transport.lag(group, consumed)).items():
                        metrics.CONSUMER_LAG.labels(group, topic, str(partition)).set(lag)
            except Exception as error:
                refused = refusal_of(error)
                if refused is not None and refused.system == "kafka":
                    # the consumer's own reconnects are retried inside aiokafka; this is where
                    # a broker refusing this service's credentials becomes visible
                    refusals.count(self.name, refused)
                    log.error("%s: the broker refused this service (%s): %s; waiting for it to be fixed",
                              self.name, refused.reason, refused.detail)
                else:
                    log.debug("%s: metrics sample failed: %s", self.name, error)
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.metrics_interval_seconds)
            except TimeoutError:
                pass

    async def ping_database(self) -> None:
        async with self.sessions() as session:
            await session.execute(text("SELECT 1"))
