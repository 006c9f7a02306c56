"""The repositories against a real (SQLite) database: what the unit tests' fakes stand for.
Mainly the versions an aggregate is loaded with, from which its next events are numbered."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ocop_shared.auth import Access, Principal, Role
from ocop_shared.clock import ManualClock
from ocop_shared.db.engine import create_engine, session_factory
from ocop_shared.db.uow import UnitOfWork
from registry.adapters import tables
from registry.adapters.repository import GrantRepository
from registry.service_layer import access

CLOCK = ManualClock(datetime(2026, 3, 2, 8, tzinfo=UTC))
OFFICE = Principal("office-1", access=Access(roles=frozenset({Role.PROVINCE_OFFICE})))


class NoPlaces:
    def resolve(self, commune_code: str, on: object) -> object:
        raise AssertionError("no commune in these grants")

    def communes(self, on: object, name: str | None = None) -> list[object]:
        return []


async def test_a_grant_is_loaded_at_version_1_and_its_revocation_is_version_2(
        tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'registry.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(tables.metadata.create_all)
    sessions = session_factory(engine)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, outbox_table=tables.outbox, inbox_table=tables.inbox,
                          clock=CLOCK, producer="registry")

    try:
        async with uow() as u:
            for login in ("a@ocop.vn", "b@ocop.vn"):
                row = await access.grant(u, access.GrantRequest(login, "province_office", None),
                                         OFFICE, NoPlaces())  # type: ignore[arg-type]
        async with uow() as u:
            loaded = await u.repository(GrantRepository).get(row.grant_id)
            assert loaded is not None and loaded.version == 1 and not loaded.revoked
            await access.revoke(u, row.grant_id, OFFICE)
        async with uow() as u:
            loaded = await u.repository(GrantRepository).get(row.grant_id)
            assert loaded is not None and loaded.version == 2 and loaded.revoked_by == "office-1"
            assert [g.id for g in await u.repository(GrantRepository).live(
                loaded.login, "province_office")] == []
        async with sessions() as session:
            sent = (await session.execute(select(tables.outbox.c.event_type, tables.outbox.c.key,
                                                 tables.outbox.c.body)
                                          .order_by(tables.outbox.c.seq))).all()
        assert [(r.event_type, json.loads(r.body)["aggregate_version"]) for r in sent
                if r.key == row.grant_id] == [("AccessGranted", 1), ("AccessRevoked", 2)]
    finally:
        await engine.dispose()
