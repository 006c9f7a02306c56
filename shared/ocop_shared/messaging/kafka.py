"""The Kafka transport: an idempotent producer for the relay and dead letters,
topic administration, and a FastStream subscriber that commits explicit offsets
only after the effect is committed in the service's database.

FastStream's Kafka defaults are at-most-once (auto-commit, acks=1, offset reset
'latest'); every one of them is set explicitly here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    KafkaError,
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
)
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from .kafka_access import KafkaAccess, access_of
from .processor import EventProcessor
from .transport import InboundMessage, OutboundMessage, TransportUnavailable

log = logging.getLogger(__name__)


class KafkaProducer:
    """Idempotent producer (acks=all): `send_batch` returns once the broker has every message."""

    def __init__(self, access: KafkaAccess | str, client_id: str, namespace: str = "") -> None:
        self._access = access_of(access)
        self._client_id = client_id
        self._namespace = namespace
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        if self._producer is not None:
            return
        producer = AIOKafkaProducer(
            **self._access.aiokafka(),
            client_id=self._client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            request_timeout_ms=15000,
            max_batch_size=256 * 1024,
        )
        try:
            await producer.start()
        except Exception as error:
            await producer.stop()
            raise TransportUnavailable(f"Kafka unavailable: {error}") from error
        self._producer = producer

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def send_batch(self, messages: Sequence[OutboundMessage]) -> None:
        if self._producer is None:
            await self.start()
        producer = self._producer
        assert producer is not None
        try:
            pending = [
                await producer.send(
                    self._namespace + m.topic,
                    m.value,
                    key=m.key.encode(),
                    headers=[(k, v.encode()) for k, v in m.headers.items()],
                )
                for m in messages
            ]
            await asyncio.gather(*pending)
        except KafkaError as error:
            raise TransportUnavailable(f"Kafka send failed: {error}") from error


async def ensure_topics(
    access: KafkaAccess | str, names: Sequence[str], *, partitions: int, replication: int
) -> None:
    """Create the topics that do not exist yet (the broker does not auto-create). On a cluster
    with ACLs a service may not create topics (provisioning does): a missing one it may not
    create is an outage to wait out, said by name."""
    admin = AIOKafkaAdminClient(**access_of(access).aiokafka(), client_id="ocop-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in dict.fromkeys(names) if n not in existing]
        if missing:
            try:
                await admin.create_topics(
                    [NewTopic(n, num_partitions=partitions, replication_factor=replication)
                     for n in missing]
                )
            except TopicAlreadyExistsError:
                pass
            except (TopicAuthorizationFailedError, ClusterAuthorizationFailedError) as error:
                raise TransportUnavailable(
                    f"topics {', '.join(missing)} do not exist and this user may not create "
                    f"them: provision them (ocop kafka provision)") from error
            # The admin client reports refusals per topic in its answer, not by raising; and a
            # user sees only the topics its ACLs name. So: look again.
            still = [n for n in missing if n not in set(await admin.list_topics())]
            if still:
                raise TransportUnavailable(
                    f"topics {', '.join(still)} do not exist or this user has no rights on them: "
                    "provision them (ocop kafka provision)")
    finally:
        await admin.close()


async def delete_topics(access: KafkaAccess | str, prefix: str) -> None:
    """Delete every topic whose name starts with `prefix` (a test's or a benchmark's own)."""
    if not prefix:
        raise ValueError("a prefix is required: an empty one would delete every topic")
    admin = AIOKafkaAdminClient(**access_of(access).aiokafka(), client_id="ocop-admin")
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
    finally:
        await admin.close()


def _headers(raw: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (raw or ())}


class KafkaConsumer:
    """One consumer group member reading a service's topics through FastStream."""

    def __init__(
        self,
        access: KafkaAccess | str,
        processor: EventProcessor,
        topics: Sequence[str],
        *,
        client_id: str,
        graceful_timeout: float = 10.0,
        namespace: str = "",
        group_suffix: str = "",
        max_batch: int = 100,
    ) -> None:
        self._processor = processor
        self._namespace = namespace
        access = access_of(access)
        self.broker = KafkaBroker(
            access.bootstrap,
            security=access.faststream_security(),
            client_id=client_id,
            graceful_timeout=graceful_timeout,
            logger=None,
        )
        subscriber = self.broker.subscriber(
            *(namespace + t for t in topics),
            group_id=namespace + processor.consumer + group_suffix,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            max_poll_interval_ms=10 * 60 * 1000,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=2_000,
            title=f"{processor.consumer}:consume",
            batch=True,
            max_records=max_batch,
            batch_timeout_ms=25,  # FastStream also sleeps this long after an empty poll
        )
        subscriber(self._on_batch)

    async def _on_batch(self, message: KafkaMessage) -> None:
        raw = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        if not records:
            return
        inbound = [InboundMessage(
            topic=record.topic.removeprefix(self._namespace),
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode() if record.key else None,
            value=record.value or b"",
            headers=_headers(record.headers),
            timestamp_ms=record.timestamp,
        ) for record in records]
        consumer = message.consumer
        first: dict[TopicPartition, int] = {}
        after: dict[TopicPartition, int] = {}
        for record in records:
            partition = TopicPartition(record.topic, record.partition)
            first.setdefault(partition, record.offset)
            after[partition] = record.offset + 1
        try:
            await self._processor.process_batch(inbound)
        except Exception as error:
            # Only a dead-letter publish can fail here: read the messages again later.
            log.warning("%s: will re-read %d message(s): %s", self._processor.consumer, len(records), error)
            await asyncio.sleep(1.0)
            for partition, offset in first.items():
                consumer.seek(partition, offset)
            return
        try:
            await consumer.commit(after)  # type: ignore[call-arg]
        except KafkaError as error:
            # Typically a rebalance took the partition away: the new owner re-reads
            # the message and its inbox drops it as a duplicate.
            log.info("%s: offset commit failed (%s); redelivery will be deduplicated",
                     self._processor.consumer, error)

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()
