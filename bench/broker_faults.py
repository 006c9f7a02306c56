"""The Kafka cluster's side of `make faults`: which broker to hit, hitting it through
deploy/stack.sh, and waiting until every partition has its three replicas in sync again."""

from __future__ import annotations

import asyncio
import time

from ocop_cli.kafka_admin import KafkaAdmin
from ocop_cli.kafka_health import PartitionState, brokers, partition_states, wait_healthy
from ocop_cli.sandbox import Sandbox, stack_command
from ocop_shared.messaging.kafka_tools import partition_sizes

BACK_IN_SYNC = 180.0  # seconds a restarted broker may take to catch up


class NotACluster(RuntimeError):
    pass


class Brokers:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.admin = KafkaAdmin(sandbox.settings)
        self.addresses = brokers(self.admin)
        if len(self.addresses) < 3:
            raise NotACluster(f"make faults runs on the three-broker cluster, found {len(self.addresses)} "
                              "broker(s): deploy/stack.sh up --cluster")

    @property
    def nodes(self) -> list[int]:
        return sorted(self.addresses)

    async def states(self, prefix: str = "") -> list[PartitionState]:
        return await asyncio.to_thread(partition_states, self.admin, prefix)

    async def busiest(self) -> tuple[int, str]:
        """The broker leading the partition that has held the most events so far, and which."""
        states = {(s.topic, s.partition): s for s in await self.states(self.sandbox.namespace)}
        sizes = await partition_sizes(self.sandbox.settings.kafka_access(None), sorted({t for t, _ in states}))
        partition, size = max(sizes.items(), key=lambda item: item[1])
        state = states[(partition.topic, partition.partition)]
        name = partition.topic.removeprefix(self.sandbox.namespace)
        return state.leader, f"leader of {name}[{partition.partition}] ({size:,} events, the busiest partition)"

    async def controller(self) -> int:
        return int((await asyncio.to_thread(stack_command, "controller")).strip())

    async def act(self, verb: str, node: int) -> None:
        await asyncio.to_thread(stack_command, verb, "kafka", str(node))

    async def in_sync(self) -> float:
        """Seconds until no partition is under-replicated; raises if it takes too long."""
        started = time.monotonic()
        left = await asyncio.to_thread(wait_healthy, self.admin, BACK_IN_SYNC)
        if left:
            raise RuntimeError(f"{len(left)} partitions still under-replicated after {BACK_IN_SYNC:.0f} s, "
                               f"e.g. {left[0]}")
        return time.monotonic() - started
