"""Fixtures for tests on the real stack (Kafka, the S3 server, PostgreSQL from `make up`).

No test here skips: if the stack is not running the fixtures fail with the command to run.
Each test gets its own topic namespace and its own databases, so tests never see each
other's events or rows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest

from helpers import SERVICE_NAMES, OcopProcess
from ocop_shared.messaging.transports import KafkaTransport
from ocop_shared.settings import Settings

STACK = Settings()
PG_DSN = STACK.postgres_url.replace("postgresql+asyncpg", "postgresql")


@pytest.fixture(scope="session")
async def stack() -> Settings:
    problems = []
    try:
        await asyncio.wait_for(KafkaTransport(STACK.kafka_bootstrap, partitions=1,
                                              replication=1).ping(), 15)
    except Exception as error:
        problems.append(f"Kafka at {STACK.kafka_bootstrap}: {error}")
    try:
        conn = await asyncpg.connect(f"{PG_DSN}/postgres", timeout=5)
        await conn.close()
    except Exception as error:
        problems.append(f"PostgreSQL: {error}")
    if problems:
        pytest.fail("the real stack is not running (start it with `make up`): "
                    + "; ".join(problems), pytrace=False)
    return STACK


class Deployment:
    """One isolated deployment on the shared stack: a topic namespace and fresh databases."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.id = f"t{uuid.uuid4().hex[:10]}"
        self.namespace = f"{self.id}."
        self.settings = settings
        self.tmp_path = tmp_path
        self.databases = {name: f"ocop_{self.id}_{name}" for name in SERVICE_NAMES}
        self.processes: list[OcopProcess] = []

    def database_url(self, service: str) -> str:
        return f"{self.settings.postgres_url}/{self.databases[service]}"

    def env(self, service: str) -> dict[str, str]:
        return {
            "OCOP_MODE": "kafka",
            "OCOP_KAFKA_NAMESPACE": self.namespace,
            "OCOP_DATABASE_URL": self.database_url(service),
            "OCOP_S3_BUCKET": f"ocop-{self.id}",
            "OCOP_LOG_JSON": "false",
            "OCOP_JWT_SECRET": self.settings.jwt_secret,
            "OCOP_SHUTDOWN_GRACE_SECONDS": "5",
        }

    def process(self, service: str, **extra_env: str) -> OcopProcess:
        process = OcopProcess(["--mode", "kafka", service], {**self.env(service), **extra_env},
                              self.tmp_path / f"{service}-{len(self.processes)}.log")
        self.processes.append(process)
        return process

    def transport(self) -> KafkaTransport:
        return KafkaTransport(self.settings.kafka_bootstrap, partitions=3, replication=1,
                              namespace=self.namespace)

    async def create_databases(self) -> None:
        conn = await asyncpg.connect(f"{PG_DSN}/postgres")
        try:
            for name in self.databases.values():
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    async def drop_databases(self) -> None:
        conn = await asyncpg.connect(f"{PG_DSN}/postgres")
        try:
            for name in self.databases.values():
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def fetchval(self, service: str, sql: str, *args: object) -> object:
        conn = await asyncpg.connect(f"{PG_DSN}/{self.databases[service]}")
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()


@pytest.fixture
async def deployment(stack: Settings, tmp_path: Path) -> AsyncIterator[Deployment]:
    deployment = Deployment(stack, tmp_path)
    await deployment.create_databases()
    try:
        yield deployment
    finally:
        for process in deployment.processes:
            process.kill()
        await deployment.drop_databases()


StartAll = Callable[..., object]
