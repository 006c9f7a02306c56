"""Revocation to till: from a CertificateRevoked being published to the tombstone in a
showroom's delta feed, under background load.

Subject: the trade service (its own process, PostgreSQL, Kafka) consumes the revocation,
updates the catalogs and serves `GET /trade/pos/{showroom}/changes`; a till-like poller asks
every 5 ms and records when each tombstone first appears. Background load: new certificates
keep arriving at the same time. Baseline: raw aiokafka produce -> consume latency on the same
broker, same rate, same message size.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ocop_cli.sandbox import Sandbox
from ocop_shared.messaging.kafka import ensure_topics
from ocop_shared.settings import Settings

from .harness import Figure, Office, Publisher, Result, certified, percentile, revoked, start_services

REVOCATIONS = 1000
RATE = 10.0  # revocations per second
BACKGROUND_RATE = 5.0  # new certificates per second meanwhile


async def _till_poller(url: str, key: str, seen: dict[str, float], stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, timeout=10) as client:
        snapshot = (await client.get("/trade/pos/bench-till/catalog")).json()
        cursor = snapshot["cursor"]
        while not stop.is_set():
            body = (await client.get("/trade/pos/bench-till/changes", params={"cursor": cursor})).json()
            moment = time.perf_counter()
            for change in body["changes"]:
                if change["kind"] == "tombstone":
                    seen.setdefault(change["product_id"], moment)
            cursor = body["cursor"]
            if not body["has_more"]:
                await asyncio.sleep(0.005)


async def subject(sandbox: Sandbox, workdir: Path) -> tuple[list[float], dict[str, Any]]:
    services = await start_services(sandbox, ["trade"])
    trade = services["trade"]
    office = await (await Office(sandbox).start(services)).headers()
    async with Publisher(sandbox) as publisher:
        created = [certified(i, run="r") for i in range(REVOCATIONS + int(REVOCATIONS * BACKGROUND_RATE / RATE))]
        listed, background = created[:REVOCATIONS], created[REVOCATIONS:]
        await publisher.send_many([event for event, _ in listed])
        async with httpx.AsyncClient(base_url=trade.url, timeout=30) as client:
            r = await client.post("/trade/showrooms", headers=office, json={
                "id": "bench-till", "name": "Điểm bán thử tải", "location_type": "trade_centre",
                "address": "Long Xuyên", "operator": "Thử tải", "carries_all": True})
            key = r.json()["api_key"]
            for _ in range(1200):
                snap = (await client.get("/trade/pos/bench-till/catalog", headers={"X-API-Key": key})).json()
                if len(snap["items"]) >= REVOCATIONS:
                    break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"the catalog never filled ({len(snap['items'])} of {REVOCATIONS}); "
                                   f"see {trade.log_path}")
        seen: dict[str, float] = {}
        stop = asyncio.Event()
        poller = asyncio.create_task(_till_poller(trade.url, key, seen, stop))
        await asyncio.sleep(0.5)
        sent: dict[str, float] = {}

        async def load() -> None:
            for event, _ in background:
                await publisher.send(event)
                await asyncio.sleep(1 / BACKGROUND_RATE)

        loader = asyncio.create_task(load())
        for _, certificate in listed:
            started = time.perf_counter()
            await publisher.send(revoked(certificate))
            sent[certificate.product_id] = started
            await asyncio.sleep(max(0.0, 1 / RATE - (time.perf_counter() - started)))
        for _ in range(600):
            if len(seen) >= len(sent):
                break
            await asyncio.sleep(0.05)
        stop.set()
        await poller
        await loader
    trade.terminate()
    latencies = [seen[p] - t for p, t in sent.items() if p in seen]
    return latencies, {"revocations": len(sent), "seen": len(latencies)}


async def baseline(settings: Settings, namespace: str) -> list[float]:
    topic = f"{namespace}bench.latency"
    await ensure_topics(settings.kafka_access(None), [topic], partitions=3, replication=1)
    consumer = AIOKafkaConsumer(topic, **settings.kafka_access(None).aiokafka(), group_id=None,
                                auto_offset_reset="latest", fetch_max_wait_ms=5)
    producer = AIOKafkaProducer(**settings.kafka_access(None).aiokafka(), enable_idempotence=True,
                                acks="all", linger_ms=1)
    await consumer.start()
    await producer.start()
    received: dict[bytes, float] = {}

    async def receive() -> None:
        async for record in consumer:
            received[record.key or b""] = time.perf_counter()
            if len(received) >= REVOCATIONS:
                return

    receiving = asyncio.create_task(receive())
    await asyncio.sleep(1.0)  # the consumer has its partitions before the first send
    body = revoked(certified(0)[1]).to_json_bytes()
    sent: dict[bytes, float] = {}
    for index in range(REVOCATIONS):
        key = str(index).encode()
        started = time.perf_counter()
        await producer.send_and_wait(topic, body, key=key)
        sent[key] = started
        await asyncio.sleep(max(0.0, 1 / RATE - (time.perf_counter() - started)))
    await asyncio.wait_for(receiving, 60)
    await producer.stop()
    await consumer.stop()
    return [received[k] - t for k, t in sent.items() if k in received]


Subject = Callable[[Sandbox, Path], Awaitable[tuple[list[float], dict[str, Any]]]]


async def against_baseline(settings: Settings, workdir: Path, services: list[str],
                           subject: Subject) -> tuple[list[float], list[float], dict[str, Any]]:
    """The baseline's latencies, then the subject's (and its details) in a sandbox of
    `services`, which is removed afterwards whatever happened."""
    sandbox = Sandbox(settings, workdir, services=services, prefix="b")
    await sandbox.create_databases()
    try:
        base = await baseline(settings, sandbox.namespace)
        latencies, details = await subject(sandbox, workdir)
    finally:
        for process in sandbox.processes:
            process.kill()
        await sandbox.remove()
    return base, latencies, details


def latency_figures(latencies: list[float], base: list[float],
                    goals: tuple[tuple[int, int | None], ...]) -> list[Figure]:
    """The p-th percentiles in ms beside the baseline's, each against its goal (ms) if any."""
    figures = []
    for p, goal_ms in goals:
        s_ms, b_ms = percentile(latencies, p) * 1000, percentile(base, p) * 1000
        figures.append(Figure(f"p{p}", "ms", round(b_ms, 1), round(s_ms, 1),
                              f"< {goal_ms} ms" if goal_ms else "", s_ms < goal_ms if goal_ms else None,
                              higher_is_better=False))
    return figures


async def run(settings: Settings, workdir: Path) -> Result:
    base, latencies, details = await against_baseline(settings, workdir, ["trade"], subject)
    figures = latency_figures(latencies, base, ((50, 100), (95, None), (99, 1000)))
    return Result("revocation-to-till", "Revocation to till (tombstone in a showroom's delta feed)",
                  "raw aiokafka produce -> consume latency, same broker and rate",
                  "CertificateRevoked published -> trade consumes -> tombstone seen by a till polling "
                  "every 5 ms", figures,
                  {**details, "rate_per_s": RATE, "background_certificates_per_s": BACKGROUND_RATE})
