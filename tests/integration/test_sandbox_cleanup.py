"""A sandbox removed leaves nothing on the shared stack: no database, topic, ACL or bucket —
also when the run inside it failed."""

from __future__ import annotations

import io
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from ocop_cli.kafka_admin import KafkaAdmin
from ocop_cli.platform import SERVICES
from ocop_cli.sandbox import Sandbox, pg_dsn
from ocop_shared.contracts import topics
from ocop_shared.settings import Settings


async def topics_named(settings: Settings, prefix: str) -> list[str]:
    admin = AIOKafkaAdminClient(**settings.kafka_access(None).aiokafka())
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


def buckets_named(settings: Settings, prefix: str) -> list[str]:
    """As the S3 server's root sees them (every account's)."""
    from minio import Minio

    assert settings.secrets_dir is not None
    secret = (settings.secrets_dir / "s3" / "root-secret-key").read_text().strip()
    root = Minio(settings.s3_endpoint, "ocop-admin", secret, secure=False, region=settings.s3_region)
    return sorted(b.name for b in root.list_buckets() if b.name.startswith(prefix))


def acls_named(settings: Settings, prefix: str) -> list[str]:
    return sorted(str(b) for b in KafkaAdmin(settings).acls_of() if b.name.startswith(prefix))


async def test_a_removed_sandbox_leaves_no_database_no_topic_and_no_acl(stack: Settings, tmp_path: Path) -> None:
    sandbox = Sandbox(stack, tmp_path, services=["trade", "reporting"])
    await sandbox.create_databases()
    groups = ["certification-rerating", *SERVICES]  # every consumer group has its dead letters
    provisioned = [sandbox.namespace + t for t in topics.ALL] + [
        sandbox.namespace + topics.dead_letter_topic(g) for g in groups]
    assert await topics_named(stack, sandbox.namespace) == sorted(provisioned)
    assert acls_named(stack, sandbox.namespace), "each service's ACLs for the namespace"
    assert len(await databases_named(stack, f"ocop_{sandbox.id}_")) == 2
    await sandbox.remove()
    assert await topics_named(stack, sandbox.namespace) == []
    assert acls_named(stack, sandbox.namespace) == []
    assert await databases_named(stack, f"ocop_{sandbox.id}_") == []


async def test_a_failed_run_leaves_nothing_behind(stack: Settings, tmp_path: Path) -> None:
    """The fixture of every real-stack test runs its sandbox this way."""
    sandbox = Sandbox(stack, tmp_path, services=["registry", "certification", "trade"])
    with pytest.raises(RuntimeError, match="the test failed"):
        async with sandbox:
            for service in ("registry", "certification"):
                await sandbox.store(service).put(io.BytesIO(f"{service} file".encode()), "text/plain")
            assert len(buckets_named(stack, f"ocop-{sandbox.id}")) == 2
            sandbox.process("trade").start()
            raise RuntimeError("the test failed")
    assert buckets_named(stack, f"ocop-{sandbox.id}") == []
    assert await topics_named(stack, sandbox.namespace) == []
    assert acls_named(stack, sandbox.namespace) == []
    assert await databases_named(stack, f"ocop_{sandbox.id}_") == []
    assert all(p.proc is None or p.proc.poll() is not None for p in sandbox.processes), "no process left"
