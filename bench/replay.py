"""Replay-1m: rebuild trade's catalogs and the reporting projection from topics holding
1,000,000 events (`BENCH_REPLAY_EVENTS` to change) of a realistic national history.

The topics are filled with `bench.history`: entities, products, dossiers, council results and
escalations, recognition decisions, certificates, their extensions, supersessions, revocations
and expiries, trade's catalog changes and fair exhibitors, access grants and the audit trail,
in the proportions its notes give (1,000,000 events are the histories of 60,657 products; a
20,000-product programme's ten years make about 350,000). Trade's live database holds 20
showrooms (one carrying everything, the others an assortment of 500 certified products each),
as an operator who just added showrooms would have it. Then `ocop rebuild trade --mode kafka`
and `ocop rebuild reporting --mode kafka` run one after the other, as the operator runs them:
wall time from the command's start to its swap, events per second over that time, peak RSS
and CPU of the command. Afterwards the rebuilt state is checked against what was published.

Baseline: a bare aiokafka consumer reading the same topics from the start, same broker, same run.
Goal: at least 0.1 of the baseline for both, peak RSS under 500 MiB.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from ocop_cli.kafka_admin import service_needs
from ocop_cli.sandbox import ROOT, Sandbox, pg_dsn
from ocop_shared.messaging.kafka_tools import partition_sizes
from ocop_shared.settings import Settings

from .harness import Figure, Publisher, Result, cpu_seconds, rss_mib
from .history import history_events
from .scale import raw_read

EVENTS = int(os.environ.get("BENCH_REPLAY_EVENTS", "1000000"))
CHUNK = 5_000
SERVICES = ("trade", "reporting")
SHOWROOMS = 20
ASSORTMENT = 500
RSS_GOAL_MIB = 500.0


class Published:
    """What went onto the topics: counts by type, and which products a till may sell at the end."""

    def __init__(self) -> None:
        self.types: Counter[str] = Counter()
        self.holding: dict[str, str] = {}  # product -> the number of its live certificate
        self.certified: list[str] = []

    def saw(self, event: Any) -> None:
        self.types[event.type] += 1
        p = event.payload
        if event.type == "Certified":
            self.holding[p.product_id] = p.number
            self.certified.append(p.product_id)
        elif event.type in ("CertificateRevoked", "CertificateExpired", "CertificateSuperseded") \
                and self.holding.get(p.product_id) == p.number:
            del self.holding[p.product_id]


async def fill_topics(sandbox: Sandbox) -> Published:
    published = Published()
    stream = history_events(EVENTS)
    async with Publisher(sandbox) as publisher:
        while chunk := list(itertools.islice(stream, CHUNK)):
            await publisher.send_many(chunk)
            for event in chunk:
                published.saw(event)
    return published


async def start_and_stop_services(sandbox: Sandbox) -> None:
    """The live databases as a deployment has them: migrated by the services, which then stop."""
    processes = [sandbox.process(name).start() for name in SERVICES]
    for process in processes:
        await process.wait_ready(timeout=180)
    for process in processes:
        process.terminate()


async def add_showrooms(sandbox: Sandbox, published: Published) -> None:
    conn = await asyncpg.connect(f"{pg_dsn(sandbox.settings)}/{sandbox.databases['trade']}")
    now = datetime.now(UTC)
    try:
        for n in range(SHOWROOMS):
            await conn.execute(
                "INSERT INTO catalogs (id, name, location_type, address, commune_code, operator, carries_all, "
                "version, floor_version, created_at) VALUES ($1, $2, 'showroom', '', NULL, '', $3, 0, 0, $4)",
                f"showroom-{n:02d}", f"Điểm bán OCOP {n}", n == 0, now)
            if n:
                chosen = published.certified[n * 97 % len(published.certified):][:ASSORTMENT]
                await conn.executemany("INSERT INTO assortments (catalog_id, product_id, added_at) VALUES ($1, $2, $3) "
                                       "ON CONFLICT DO NOTHING", [(f"showroom-{n:02d}", p, now) for p in chosen])
    finally:
        await conn.close()


async def rebuild(sandbox: Sandbox, service: str, workdir: Path) -> dict[str, float]:
    """`ocop rebuild <service> --mode kafka` as a process: its wall time, peak RSS and CPU."""
    env = {**os.environ, **sandbox.env(service), "COLUMNS": "160"}
    log = (workdir / f"rebuild-{service}.log").open("ab")
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ocop_cli.main", "rebuild", service, "--mode", "kafka",
        env=env, cwd=ROOT, stdout=log, stderr=asyncio.subprocess.STDOUT)
    peak = cpu = 0.0
    while proc.returncode is None:
        try:
            peak, cpu = max(peak, rss_mib(proc.pid)), cpu_seconds(proc.pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
        try:
            await asyncio.wait_for(proc.wait(), 0.5)
        except TimeoutError:
            pass
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"ocop rebuild {service} failed; see {workdir / f'rebuild-{service}.log'}")
    return {"seconds": seconds, "peak_rss": peak, "cpu": cpu}


async def events_read(sandbox: Sandbox, service: str) -> tuple[list[str], int]:
    names = [sandbox.namespace + t for t in sorted(service_needs([service])[service].reads)]
    return names, sum((await partition_sizes(sandbox.settings.kafka_access(None), names)).values())


# Over 40 lines: the benchmark's phases share the sandbox, its counters and its figures.
async def run(settings: Settings, workdir: Path) -> Result:
    sandbox = Sandbox(settings, workdir, services=list(SERVICES), prefix="b")
    await sandbox.create_databases()
    figures: list[Figure] = []
    details: dict[str, Any] = {"events": EVENTS}
    try:
        await start_and_stop_services(sandbox)
        t0 = time.perf_counter()
        published = await fill_topics(sandbox)
        details["publish_seconds"] = round(time.perf_counter() - t0, 1)
        details["published"] = dict(published.types.most_common())
        await add_showrooms(sandbox, published)
        for service in SERVICES:
            topics, count = await events_read(sandbox, service)
            raw = await raw_read(settings, topics, count)
            measured = await rebuild(sandbox, service, workdir)
            rate = count / measured["seconds"]
            figures.append(Figure(f"{service} rebuild", "events/s", round(raw, 1), round(rate, 1),
                                  "≥ 0.1 of raw", rate >= 0.1 * raw))
            figures.append(Figure(f"{service} rebuild peak RSS", "MiB", RSS_GOAL_MIB, round(measured["peak_rss"], 1),
                                  f"< {RSS_GOAL_MIB:.0f} MiB", measured["peak_rss"] < RSS_GOAL_MIB,
                                  higher_is_better=False))
            details[f"{service}_events"] = count
            details[f"{service}_seconds"] = round(measured["seconds"], 1)
            details[f"{service}_cpu_seconds"] = round(measured["cpu"], 1)
        await check(sandbox, published, details)
    finally:
        for process in sandbox.processes:
            process.kill()
        await sandbox.remove()
    return Result("replay-1m", f"Rebuild of trade and reporting from {EVENTS:,} events of a national history",
                  "bare aiokafka consumer reading the same topics from the start (RSS: the goal)",
                  "ocop rebuild <service> --mode kafka, start to swap, one service after the other",
                  figures, details)


async def check(sandbox: Sandbox, published: Published, details: dict[str, Any]) -> None:
    """The rebuilt state holds what was published, each fact once."""
    listed = "SELECT count(*) FROM catalog_items WHERE catalog_id = "
    expected = {("trade", listed + "'province'"): len(published.holding),
                ("trade", listed + "'showroom-00'"): len(published.holding),
                ("reporting", "SELECT count(*) FROM products"): published.types["ProductRegistered"],
                ("reporting", "SELECT count(*) FROM scores"): published.types["Scored"],
                ("reporting", "SELECT count(*) FROM certificate_events WHERE kind = 'certified'"):
                    published.types["Certified"]}
    for (service, sql), want in expected.items():
        got = await sandbox.fetchval(service, sql)
        details[f"check: {service}: {sql}"] = got
        if got != want:
            raise RuntimeError(f"the rebuild lost or doubled facts: {service}: {sql} = {got}, published {want}")
