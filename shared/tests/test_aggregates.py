"""Aggregates number their events; the unit of work (real or fake) sends them on commit only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ocop_shared.aggregate import Aggregate
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import ProductRegistered
from ocop_shared.contracts.registry_events import ProductRegisteredPayload
from ocop_shared.db.engine import create_engine, new_metadata, session_factory
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.fakes import FakeUnitOfWork
from ocop_shared.messaging.tables import add_messaging_tables

CLOCK = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))


@dataclass
class Item(Aggregate):
    id: str
    version: int = 0
    notes: list[str] = field(default_factory=list)

    def register(self) -> None:
        self.record(ProductRegistered, ProductRegisteredPayload(
            product_id=self.id, entity_id="e1", name="Mắm cá linh", product_set_no=8,
            commune_code="30280", province_code="89"))

    def rename(self, name: str) -> None:
        self.record(ProductRegistered, ProductRegisteredPayload(
            product_id=self.id, entity_id="e1", name=name, product_set_no=8,
            commune_code="30280", province_code="89"))


class Items:
    def __init__(self) -> None:
        self.saved: dict[str, Item] = {}


def test_an_aggregate_numbers_its_events_and_hands_each_over_once() -> None:
    item = Item("p1", version=4)
    item.register()
    item.rename("Mắm cá linh Châu Đốc")
    raised = item.take_raised()
    assert [(r.event, r.version) for r in raised] == [(ProductRegistered, 5), (ProductRegistered, 6)]
    assert item.version == 6 and item.take_raised() == []
    assert item == Item("p1", version=6)  # pending events are not part of its state


async def test_the_fake_unit_of_work_sends_tracked_events_on_commit_only() -> None:
    items = Items()
    uow = FakeUnitOfWork({Items: items}, producer="registry", clock=CLOCK)
    async with uow:
        item = Item("p1")
        uow.repository(Items).saved[item.id] = item
        uow.track(item)
        item.register()
        # no commit: nothing sent
    assert uow.events == [] and uow.commits == 0

    async with uow:
        item = Item("p1", version=1)  # as a repository would load it again
        uow.track(item)
        item.register()
        await uow.commit()
    (event,) = uow.events_of(ProductRegistered)
    assert (event.aggregate_id, event.aggregate_version, event.producer) == ("p1", 2, "registry")
    assert event.occurred_at == CLOCK.now()
    with pytest.raises(AssertionError, match="repository"):
        _ = uow.session
    with pytest.raises(AssertionError, match="no fake"):
        uow.repository(dict)


async def test_the_unit_of_work_writes_tracked_events_to_the_outbox_with_their_versions(
        tmp_path: Path) -> None:
    metadata = new_metadata()
    outbox, inbox = add_messaging_tables(metadata)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    try:
        item = Item("p7", version=2)
        async with UnitOfWork(sessions, outbox_table=outbox, inbox_table=inbox, clock=CLOCK,
                              producer="registry") as uow:
            uow.track(item)
            uow.track(item)  # tracked twice, sent once
            item.register()
            item.rename("Mắm cá linh Châu Đốc")
            await uow.commit()
        async with sessions() as session:
            rows = (await session.execute(
                select(outbox.c.event_type, outbox.c.key, outbox.c.body).order_by(outbox.c.seq)
            )).all()
        assert [(r.event_type, r.key) for r in rows] == [
            ("ProductRegistered", "p7"), ("ProductRegistered", "p7")]
        assert [json.loads(r.body)["aggregate_version"] for r in rows] == [3, 4]
    finally:
        await engine.dispose()
