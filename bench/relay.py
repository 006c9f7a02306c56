"""Outbox relay throughput against a raw aiokafka idempotent producer on the same broker.

Baseline: the same number of same-sized messages sent by AIOKafkaProducer
(enable_idempotence=True, acks=all) straight from memory. Subject: those messages
written as outbox rows in PostgreSQL and published by the platform's OutboxRelay
(read batch, publish, mark sent). The ratio is what the outbox costs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaProducer

from ocop_shared.clock import SystemClock
from ocop_shared.db.engine import create_engine, new_metadata, session_factory
from ocop_shared.db.postgres import admin_dsn
from ocop_shared.messaging.kafka import KafkaProducer, ensure_topics
from ocop_shared.messaging.kafka_access import KafkaAccess
from ocop_shared.messaging.relay import OutboxRelay
from ocop_shared.messaging.tables import add_messaging_tables
from ocop_shared.settings import Settings

from .harness import Figure, Result

COUNT = 20_000
BODY = b'{"type":"Bench","payload":"' + b"x" * 600 + b'"}'


async def raw_baseline(access: KafkaAccess, topic: str) -> float:
    producer = AIOKafkaProducer(**access.aiokafka(), enable_idempotence=True,
                                acks="all", linger_ms=2, max_batch_size=256 * 1024)
    await producer.start()
    try:
        started = time.perf_counter()
        for start in range(0, COUNT, 200):
            pending = [await producer.send(topic, BODY, key=str(i).encode())
                       for i in range(start, start + 200)]
            await asyncio.gather(*pending)
        return COUNT / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def relay_throughput(settings: Settings, topic: str) -> float:
    database = f"ocop_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn(settings))
    await admin.execute(f'CREATE DATABASE "{database}"')
    engine = create_engine(admin_dsn(settings, database).replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        metadata = new_metadata()
        outbox, _ = add_messaging_tables(metadata)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        now = datetime.now(UTC)
        rows = [{"event_id": str(uuid.uuid4()), "topic": topic, "key": str(i),
                 "event_type": "Bench", "body": BODY.decode(), "headers": "{}",
                 "created_at": now, "attempts": 0} for i in range(COUNT)]
        async with engine.begin() as conn:
            await conn.execute(outbox.insert(), rows)
        producer = KafkaProducer(settings.kafka_access(None), "bench-relay")
        relay = OutboxRelay(session_factory(engine), outbox, producer, SystemClock(),
                            batch_size=200)
        await producer.start()
        started = time.perf_counter()
        while await relay.publish_pending():
            pass
        elapsed = time.perf_counter() - started
        await producer.stop()
        return COUNT / elapsed
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


async def run(settings: Settings, workdir: Path) -> Result:
    topic = f"bench.relay.{uuid.uuid4().hex[:8]}"
    await ensure_topics(settings.kafka_access(None), [topic], partitions=3, replication=1)
    baseline = await raw_baseline(settings.kafka_access(None), topic)
    subject = await relay_throughput(settings, topic)
    return Result("outbox-relay-throughput", "Outbox relay throughput",
                  "raw aiokafka idempotent produce (acks=all) from memory",
                  "OutboxRelay: PostgreSQL outbox rows -> Kafka -> marked sent",
                  [Figure("throughput", "events/s", round(baseline, 1), round(subject, 1), "", None)],
                  {"messages": COUNT})
