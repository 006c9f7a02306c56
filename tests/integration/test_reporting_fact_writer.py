"""Reporting's bulk fact writer on PostgreSQL and SQLite: rows sent grouped before commit are
the rows one-by-one writes would leave, duplicates inside a batch included."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ocop_cli.sandbox import Sandbox as Deployment
from ocop_shared.clock import ManualClock
from ocop_shared.db.engine import create_engine, session_factory
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.secrets import Secret
from reporting.adapters.fact_writer import FactWriter
from reporting.adapters.tables import entities, inbox, metadata, outbox

CLOCK = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))


def facts(name: str, commune: str = "30316") -> dict[str, str]:
    return {"name": name, "legal_form": "cooperative", "commune_code": commune, "province_code": "91"}


async def check_writer(url: str, password: Secret | None = None) -> None:
    engine = create_engine(url, password=password)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sessions = session_factory(engine)

        def uow() -> UnitOfWork:
            return UnitOfWork(sessions, outbox_table=outbox, inbox_table=inbox, clock=CLOCK, producer="t")

        async with uow() as first:
            writer = FactWriter.of(first)
            assert FactWriter.of(first) is writer, "one writer per transaction"
            writer.keep(entities, {"entity_id": "a"}, facts("from the dossier"))
            writer.replace(entities, {"entity_id": "a"}, facts("registered"))
            writer.replace(entities, {"entity_id": "b"}, facts("old name"))
            writer.replace(entities, {"entity_id": "b"}, facts("new name"))
            writer.keep(entities, {"entity_id": "c"}, facts("first dossier"))
            writer.keep(entities, {"entity_id": "c"}, facts("second dossier"))
            await first.commit()
        async with uow() as rolled_back:
            FactWriter.of(rolled_back).replace(entities, {"entity_id": "d"}, facts("never committed"))
        async with uow() as second:
            FactWriter.of(second).keep(entities, {"entity_id": "a"}, facts("a later dossier"))
            FactWriter.of(second).replace(entities, {"entity_id": "c"}, facts("registered later", "30307"))
            await second.commit()
        async with sessions() as session:
            rows = {r.entity_id: (r.name, r.commune_code) for r in await session.execute(select(entities))}
        assert rows == {"a": ("registered", "30316"), "b": ("new name", "30316"),
                        "c": ("registered later", "30307")}
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_bulk_facts_on_postgresql(deployment: Deployment) -> None:
    # any fresh database of the deployment, as its owner
    await check_writer(deployment.database_url("trade"), deployment.settings.database_password_for("trade"))


async def test_bulk_facts_on_sqlite(tmp_path: Path) -> None:
    await check_writer(f"sqlite+aiosqlite:///{tmp_path / 'reporting.sqlite3'}")
