"""On the three-broker cluster (`deploy/stack.sh up --cluster`; `make test` runs this after the
single-node suite): a service's consumer keeps going when the leader of its partitions dies and
when leadership moves back, and no event is applied twice."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from confluent_kafka import KafkaException
from test_trade_real_stack import certified, publish

from helpers import wait_until
from ocop_cli.kafka_admin import KafkaAdmin
from ocop_cli.kafka_health import elect_preferred_leaders, partition_states, wait_healthy
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_cli.sandbox import stack_command
from ocop_shared.contracts import topics

pytestmark = [pytest.mark.cluster, pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]


def batch(start: int, count: int) -> list[Any]:
    return [certified(str(uuid.uuid4()), str(uuid.uuid4()), f"91-2026-{n:05d}", f"Sản phẩm {n}")
            for n in range(start, start + count)]


async def leader_of_first(admin: KafkaAdmin, topic: str) -> int:
    """The leader of the topic's partition 0 as the metadata says now (-1 while none answers)."""
    try:
        return (await asyncio.to_thread(partition_states, admin, topic))[0].leader
    except KafkaException:  # the request went to the broker just killed
        return -1


async def province_catalog(client: httpx.AsyncClient) -> list[str]:
    return [e["product_id"] for e in (await client.get("/trade/catalogs/province")).json()["entries"]]


# Over 40 lines: a kill, a restart and a leadership move, each followed by traffic.
async def test_trade_consumes_through_a_leader_kill_and_a_leader_move(deployment: Deployment) -> None:
    admin = KafkaAdmin(deployment.settings)
    assert not await asyncio.to_thread(wait_healthy, admin, 60), "the cluster must start healthy"
    topic = deployment.namespace + topics.CERTIFICATE
    states = await asyncio.to_thread(partition_states, admin, topic)
    assert states and all(len(s.replicas) == 3 for s in states), states
    trade = deployment.process("trade").start()
    await trade.wait_ready()
    sent = 0

    async with httpx.AsyncClient(base_url=trade.url, timeout=30) as client:
        async def catalog_holds(count: int) -> None:
            async def done() -> bool:
                listed = await province_catalog(client)
                assert len(listed) == len(set(listed)), "a product was listed twice"
                return len(listed) == count
            await wait_until(done, timeout=120, what=f"{count} products in the province catalog")

        await publish(deployment, batch(sent, 20))
        sent += 20
        await catalog_holds(sent)

        victim = states[0].leader
        await asyncio.to_thread(stack_command, "kill", "kafka", str(victim))
        try:
            async def moved() -> bool:
                return await leader_of_first(admin, topic) not in (victim, -1)
            await wait_until(moved, timeout=60, what=f"partition 0 to get a leader other than broker {victim}")
            await publish(deployment, batch(sent, 20))  # acks=all: two replicas in sync suffice
            sent += 20
            await catalog_holds(sent)
        finally:
            await asyncio.to_thread(stack_command, "start", "kafka", str(victim))
        assert not await asyncio.to_thread(wait_healthy, admin, 120), "broker did not rejoin"

        await asyncio.to_thread(elect_preferred_leaders, admin, states)
        assert victim == states[0].replicas[0]

        async def back() -> bool:
            return await leader_of_first(admin, topic) == victim
        await wait_until(back, timeout=30, what=f"broker {victim} to lead partition 0 again")
        await publish(deployment, batch(sent, 20))
        sent += 20
        await catalog_holds(sent)
    assert trade.proc is not None and trade.proc.poll() is None, "trade restarted instead of riding it out"
