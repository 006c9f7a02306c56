"""Replay: rebuild the trade catalog and the reporting projection from topics already holding
1,000,000 events (`BENCH_REPLAY_EVENTS` to change), events per second.

The topics are filled first with the national data set of `bench.scale` (entities, then each
product's registration, submission, province result and certificate), cut at exactly the
number of events. Then trade and reporting start together on empty databases, as a rebuild
would: trade replays the certificate topic into the province catalog (publishing its catalog
events as it goes), reporting every topic it reads, trade's catalog events included. Each
one's clock runs from starting the processes until its consumer group has no lag and its
outbox is drained (reporting's only once trade is done); start-up is inside the figure.
Afterwards the rebuilt state is checked against what was published.

Baseline: a bare aiokafka consumer reading the same topics from the start, same broker.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ocop_cli.sandbox import Sandbox
from ocop_shared.contracts import topics
from ocop_shared.messaging.kafka_tools import partition_sizes
from ocop_shared.settings import Settings

from .harness import CONSUMED, Figure, Publisher, Result, caught_up, rss_mib, start_services
from .scale import national_events, raw_read

EVENTS = int(os.environ.get("BENCH_REPLAY_EVENTS", "1000000"))
EVENTS_PER_PRODUCT = 4.3  # registration, submission, result, 85 % certified, half an entity
CHUNK = 10_000
SERVICES = ("trade", "reporting")


async def fill_topics(sandbox: Sandbox) -> Counter[str]:
    """Publish exactly EVENTS events; how many of each type went out."""
    products = int(EVENTS / EVENTS_PER_PRODUCT) + 1
    published: Counter[str] = Counter()
    await sandbox.transport().prepare(topics.ALL)  # as the services would create them
    stream = itertools.islice(national_events(products, max(1, products // 2)), EVENTS)
    async with Publisher(sandbox) as publisher:
        while chunk := list(itertools.islice(stream, CHUNK)):
            await publisher.send_many(chunk)
            published.update(e.type for e in chunk)
    return published


async def end_offsets(sandbox: Sandbox, names: tuple[str, ...]) -> int:
    """How many events the topics hold."""
    sizes = await partition_sizes(sandbox.settings.kafka_access(None), [sandbox.namespace + n for n in names])
    return sum(sizes.values())


async def replay(sandbox: Sandbox) -> dict[str, dict[str, float]]:
    """Start trade and reporting together on the full topics, as a rebuild would; for each, the
    seconds until it had applied everything, and its RSS at start and at its peak (MiB).
    Reporting counts as done only once trade is: it also reads what trade publishes."""
    started = time.perf_counter()
    processes = await start_services(sandbox, SERVICES, OCOP_CONSUMER_BATCH_SIZE="500")
    pids = {name: p.proc.pid for name, p in processes.items() if p.proc is not None}
    figures = {name: {"start_rss": rss_mib(pid), "peak_rss": rss_mib(pid)} for name, pid in pids.items()}
    for service in SERVICES:  # trade first
        while not await caught_up(sandbox, [service]):
            for name, pid in pids.items():
                figures[name]["peak_rss"] = max(figures[name]["peak_rss"], rss_mib(pid))
            exited = [name for name, p in processes.items() if p.proc is None or p.proc.poll() is not None]
            if exited:
                raise RuntimeError(f"{', '.join(exited)} exited during the replay; see {sandbox.tmp_path}")
            await asyncio.sleep(1)
        figures[service]["seconds"] = time.perf_counter() - started
    return figures


async def run(settings: Settings, workdir: Path) -> Result:
    sandbox = Sandbox(settings, workdir, services=list(SERVICES), prefix="b")
    await sandbox.create_databases()
    figures: list[Figure] = []
    details: dict[str, Any] = {"events": EVENTS}
    try:
        t0 = time.perf_counter()
        published = await fill_topics(sandbox)
        details["publish_seconds"] = round(time.perf_counter() - t0, 1)
        details["published"] = dict(published)
        measured = await replay(sandbox)
        for service in SERVICES:
            count = await end_offsets(sandbox, CONSUMED[service])
            raw = await raw_read(settings, [sandbox.namespace + t for t in CONSUMED[service]], count)
            seconds = measured[service]["seconds"]
            figures.append(Figure(f"{service} replay", "events/s", round(raw, 1), round(count / seconds, 1),
                                  "", None))
            figures.append(Figure(f"{service} peak RSS", "MiB", round(measured[service]["start_rss"], 1),
                                  round(measured[service]["peak_rss"], 1), "", None, higher_is_better=False))
            details[f"{service}_events"] = count
            details[f"{service}_seconds"] = round(seconds, 1)
        await _check(sandbox, published, details)
    finally:
        for process in sandbox.processes:
            process.kill()
        await sandbox.remove()
    return Result("replay", f"Replay of {EVENTS:,} events into the trade catalog and the reporting projection",
                  "bare aiokafka consumer reading the same topics from the start",
                  "trade and reporting started together on empty databases, each until it has no lag",
                  figures, details)


async def _check(sandbox: Sandbox, published: Counter[str], details: dict[str, Any]) -> None:
    """The rebuilt state holds every published fact once."""
    expected = {("trade", "SELECT count(*) FROM catalog_items WHERE catalog_id = 'province'"): published["Certified"],
                ("reporting", "SELECT count(*) FROM entities"): published["EntityRegistered"],
                ("reporting", "SELECT count(*) FROM scores"): published["Scored"],
                ("reporting", "SELECT count(*) FROM certificate_events WHERE kind = 'certified'"):
                    published["Certified"]}
    for (service, sql), want in expected.items():
        got = await sandbox.fetchval(service, sql)
        details[f"check: {service}: {sql}"] = got
        if got != want:
            raise RuntimeError(f"replay lost or doubled facts: {service}: {sql} = {got}, published {want}")

