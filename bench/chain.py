"""The pipeline's baselines: messages through consume -> write -> produce hops with none of our
code in between, on the same broker and database.

- raw: each hop inserts a batch into PostgreSQL (one transaction), produces it to the next topic
  and commits its offsets - the ceiling of "consume, write, publish" on this machine.
- guaranteed: each hop keeps the delivery guarantees of the architecture the way our services
  do, in plain asyncpg: the batch's inbox rows (a redelivered message is dropped), its effect
  rows and its outbox rows in one transaction, then the offsets; a relay per hop publishes the
  outbox in order and marks it sent. What the guarantees cost by themselves, before any
  framework or domain work.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from ocop_cli.sandbox import pg_dsn
from ocop_shared.messaging.kafka import delete_topics, ensure_topics
from ocop_shared.settings import Settings

HOPS = 3
Apply = Callable[[list[ConsumerRecord[bytes, bytes]]], Awaitable[None]]


async def products_per_second(settings: Settings, messages: list[bytes], *, guaranteed: bool,
                              hops: int = HOPS) -> float:
    """How many of `messages` per second pass all `hops`, from the first send to the last
    message read off the last topic."""
    run = uuid.uuid4().hex[:8]
    prefix = f"bench.chain.{run}."
    names = [f"{prefix}{n}" for n in range(hops + 1)]
    await ensure_topics(settings.kafka_access(None), names, partitions=3, replication=1)
    database = f"ocop_bench_chain_{run}"
    admin = await asyncpg.connect(f"{pg_dsn(settings)}/postgres")
    await admin.execute(f'CREATE DATABASE "{database}"')
    pool = await asyncpg.create_pool(f"{pg_dsn(settings)}/{database}", min_size=hops, max_size=2 * hops)
    try:
        hop = _guaranteed_hop if guaranteed else _raw_hop
        for n in range(hops):
            await _create_tables(pool, n, guaranteed)
        stages = [asyncio.create_task(hop(settings, pool, n, names[n], names[n + 1])) for n in range(hops)]
        try:
            return await _time(settings, messages, names[0], names[-1])
        finally:
            for task in stages:
                task.cancel()
            await asyncio.gather(*stages, return_exceptions=True)
    finally:
        await pool.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
        await delete_topics(settings.kafka_access(None), prefix)


async def _time(settings: Settings, messages: list[bytes], first: str, last: str) -> float:
    counter = AIOKafkaConsumer(last, **settings.kafka_access(None).aiokafka(), group_id=None,
                               auto_offset_reset="earliest", enable_auto_commit=False)
    producer = _producer(settings)
    await counter.start()
    await producer.start()
    try:
        await asyncio.sleep(3)  # the hops' consumer groups settle before the clock starts
        started = time.perf_counter()
        await _send(producer, first, [(str(i).encode(), body) for i, body in enumerate(messages)])
        seen = 0
        while seen < len(messages):
            batches = await counter.getmany(timeout_ms=500, max_records=5000)
            seen += sum(len(b) for b in batches.values())
        return len(messages) / (time.perf_counter() - started)
    finally:
        await producer.stop()
        await counter.stop()


async def _create_tables(pool: asyncpg.Pool, hop: int, guaranteed: bool) -> None:
    await pool.execute(f"CREATE TABLE effect{hop} (id text PRIMARY KEY, body bytea NOT NULL)")
    if guaranteed:
        await pool.execute(f"CREATE TABLE inbox{hop} (event_id text PRIMARY KEY)")
        await pool.execute(f"CREATE TABLE outbox{hop} (seq bigserial PRIMARY KEY, key bytea NOT NULL, "
                           "body bytea NOT NULL, published_at timestamptz)")
        await pool.execute(f"CREATE INDEX ON outbox{hop} (seq) WHERE published_at IS NULL")


def _producer(settings: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(**settings.kafka_access(None).aiokafka(), enable_idempotence=True,
                            acks="all", linger_ms=1)


async def _send(producer: AIOKafkaProducer, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    pending = [await producer.send(topic, body, key=key) for key, body in messages]
    await asyncio.gather(*pending)


async def _consume(settings: Settings, source: str, apply: Apply) -> None:
    """Read `source` in batches; the offsets are committed once `apply` has returned."""
    consumer = AIOKafkaConsumer(source, **settings.kafka_access(None).aiokafka(), group_id=f"{source}.hop",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=100, max_records=500)
            records = [r for batch in batches.values() for r in batch]
            if records:
                await apply(records)
                await consumer.commit()
    finally:
        await consumer.stop()


async def _raw_hop(settings: Settings, pool: asyncpg.Pool, hop: int, source: str, target: str) -> None:
    producer = _producer(settings)
    await producer.start()

    async def apply(records: list[ConsumerRecord[bytes, bytes]]) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.executemany(f"INSERT INTO effect{hop} (id, body) VALUES ($1, $2)",
                                   [(f"{r.partition}-{r.offset}", r.value) for r in records])
        await _send(producer, target, [(r.key, r.value) for r in records])

    try:
        await _consume(settings, source, apply)
    finally:
        await producer.stop()


async def _guaranteed_hop(settings: Settings, pool: asyncpg.Pool, hop: int, source: str, target: str) -> None:
    committed = asyncio.Event()

    async def apply(records: list[ConsumerRecord[bytes, bytes]]) -> None:
        async with pool.acquire() as conn, conn.transaction():
            fresh = {row["event_id"] for row in await conn.fetch(
                f"INSERT INTO inbox{hop} (event_id) SELECT unnest($1::text[]) "
                "ON CONFLICT DO NOTHING RETURNING event_id", [r.key.decode() for r in records])}
            rows = [(r.key, r.value) for r in records if r.key.decode() in fresh]
            await conn.executemany(f"INSERT INTO effect{hop} (id, body) VALUES ($1, $2)",
                                   [(key.decode(), body) for key, body in rows])
            await conn.executemany(f"INSERT INTO outbox{hop} (key, body) VALUES ($1, $2)", rows)
        committed.set()

    await asyncio.gather(_consume(settings, source, apply), _relay(settings, pool, hop, target, committed))


async def _relay(settings: Settings, pool: asyncpg.Pool, hop: int, target: str, committed: asyncio.Event) -> None:
    """Publish the outbox in order, then mark it sent; woken by a commit, else polling."""
    producer = _producer(settings)
    await producer.start()
    try:
        while True:
            committed.clear()  # before the read: a commit after it wakes the wait below
            rows = await pool.fetch(f"SELECT seq, key, body FROM outbox{hop} WHERE published_at IS NULL "
                                    "ORDER BY seq LIMIT 200")
            if not rows:
                try:
                    await asyncio.wait_for(committed.wait(), timeout=0.2)
                except TimeoutError:
                    pass
                continue
            await _send(producer, target, [(r["key"], r["body"]) for r in rows])
            await pool.execute(f"UPDATE outbox{hop} SET published_at = now() WHERE seq = ANY($1::bigint[])",
                               [r["seq"] for r in rows])
    finally:
        await producer.stop()
