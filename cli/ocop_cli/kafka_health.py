"""Where each partition's replicas are: its leader, its replicas and which of them are in sync.

An operator (`ocop kafka health`) and the fault run read the same thing: a partition with fewer
in-sync replicas than replicas is under-replicated (a broker is down or catching up), one without
a leader is offline (nothing can be written to it)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from confluent_kafka import ElectionType, KafkaException, TopicPartition

from .kafka_admin import KafkaAdmin


@dataclass(frozen=True)
class PartitionState:
    topic: str
    partition: int
    leader: int  # -1: offline
    replicas: tuple[int, ...]
    in_sync: tuple[int, ...]

    @property
    def under_replicated(self) -> bool:
        return len(self.in_sync) < len(self.replicas)

    @property
    def offline(self) -> bool:
        return self.leader < 0


def partition_states(admin: KafkaAdmin, prefix: str = "") -> list[PartitionState]:
    """Every partition of the topics whose name starts with `prefix` (internal ones included
    when no prefix is given), as the cluster's metadata has it now."""
    metadata = admin.client.list_topics(timeout=10)
    return sorted((PartitionState(name, number, part.leader, tuple(part.replicas), tuple(part.isrs))
                   for name, topic in metadata.topics.items() if name.startswith(prefix)
                   for number, part in topic.partitions.items()),
                  key=lambda s: (s.topic, s.partition))


def brokers(admin: KafkaAdmin) -> dict[int, str]:
    """The brokers the cluster's metadata lists as alive: id -> client address."""
    found = admin.client.list_topics(timeout=10).brokers
    return {node: f"{found[node].host}:{found[node].port}" for node in sorted(found)}


def unhealthy(states: list[PartitionState]) -> list[PartitionState]:
    return [s for s in states if s.under_replicated or s.offline]


def wait_healthy(admin: KafkaAdmin, timeout: float = 180.0, prefix: str = "") -> list[PartitionState]:
    """Poll until every partition has all its replicas in sync and a leader; returns what is still
    unhealthy when `timeout` runs out (empty: healthy)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            bad = unhealthy(partition_states(admin, prefix))
        except KafkaException:  # the metadata request went to a broker that is down: ask again
            if time.monotonic() > deadline:
                raise
            continue
        if not bad or time.monotonic() > deadline:
            return bad
        time.sleep(0.5)


def elect_preferred_leaders(admin: KafkaAdmin, partitions: list[PartitionState]) -> None:
    """Move each partition's leadership back to its first replica (what Kafka does by itself after
    `leader.imbalance.check.interval.seconds`), now."""
    future = admin.client.elect_leaders(ElectionType.PREFERRED,
                                        [TopicPartition(p.topic, p.partition) for p in partitions])
    for partition, error in future.result(timeout=30).items():
        if error is not None and error.name() != "ELECTION_NOT_NEEDED":
            raise RuntimeError(f"{partition.topic}[{partition.partition}]: {error}")
