"""`ocop rebuild trade|reporting --mode kafka`: a projection built again from its topics, beside
the one in use, and swapped in at once when it has caught up.

- **Beside.** The new tables go into a schema `rebuild_<stamp>` of the service's own database,
  made by the service's migrations; a consumer group `<service>.rebuild-<stamp>` reads every
  topic the service reads from offset 0 and applies it there with the service's own handlers
  (no relay: nothing the rebuild derives is announced again; no background jobs). The running
  service keeps serving and applying events to `public` meanwhile.
- **Resume.** Killed, the rebuild leaves its schema and its group's committed offsets: run the
  command again and it carries on where they are.
- **Swap.** Once it has caught up, one transaction holds off the service's consumers (a lock on
  its inbox), lets the rebuild apply whatever arrived up to then, copies what the service owns
  rather than derives (its outbox, audit trail; trade's showrooms, assortments, fairs, webhooks
  and till acknowledgements), and renames `public` to `retired_<stamp>` and the rebuild's
  schema to `public`. Consumers that were held off are disconnected, retry, and continue on the
  new tables (their inbox skips what the rebuild applied). The retired schema is then dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Integer, MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ocop_shared.db.engine import create_engine, is_sqlite
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.settings import Settings
from ocop_shared.storage.none import NoObjectStore

from .platform import make_transport, service_spec

SCHEMA_PREFIX = "rebuild_"
LIVE = "public"
REBUILD_BATCH = 1000  # events a transaction while rebuilding (the service's own setting, if larger)


class RebuildRefused(RuntimeError):
    """The rebuild cannot run here (a message for the operator)."""


@dataclass(frozen=True)
class Carried:
    """What a service owns rather than derives from topics, kept across a rebuild."""

    at_start: tuple[str, ...] = ()  # copied before the consumers start (the projection needs them)
    at_swap: tuple[str, ...] = ("outbox", "audit_log")  # replaced by the live rows at the swap
    finish: Callable[[AsyncConnection, str], Awaitable[None]] | None = None


async def _trade_finish(conn: AsyncConnection, schema: str) -> None:
    """Showrooms made while the rebuild ran join it with their items; every catalog's version
    moves past both histories and its feed starts empty, so each till takes a new snapshot
    (its cursor is older than the floor); other trade processes hear the catalogs moved."""
    created = list((await conn.execute(text(
        f"SELECT id FROM {LIVE}.catalogs WHERE id NOT IN (SELECT id FROM {schema}.catalogs)"))).scalars())
    if created:
        await conn.execute(text(f"INSERT INTO {schema}.catalogs SELECT * FROM {LIVE}.catalogs WHERE id = ANY(:ids)"),
                           {"ids": created})
        await conn.execute(text(f"INSERT INTO {schema}.catalog_items SELECT * FROM {LIVE}.catalog_items "
                                "WHERE catalog_id = ANY(:ids)"), {"ids": created})
    await conn.execute(text(f"""
        UPDATE {schema}.catalogs n SET name = p.name, location_type = p.location_type,
            address = p.address, commune_code = p.commune_code, operator = p.operator,
            api_key_hash = p.api_key_hash,
            version = GREATEST(n.version, p.version) + 1, floor_version = GREATEST(n.version, p.version) + 1
        FROM {LIVE}.catalogs p WHERE n.id = p.id"""))
    await conn.execute(text(f"DELETE FROM {schema}.catalog_changes"))
    await conn.execute(text("SELECT pg_notify('ocop_trade_catalogs', '')"))


CARRIED = {
    "reporting": Carried(),
    "trade": Carried(
        at_start=("catalogs", "assortments"),
        at_swap=("outbox", "audit_log", "assortments", "fairs", "fair_exhibitors", "webhook_subscriptions",
                 "webhook_deliveries", "till_acks"),
        finish=_trade_finish),
}


@dataclass
class Progress:
    """What the command shows while it runs."""

    started: Callable[[str, bool], None]  # schema, resumed
    advanced: Callable[[int, int], None]  # applied, total
    swapped: Callable[[str], None]  # what happened at the swap


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S")


class Rebuild:
    def __init__(self, settings: Settings, service: str) -> None:
        if service not in CARRIED:
            raise RebuildRefused(f"{service} keeps no projection to rebuild (choose: {', '.join(CARRIED)})")
        self.settings = settings
        self.service = service
        self.spec = service_spec(service)
        self.carried = CARRIED[service]
        url = settings.database_url_for(service)
        if is_sqlite(url):
            raise RebuildRefused("a rebuild runs against the service's PostgreSQL database (--mode kafka)")
        self.live: AsyncEngine = create_engine(url, password=settings.database_password_for(service))

    async def close(self) -> None:
        await self.live.dispose()

    # -- the schema ----------------------------------------------------------------------------

    async def existing(self) -> str | None:
        async with self.live.connect() as conn:
            found = (await conn.execute(text(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE :p ORDER BY nspname"),
                {"p": SCHEMA_PREFIX + "%"})).scalars().all()
        return found[-1] if found else None

    async def open_schema(self) -> tuple[str, bool]:
        """The schema of the rebuild under way (resumed) or a new one."""
        found = await self.existing()
        if found is not None:
            return found, True
        schema = SCHEMA_PREFIX + _stamp()
        async with self.live.begin() as conn:
            await conn.execute(text(f"CREATE SCHEMA {schema}"))
        return schema, False

    def runtime(self, schema: str) -> ServiceRuntime:
        settings = self.settings.model_copy(update={
            "kafka_group_suffix": f".rebuild-{schema.removeprefix(SCHEMA_PREFIX)}",
            "consumer_batch_size": max(self.settings.consumer_batch_size, REBUILD_BATCH)})
        return ServiceRuntime(self.spec, settings, make_transport(settings, self.service), NoObjectStore(self.service),
                              verifier=lambda: None,  # type: ignore[arg-type]
                              rebuild_schema=schema)

    async def copy(self, conn: AsyncConnection, schema: str, names: tuple[str, ...], *, replace: bool) -> None:
        """The live rows of `names` into the schema (emptied first with `replace`; emptied in
        reverse and filled in order, so a table comes after those it refers to)."""
        if replace:  # (an append-only table refuses even an empty DELETE: only where rows are)
            for name in reversed(names):
                if await conn.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {schema}.{name})")):
                    await conn.execute(text(f"DELETE FROM {schema}.{name}"))
        for name in names:
            columns = ", ".join(f'"{c.name}"' for c in self._table(name).columns)
            await conn.execute(text(f"INSERT INTO {schema}.{name} ({columns}) SELECT {columns} FROM {LIVE}.{name}"))
            for column in self._table(name).columns:  # a serial column's sequence goes on after the rows
                if not isinstance(column.type, Integer):
                    continue
                sequence = f"pg_get_serial_sequence('{schema}.{name}', '{column.name}')"
                await conn.execute(text(
                    f"SELECT setval({sequence}, COALESCE((SELECT max(\"{column.name}\") FROM {schema}.{name}), 0) + 1, "
                    f"false) WHERE {sequence} IS NOT NULL"))

    def _table(self, name: str) -> Table:
        metadata: MetaData = self.spec.metadata
        return metadata.tables[name]

    # -- the run -------------------------------------------------------------------------------

    async def run(self, progress: Progress, *, poll_seconds: float = 0.5) -> None:
        schema, resumed = await self.open_schema()
        progress.started(schema, resumed)
        runtime = self.runtime(schema)
        await runtime.start()  # migrations into the schema, then the consumers
        try:
            if not resumed and self.carried.at_start:
                async with self.live.begin() as conn:
                    await self.copy(conn, schema, self.carried.at_start, replace=True)
            await self._catch_up(runtime, progress, poll_seconds)
            await self._swap(runtime, schema, progress, poll_seconds)
        finally:
            await runtime.stop()

    async def _catch_up(self, runtime: ServiceRuntime, progress: Progress, poll_seconds: float) -> None:
        total = await self._total(runtime)
        while True:
            lag = await runtime.consumer_lag()
            total = max(total, await self._total(runtime))
            progress.advanced(total - lag, total)
            if lag == 0:
                return
            await asyncio.sleep(poll_seconds)

    async def _total(self, runtime: ServiceRuntime) -> int:
        from ocop_shared.messaging.kafka_tools import partition_sizes

        names = [self.settings.kafka_namespace + t for t in sorted(runtime.topics_read())]
        return sum((await partition_sizes(self.settings.kafka_access(self.service), names)).values())

    async def _swap(self, runtime: ServiceRuntime, schema: str, progress: Progress, poll_seconds: float) -> None:
        retired = f"retired_{schema.removeprefix(SCHEMA_PREFIX)}"
        started = time.monotonic()
        async with self.live.begin() as conn:
            await conn.execute(text("SET LOCAL lock_timeout = '60s'"))
            # The service's consumers wait here: what they applied before is on the topics up to
            # now, and the rebuild applies up to now before the swap.
            await conn.execute(text(f"LOCK TABLE {LIVE}.inbox IN EXCLUSIVE MODE"))
            for name in self.carried.at_swap:
                await conn.execute(text(f"LOCK TABLE {LIVE}.{name} IN EXCLUSIVE MODE"))
            await self._catch_up(runtime, Progress(lambda *_: None, lambda *_: None, lambda _: None), poll_seconds)
            await runtime.stop()
            await self.copy(conn, schema, self.carried.at_swap, replace=True)
            if self.carried.finish is not None:
                await self.carried.finish(conn, schema)
            await conn.execute(text(f"ALTER SCHEMA {LIVE} RENAME TO {retired}"))
            await conn.execute(text(f"ALTER SCHEMA {schema} RENAME TO {LIVE}"))
            # held-off consumers resolved the old tables: they start their transaction again
            held = (await conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"))).all()
        async with self.live.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {retired} CASCADE"))
        progress.swapped(f"{schema} → {LIVE} in {time.monotonic() - started:.1f} s; "
                         f"{len(held)} held-off connection(s) restarted; {retired} dropped")
