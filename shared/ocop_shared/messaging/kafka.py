"""The Kafka transport (aiokafka): an idempotent producer for the relay and dead letters,
topic administration, and a consumer that commits explicit offsets only after the effect is
committed in the service's database.

Kafka clients default to at-most-once (auto-commit, acks=1, offset reset 'latest'); every one
of those is set explicitly here. FastStream was used for the consumer loop until it was only a
wrapper around aiokafka's consumer reached through `raw_message` and type-ignores; the loop
below is the part we need (README, "Messaging").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    KafkaError,
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
)

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
    """One consumer group member reading a service's topics (aiokafka): it polls a batch,
    hands it to the processor, and commits the offsets after it only once the effects are
    committed in the service's database."""

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
        self._graceful_timeout = graceful_timeout
        self._max_batch = max_batch
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._consumer = AIOKafkaConsumer(
            *(namespace + t for t in topics),
            **access_of(access).aiokafka(),
            client_id=client_id,
            group_id=namespace + processor.consumer + group_suffix,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_interval_ms=10 * 60 * 1000,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=2_000,
        )

    async def start(self) -> None:
        await self._consumer.start()
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=f"{self._processor.consumer}-consume")

    async def stop(self) -> None:
        """Take no new batch, let the one in hand finish (up to the graceful timeout), leave
        the group."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, self._graceful_timeout)
            except TimeoutError:
                log.warning("%s: batch still running after %.0f s: stopped; it will be read again",
                            self._processor.consumer, self._graceful_timeout)
            self._task = None
        await self._consumer.stop()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                polled = await self._consumer.getmany(timeout_ms=500, max_records=self._max_batch)
                records = [record for batch in polled.values() for record in batch]
                if records:
                    await self._handle(records)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the broker away or refusing: wait, then poll again
                failures += 1
                log.warning("%s: cannot read from Kafka (%s); retrying", self._processor.consumer, error)
                try:
                    await asyncio.wait_for(self._stopping.wait(), min(30.0, 0.5 * 2 ** min(failures, 6)))
                except TimeoutError:
                    pass

    async def _handle(self, records: Sequence[Any]) -> None:
        inbound = [InboundMessage(
            topic=record.topic.removeprefix(self._namespace),
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode() if record.key else None,
            value=record.value or b"",
            headers=_headers(record.headers),
            timestamp_ms=record.timestamp,
        ) for record in records]
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
                self._consumer.seek(partition, offset)
            return
        try:
            await self._consumer.commit(after)
        except KafkaError as error:
            # Typically a rebalance took the partition away: the new owner re-reads
            # the message and its inbox drops it as a duplicate.
            log.info("%s: offset commit failed (%s); redelivery will be deduplicated",
                     self._processor.consumer, error)
