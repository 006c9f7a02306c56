"""Fixtures for tests on the real stack (Kafka, the S3 server, PostgreSQL from `make up`).

No test here skips: if the stack is not running the fixtures fail with the command to run.
Each test gets its own topic namespace and its own databases, so tests never see each
other's events or rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest

from helpers import default_people
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_cli.sandbox import pg_dsn
from ocop_shared.messaging.transports import KafkaTransport
from ocop_shared.settings import Settings

STACK = Settings()
PG_DSN = pg_dsn(STACK)


@pytest.fixture(scope="session")
async def stack() -> Settings:
    problems = []
    try:
        await asyncio.wait_for(KafkaTransport(STACK.kafka_access(None), partitions=1,
                                              replication=1).ping(), 15)
    except Exception as error:
        problems.append(f"Kafka at {STACK.kafka_bootstrap}: {error}")
    try:
        conn = await asyncpg.connect(f"{PG_DSN}/postgres", timeout=5)
        await conn.close()
    except Exception as error:
        problems.append(f"PostgreSQL: {error}")
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            found = await client.get(f"{STACK.provider_issuer()}/.well-known/openid-configuration")
            found.raise_for_status()
    except Exception as error:
        problems.append(f"Keycloak at {STACK.provider_issuer()}: {error}")
    if problems:
        pytest.fail("the real stack is not running (start it with `make up`): "
                    + "; ".join(problems), pytrace=False)
    return STACK


@pytest.fixture
async def deployment(stack: Settings, tmp_path: Path) -> AsyncIterator[Deployment]:
    async with Deployment(stack, tmp_path) as deployment:
        default_people(deployment.people())  # people sign in through the stack's Keycloak
        try:
            yield deployment
        finally:
            default_people(None)


StartAll = Callable[..., object]
