"""The two transports a service can run on, behind one small interface."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from .embedded import EmbeddedConsumer, EmbeddedLog, EmbeddedProducer
from .kafka import KafkaConsumer, KafkaProducer, ensure_topics
from .kafka_access import KafkaAccess, access_of
from .processor import EventProcessor
from .transport import Producer, TransportUnavailable


class ConsumerHandle(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Transport(Protocol):
    name: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def prepare(self, topics: Sequence[str]) -> None: ...

    def producer(self, client_id: str) -> Producer: ...

    def consumer(self, processor: EventProcessor, topics: Sequence[str]) -> ConsumerHandle: ...

    async def ping(self) -> None: ...

    async def lag(self, group: str, topics: Sequence[str]) -> dict[tuple[str, int], int]: ...


class _EmbeddedConsumerHandle:
    def __init__(self, consumer: EmbeddedConsumer) -> None:
        self._consumer = consumer
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._consumer.run(self._stop))

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except TimeoutError:
                self._task.cancel()


class EmbeddedTransport:
    name = "embedded"

    def __init__(self, path: Path, *, max_batch: int = 100) -> None:
        self.log = EmbeddedLog(path)
        self._opened = False
        self._max_batch = max_batch

    async def open(self) -> None:
        if not self._opened:
            await self.log.open()
            self._opened = True

    async def close(self) -> None:
        if self._opened:
            await self.log.close()
            self._opened = False

    async def prepare(self, topics: Sequence[str]) -> None:
        return None

    def producer(self, client_id: str) -> Producer:
        return EmbeddedProducer(self.log)

    def consumer(self, processor: EventProcessor, topics: Sequence[str]) -> ConsumerHandle:
        return _EmbeddedConsumerHandle(EmbeddedConsumer(self.log, processor, topics, self._max_batch))

    async def ping(self) -> None:
        await self.log.committed("ping", "ping")

    async def lag(self, group: str, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        return {(topic, 0): await self.log.count_from(topic, await self.log.committed(group, topic))
                for topic in topics}


class KafkaTransport:
    name = "kafka"

    def __init__(self, access: KafkaAccess | str, *, partitions: int, replication: int,
                 graceful_timeout: float = 10.0, namespace: str = "",
                 group_suffix: str = "", max_batch: int = 100) -> None:
        self.access = access_of(access)
        self.bootstrap = self.access.bootstrap
        self._max_batch = max_batch
        self.namespace = namespace
        self.group_suffix = group_suffix
        self._partitions = partitions
        self._replication = replication
        self._graceful_timeout = graceful_timeout

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def prepare(self, topics: Sequence[str]) -> None:
        from aiokafka.errors import KafkaError

        try:
            await ensure_topics(self.access, [self.namespace + t for t in topics],
                                partitions=self._partitions, replication=self._replication)
        except KafkaError as error:
            raise TransportUnavailable(f"Kafka unavailable: {error}") from error

    def producer(self, client_id: str) -> Producer:
        return KafkaProducer(self.access, client_id, self.namespace)

    def consumer(self, processor: EventProcessor, topics: Sequence[str]) -> ConsumerHandle:
        return KafkaConsumer(self.access, processor, topics,
                             client_id=f"{processor.consumer}-consumer",
                             graceful_timeout=self._graceful_timeout,
                             namespace=self.namespace, group_suffix=self.group_suffix,
                             max_batch=self._max_batch)

    async def lag(self, group: str, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        from .kafka_tools import group_lag

        found = await group_lag(self.access, self.namespace + group + self.group_suffix,
                                [self.namespace + t for t in topics])
        return {(topic.removeprefix(self.namespace), p): n for (topic, p), n in found.items()}

    async def ping(self) -> None:
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(**self.access.aiokafka(), client_id="ocop-ping",
                                    request_timeout_ms=3000)
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()
