"""Reading whole topics from the start (for dead-letter inspection and replays)."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from .kafka import _headers
from .transport import InboundMessage


async def read_topics_from_start(bootstrap: str, names: Sequence[str]) -> list[InboundMessage]:
    """Every record currently in the topics, without joining a consumer group."""
    if not names:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [TopicPartition(name, p) for name in names
                      for p in sorted(consumer.partitions_for_topic(name) or ())]
        if not partitions:
            return []
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
        await consumer.stop()
