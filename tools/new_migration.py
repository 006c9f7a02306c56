"""Autogenerate the next Alembic revision of one service.

Usage: python tools/new_migration.py <service> "<message>"
It upgrades a throw-away SQLite database to the service's head, compares it
with the service's tables and writes the difference as a new revision.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import tempfile
from pathlib import Path

from alembic import command

from ocop_shared.db.engine import create_engine
from ocop_shared.db.migrations import alembic_config, upgrade


async def main(service: str, message: str) -> None:
    spec = importlib.import_module(f"{service}.service").SPEC
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'm.sqlite3'}"
        engine = create_engine(url)
        await upgrade(engine, spec.migrations, service)
        config = alembic_config(spec.migrations, url)

        def _revision(connection: object) -> None:
            config.attributes["connection"] = connection
            versions = sorted((spec.migrations / "versions").glob("[0-9]*.py"))
            rev_id = f"{len(versions) + 1:04d}"
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id)

        async with engine.begin() as connection:
            await connection.run_sync(_revision)
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
