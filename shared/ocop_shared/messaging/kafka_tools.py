"""Reading whole topics from the start (for dead-letter inspection and replays)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from .kafka import _headers
from .kafka_access import KafkaAccess, access_of
from .transport import InboundMessage


async def read_topics_from_start(access: KafkaAccess | str, names: Sequence[str]) -> list[InboundMessage]:
    """Every record currently in the topics, without joining a consumer group."""
    if not names:
        return []
    access = access_of(access)
    partitions = await topic_partitions(access, names)
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(**access.aiokafka(), group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if end[tp] > 0}
        records: list[InboundMessage] = []
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, items in batch.items():
                for r in items:
                    records.append(InboundMessage(
                        topic=r.topic, partition=r.partition, offset=r.offset,
                        key=r.key.decode() if r.key else None, value=r.value or b"",
                        headers=_headers(r.headers), timestamp_ms=r.timestamp))
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
            if not batch:
                for tp in list(remaining):
                    if await consumer.position(tp) >= end[tp]:
                        remaining.discard(tp)
        return records
    finally:
        await stop_quietly(consumer)


async def topic_partitions(access: KafkaAccess | str, names: Sequence[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**access_of(access).aiokafka(), client_id="ocop-reader")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [n for n in names if n in existing]
        described = await admin.describe_topics(wanted) if wanted else []
    finally:
        await admin.close()
    return sorted(
        (TopicPartition(topic["topic"], p["partition"])
         for topic in described for p in topic.get("partitions", [])),
        key=lambda tp: (tp.topic, tp.partition),
    )


async def partition_sizes(access: KafkaAccess | str, names: Sequence[str]) -> dict[TopicPartition, int]:
    """Each partition's end offset (how many events it has held), for the named topics that exist."""
    partitions = await topic_partitions(access, names)
    if not partitions:
        return {}
    consumer = AIOKafkaConsumer(**access_of(access).aiokafka(), group_id=None)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await stop_quietly(consumer)


async def stop_quietly(consumer: AIOKafkaConsumer) -> None:
    """Stop a group-less consumer.

    aiokafka's NoGroupCoordinator can re-raise the CancelledError of its own
    internal task on close; only a cancellation of *this* task is propagated.
    """
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


async def group_lag(access: KafkaAccess | str, group: str, names: Sequence[str]) -> dict[tuple[str, int], int]:
    """Per partition: end offset minus the group's committed offset."""
    access = access_of(access)
    partitions = await topic_partitions(access, names)
    if not partitions:
        return {}
    admin = AIOKafkaAdminClient(**access.aiokafka(), client_id="ocop-lag")
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(**access.aiokafka(), group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
    finally:
        await stop_quietly(consumer)
    lag = {}
    for tp in partitions:
        meta = committed.get(tp)
        done = meta.offset if meta is not None and meta.offset >= 0 else 0
        lag[(tp.topic, tp.partition)] = max(0, ends[tp] - done)
    return lag
