"""A sandbox removed leaves nothing on the shared stack: no database, no topic."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from ocop_cli.sandbox import Sandbox, pg_dsn
from ocop_shared.messaging.kafka import ensure_topics
from ocop_shared.settings import Settings


async def topics_named(settings: Settings, prefix: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        return sorted(t for t in await admin.list_topics() if t.startswith(prefix))
    finally:
        await admin.close()


async def databases_named(settings: Settings, prefix: str) -> list[str]:
    conn = await asyncpg.connect(f"{pg_dsn(settings)}/postgres")
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", f"{prefix}%")
        return sorted(r["datname"] for r in rows)
    finally:
        await conn.close()


async def test_a_removed_sandbox_leaves_no_database_and_no_topic(stack: Settings, tmp_path: Path) -> None:
    sandbox = Sandbox(stack, tmp_path, services=["trade", "reporting"])
    await sandbox.create_databases()
    names = [f"{sandbox.namespace}ocop.certification.certificate.v1", f"{sandbox.namespace}ocop.trade.catalog.v1"]
    await ensure_topics(stack.kafka_bootstrap, names, partitions=1, replication=1)
    assert await topics_named(stack, sandbox.namespace) == sorted(names)
    assert len(await databases_named(stack, f"ocop_{sandbox.id}_")) == 2
    await sandbox.remove()
    assert await topics_named(stack, sandbox.namespace) == []
    assert await databases_named(stack, f"ocop_{sandbox.id}_") == []
