"""Alembic, one history per service, run programmatically at start-up.

Each service's `migrations/env.py` calls `run_env(metadata)`. `upgrade()` runs
the migrations on an async engine, holding an advisory lock on PostgreSQL so
that several replicas starting together migrate once.
"""

from __future__ import annotations

import asyncio
import zlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from .engine import create_engine, is_sqlite


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, migrations_dir: Path, lock_name: str) -> None:
    url = engine.url.render_as_string(hide_password=False)
    config = alembic_config(migrations_dir, url)

    def _run(connection: Connection) -> None:
        if not is_sqlite(url):
            key = zlib.crc32(f"migrate:{lock_name}".encode())
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(_run)


def run_env(metadata: MetaData) -> None:
    """Body of a service's alembic env.py."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection, metadata)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"

    async def _offline_cli() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, metadata)
        await engine.dispose()

    asyncio.run(_offline_cli())


def _migrate(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
