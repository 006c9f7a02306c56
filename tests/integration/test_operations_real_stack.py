"""Operations on the real stack: scaling a service out and in, readiness, metrics."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import httpx
import pytest

from helpers import wait_until
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_shared.clock import SystemClock
from ocop_shared.contracts import Certified, topics
from ocop_shared.contracts.certification_events import CertifiedPayload
from ocop_shared.messaging.outbox import new_event
from ocop_shared.messaging.transport import OutboundMessage

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]


def certified(n: int) -> Any:
    certificate_id = str(uuid.uuid4())
    return new_event(Certified, CertifiedPayload(
        certificate_id=certificate_id, number=f"91-2026-{n:05d}", product_id=str(uuid.uuid4()),
        product_code=f"91-30316-{n}-2026", product_name=f"Sản phẩm {n:03d}", entity_id="e",
        entity_name="HTX", stars=3 + n % 2, regulation="26/2026/QĐ-TTg", decision_no="QĐ 1",
        issued_on=date(2026, 11, 28), valid_until=date(2029, 11, 27),
        authority="UBND tỉnh An Giang", verification_url=f"http://x/{n}"),
        aggregate_id=certificate_id, aggregate_version=1, producer="certification",
        clock=SystemClock())


async def test_two_trade_processes_split_partitions_and_survive_losing_one(
    deployment: Deployment,
) -> None:
    first = deployment.process("trade").start()
    second = deployment.process("trade").start()
    await asyncio.gather(first.wait_ready(), second.wait_ready())
    producer = deployment.transport().producer("test-certification")
    await producer.start()
    events = [certified(n) for n in range(1, 121)]
    try:
        await producer.send_batch([OutboundMessage(topics.CERTIFICATE, e.aggregate_id,
                                                   e.to_json_bytes()) for e in events[:60]])

        async def some_listed() -> bool:
            n = await deployment.fetchval("trade", "SELECT count(*) FROM catalog_items")
            return bool(n) and int(n) >= 10  # type: ignore[arg-type]

        await wait_until(some_listed, timeout=60, what="the first catalog entries")
        first.kill()  # SIGKILL in the middle of the run
        await producer.send_batch([OutboundMessage(topics.CERTIFICATE, e.aggregate_id,
                                                   e.to_json_bytes()) for e in events[60:]])
    finally:
        await producer.stop()

    async def all_listed() -> bool:
        return await deployment.fetchval("trade", "SELECT count(*) FROM catalog_items") == 120

    await wait_until(all_listed, timeout=120, interval=1, what="all 120 products listed")
    await asyncio.sleep(2)
    assert await deployment.fetchval(
        "trade", "SELECT count(*) FROM catalog_changes WHERE catalog_id = 'province'") == 120, (
        "no product was added twice")
    assert await deployment.fetchval(
        "trade", "SELECT max(version) FROM catalog_changes WHERE catalog_id = 'province'") == 120
    async with httpx.AsyncClient(base_url=second.url) as c:
        metrics = (await c.get("/metrics")).text
    processed = [line for line in metrics.splitlines()
                 if line.startswith("ocop_events_consumed_total{") and 'service="trade"' in line
                 and 'outcome="processed"' in line and 'type="Certified"' in line]
    assert processed and float(processed[0].rsplit(" ", 1)[1]) >= 1
    assert 'ocop_consumer_lag{partition="0",service="trade"' in metrics or (
        'ocop_consumer_lag{service="trade"' in metrics)


async def test_readiness_names_what_is_missing(deployment: Deployment) -> None:
    process = deployment.process("registry").start()
    await process.wait_ready()
    async with httpx.AsyncClient(base_url=process.url) as c:
        ready = (await c.get("/health/ready")).json()
        assert ready["status"] == "ready"
        assert set(ready["checks"]) == {"database:registry", "broker:kafka", "object_store:registry"}
        live = await c.get("/health/live")
        assert live.status_code == 200
