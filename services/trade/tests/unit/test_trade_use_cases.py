"""Trade's use cases and handlers over in-memory repositories (tests/unit/trade_fakes.py): what they
store, the events they send with their numbers, and what they refuse without committing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from trade_fakes import FakeFairs, FakeProducts, Fakes

from ocop_shared.auth import hash_api_key
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import (
    CatalogEntryAdded,
    CatalogEntryRemoved,
    CertificateExtended,
    CertificateRevoked,
    Certified,
    FairExhibitorRegistered,
)
from ocop_shared.contracts.certification_events import (
    CertificateExtendedPayload,
    CertificateRevokedPayload,
    CertifiedPayload,
)
from ocop_shared.errors import Conflict, Forbidden, Gone, Invalid, Malformed, NotFound, Unauthenticated
from ocop_shared.fakes import FakeUnitOfWork
from ocop_shared.messaging.outbox import new_event
from trade.domain.catalog import CatalogItem, CertifiedProduct, Removal
from trade.domain.fairs import Exhibitor, Fair
from trade.service_layer import fairs, projection, showrooms, tills

CLOCK = ManualClock(datetime(2026, 6, 15, 9, tzinfo=UTC))
ISSUED = date(2026, 6, 15)


def uow_of(fakes: Fakes) -> FakeUnitOfWork:
    return FakeUnitOfWork(fakes.repositories(), clock=CLOCK, producer="trade")


def certified(product_id: str = "p-1", number: str = "91-2026-00001",
              issued_on: date = ISSUED) -> Certified:
    return new_event(Certified, CertifiedPayload(
        certificate_id=f"c-{number}", number=number, product_id=product_id,
        product_code=f"AG-{product_id}", product_name=f"Mắm {product_id}", entity_id="e-1",
        entity_name="HTX Châu Đốc", stars=4, regulation="26/2026", decision_no="QĐ-1",
        issued_on=issued_on, valid_until=issued_on + timedelta(days=3 * 365), authority="UBND",
        verification_url=f"https://ocop.example/v/{number}"),
        aggregate_id=f"c-{number}", aggregate_version=1, producer="certification", clock=CLOCK)


def item(product_id: str = "p-1", number: str = "91-2026-00001", **changes: Any) -> CatalogItem:
    return CatalogItem(**{**dict(
        product_id=product_id, product_name=f"Mắm {product_id}", product_code=f"AG-{product_id}",
        entity_name="HTX Châu Đốc", stars=4, certificate_id=f"c-{number}",
        certificate_number=number, issued_on=ISSUED, valid_until=ISSUED + timedelta(days=3 * 365),
        verification_url=f"https://ocop.example/v/{number}"), **changes})


def product(product_id: str = "p-1", number: str = "91-2026-00001", *, listed: bool = True,
            **changes: Any) -> CertifiedProduct:
    return CertifiedProduct(product_id=product_id, item=item(product_id, number, **changes),
                            listed=listed, removal=None if listed else Removal.REVOKED,
                            changed_at=CLOCK.now())


async def handle(uow: FakeUnitOfWork, *events: Any) -> None:
    """Consume a batch of events in one transaction, as the consumer does."""
    handlers: dict[type[Any], Any] = {
        Certified: projection.on_certified_event,
        CertificateRevoked: projection.on_certificate_revoked,
        CertificateExtended: projection.on_certificate_extended_event}
    async with uow:
        for event in events:
            await handlers[type(event)](event, uow)
        await uow.commit()


def numbered(uow: FakeUnitOfWork) -> list[tuple[str, str, int]]:
    return [(e.type, e.aggregate_id, e.aggregate_version) for e in uow.events]


# -- the projection -------------------------------------------------------------------------

async def test_a_certified_product_joins_every_catalog_carrying_all_numbered_in_each() -> None:
    fakes = Fakes()
    fakes.catalogs.showroom("long-xuyen", carries_all=True, version=7)
    fakes.catalogs.showroom("chau-doc")  # an assortment without the product
    uow = uow_of(fakes)
    await handle(uow, certified())
    assert fakes.products.rows["p-1"].listed
    assert numbered(uow) == [("CatalogEntryAdded", "long-xuyen", 8),
                             ("CatalogEntryAdded", "province", 1)]
    added = uow.events_of(CatalogEntryAdded)[0].payload
    assert (added.catalog_version, added.certificate_number) == (8, "91-2026-00001")
    assert fakes.catalogs.showrooms["long-xuyen"].version == 8
    assert fakes.catalogs.showrooms["province"].version == 1
    assert set(fakes.catalogs.listed_items) == {("long-xuyen", "p-1"), ("province", "p-1")}
    assert [(r["catalog_id"], r["version"], r["kind"]) for r in fakes.catalogs.changes] == [
        ("long-xuyen", 8, "upsert"), ("province", 1, "upsert")]
    assert [(e.type, keys) for e, keys in fakes.webhooks.offered] == [
        ("CatalogEntryAdded", ["long-xuyen"]), ("CatalogEntryAdded", ["province"])]


async def test_a_batch_counts_each_catalogs_versions_in_memory_under_one_lock() -> None:
    fakes = Fakes()
    uow = uow_of(fakes)
    await handle(uow, certified("p-1", "91-2026-00001"), certified("p-2", "91-2026-00002"),
                 certified("p-3", "91-2026-00003"))
    assert numbered(uow) == [("CatalogEntryAdded", "province", v) for v in (1, 2, 3)]
    assert fakes.catalogs.version_reads == ["province"]  # read once a transaction, not per event
    assert fakes.catalogs.showrooms["province"].version == 3
    assert [r["version"] for r in fakes.catalogs.changes] == [1, 2, 3]


async def test_an_older_certificate_does_not_replace_a_newer_one() -> None:
    fakes = Fakes(products=FakeProducts(product(number="91-2027-00009", issued_on=date(2027, 1, 1))))
    uow = uow_of(fakes)
    await handle(uow, certified(number="91-2026-00001"))
    assert fakes.products.rows["p-1"].item.certificate_number == "91-2027-00009"
    assert uow.events == [] and fakes.catalogs.changes == []


async def test_a_revocation_takes_the_product_out_of_the_catalogs_listing_it() -> None:
    fakes = Fakes()
    fakes.catalogs.showroom("long-xuyen", carries_all=True)
    uow = uow_of(fakes)
    await handle(uow, certified())
    revoked = new_event(CertificateRevoked, CertificateRevokedPayload(
        certificate_id="c-91-2026-00001", number="91-2026-00001", product_id="p-1", grounds=[2],
        decision_no="QĐ-9", revoked_on=ISSUED, reason="vi phạm"),
        aggregate_id="c-91-2026-00001", aggregate_version=2, producer="certification", clock=CLOCK)
    await handle(uow, revoked)
    removed = uow.events_of(CatalogEntryRemoved)
    assert [(e.aggregate_id, e.aggregate_version) for e in removed] == [("long-xuyen", 2), ("province", 2)]
    assert {(e.payload.reason.value, e.payload.certificate_number) for e in removed} == {
        ("revoked", "91-2026-00001")}
    assert not fakes.products.rows["p-1"].listed
    assert fakes.catalogs.listed_items == {}
    assert [r["reason"] for r in fakes.catalogs.changes if r["kind"] == "tombstone"] == ["revoked"] * 2


async def test_the_end_of_another_certificate_leaves_the_product_listed() -> None:
    fakes = Fakes(products=FakeProducts(product(number="91-2027-00009")))
    uow = uow_of(fakes)
    await handle(uow, new_event(CertificateRevoked, CertificateRevokedPayload(
        certificate_id="c-old", number="91-2026-00001", product_id="p-1", grounds=[2],
        decision_no="QĐ-9", revoked_on=ISSUED, reason="vi phạm"),
        aggregate_id="c-old", aggregate_version=2, producer="certification", clock=CLOCK))
    assert fakes.products.rows["p-1"].listed and uow.events == []


async def test_an_extension_lists_the_product_again_with_its_new_limit() -> None:
    fakes = Fakes()
    uow = uow_of(fakes)
    await handle(uow, certified())
    until = ISSUED + timedelta(days=3 * 365 + 180)
    await handle(uow, new_event(CertificateExtended, CertificateExtendedPayload(
        certificate_id="c-91-2026-00001", number="91-2026-00001", product_id="p-1",
        valid_until=ISSUED + timedelta(days=3 * 365), extended_until=until, reason="re-rating"),
        aggregate_id="c-91-2026-00001", aggregate_version=2, producer="certification", clock=CLOCK))
    assert numbered(uow)[-1] == ("CatalogEntryAdded", "province", 2)
    assert fakes.catalogs.listed_items["province", "p-1"][0].extended_until == until


# -- showrooms ------------------------------------------------------------------------------

async def test_a_showroom_carrying_all_starts_with_every_listed_product() -> None:
    fakes = Fakes(products=FakeProducts(product("p-1"), product("p-2", "91-2026-00002"),
                                        product("p-3", "91-2026-00003", listed=False)))
    uow = uow_of(fakes)
    async with uow:
        key = await showrooms.create_showroom(
            uow, catalog_id="long-xuyen", name="Điểm bán Long Xuyên", location_type="trade_centre",
            address="Long Xuyên", commune_code=None, operator="HTX", carries_all=True)
    assert fakes.catalogs.showrooms["long-xuyen"].api_key_hash == hash_api_key(key)
    assert fakes.catalogs.showrooms["long-xuyen"].version == 2
    assert numbered(uow) == [("CatalogEntryAdded", "long-xuyen", 1),
                             ("CatalogEntryAdded", "long-xuyen", 2)]
    assert uow.commits == 1 and fakes.catalogs.locks == 1


async def test_a_showroom_id_is_taken_once() -> None:
    fakes = Fakes()
    fakes.catalogs.showroom("long-xuyen")
    uow = uow_of(fakes)
    with pytest.raises(Conflict):
        async with uow:
            await showrooms.create_showroom(
                uow, catalog_id="long-xuyen", name="Lại", location_type="trade_centre",
                address="x", commune_code=None, operator="y", carries_all=True)
    assert uow.commits == 0 and uow.events == []


async def test_an_assortment_lists_chosen_products_and_tombstones_dropped_ones() -> None:
    fakes = Fakes(products=FakeProducts(product("p-1"), product("p-2", "91-2026-00002")))
    fakes.catalogs.showroom("chau-doc")
    uow = uow_of(fakes)
    async with uow:
        await showrooms.change_assortment(uow, "chau-doc", add=["p-1", "p-2", "p-1"], remove=[])
    async with uow:
        await showrooms.change_assortment(uow, "chau-doc", add=[], remove=["p-2", "p-9"])
    assert numbered(uow) == [("CatalogEntryAdded", "chau-doc", 1), ("CatalogEntryAdded", "chau-doc", 2),
                             ("CatalogEntryRemoved", "chau-doc", 3)]
    removed = uow.events_of(CatalogEntryRemoved)[0].payload
    assert (removed.product_id, removed.reason.value, removed.certificate_number) == (
        "p-2", "dropped_from_assortment", "91-2026-00002")
    assert fakes.catalogs.assortments["chau-doc"] == {"p-1"}
    assert set(fakes.catalogs.listed_items) == {("chau-doc", "p-1")}


async def test_a_showroom_carrying_all_has_no_assortment() -> None:
    fakes = Fakes(products=FakeProducts(product()))
    fakes.catalogs.showroom("long-xuyen", carries_all=True)
    uow = uow_of(fakes)
    with pytest.raises(Conflict):
        async with uow:
            await showrooms.change_assortment(uow, "long-xuyen", add=["p-1"], remove=[])
    assert uow.commits == 0 and uow.events == [] and fakes.catalogs.assortments == {}


async def test_compaction_drops_old_changes_and_raises_the_floor() -> None:
    fakes = Fakes()
    fakes.catalogs.showroom("long-xuyen", version=5, floor_version=1)
    fakes.catalogs.changes = [{"catalog_id": "long-xuyen", "version": v, "product_id": "p",
                               "kind": "upsert", "at": CLOCK.now()} for v in range(2, 6)]
    uow = uow_of(fakes)
    async with uow:
        assert await showrooms.compact(uow, "long-xuyen", keep_last=2) == 3
    assert [r["version"] for r in fakes.catalogs.changes] == [4, 5]
    assert fakes.catalogs.showrooms["long-xuyen"].floor_version == 3 and uow.commits == 1


async def test_an_unknown_showroom_is_not_found() -> None:
    uow = uow_of(Fakes())
    with pytest.raises(NotFound):
        async with uow:
            await showrooms.rotate_key(uow, "nowhere")
    assert uow.commits == 0


# -- tills ----------------------------------------------------------------------------------

async def test_a_till_is_admitted_by_its_showrooms_key_only() -> None:
    fakes = Fakes()
    fakes.catalogs.showroom("long-xuyen", api_key_hash=hash_api_key("pos_mine"))
    fakes.catalogs.showroom("chau-doc", api_key_hash=hash_api_key("pos_theirs"))
    uow = uow_of(fakes)
    async with uow:
        assert (await tills.authenticate_till(uow, "long-xuyen", "pos_mine")).id == "long-xuyen"
        with pytest.raises(Unauthenticated):
            await tills.authenticate_till(uow, "long-xuyen", None)
        with pytest.raises(Forbidden):
            await tills.authenticate_till(uow, "long-xuyen", "pos_theirs")
        with pytest.raises(Unauthenticated):
            await tills.authenticate_till(uow, "long-xuyen", "pos_nobody")


async def test_a_cursor_ahead_of_the_catalog_or_below_its_floor_is_refused() -> None:
    fakes = Fakes()
    fakes.catalogs.showroom("long-xuyen", version=5, floor_version=3)
    uow = uow_of(fakes)
    async with uow:
        with pytest.raises(Malformed):
            await tills.changes_since(uow, "long-xuyen", 6, 100)
        with pytest.raises(Gone):
            await tills.changes_since(uow, "long-xuyen", 2, 100)
        assert await tills.changes_since(uow, "long-xuyen", 5, 100) == (5, [])


async def test_tills_acknowledge_versions_that_exist_and_stale_ones_show_since_when() -> None:
    fakes = Fakes()
    fakes.catalogs.showroom("long-xuyen", version=3)
    fakes.catalogs.changes = [{"catalog_id": "long-xuyen", "version": 3, "product_id": "p",
                               "kind": "upsert", "at": CLOCK.now()}]
    uow = uow_of(fakes)
    with pytest.raises(Invalid):
        async with uow:
            await tills.acknowledge(uow, "long-xuyen", "till-1", 4)
    assert uow.commits == 0 and fakes.tills.acked == {}
    async with uow:
        await tills.acknowledge(uow, "long-xuyen", "till-1", 2)
        await tills.acknowledge(uow, "long-xuyen", "till-2", 3)
    async with uow:
        version, states = await tills.tills(uow, "long-xuyen")
    assert version == 3
    assert [(s.terminal_id, s.stale, s.stale_since) for s in states] == [
        ("till-1", True, CLOCK.now()), ("till-2", False, None)]


# -- fairs ----------------------------------------------------------------------------------

FAIR = Fair(id="hoi-cho-2026", name="Hội chợ OCOP An Giang", starts_on=date(2026, 9, 1),
            ends_on=date(2026, 9, 5), place="Long Xuyên")


async def test_an_exhibitor_registers_and_the_event_counts_the_fairs_exhibitors() -> None:
    fakes = Fakes(products=FakeProducts(product("p-1"), product("p-2", "91-2026-00002")),
                  fairs=FakeFairs(FAIR))
    fakes.fairs.exhibitor_rows.append(Exhibitor(FAIR.id, "p-0", "91-2025-00001", CLOCK.now()))
    uow = uow_of(fakes)
    async with uow:
        await fairs.register_exhibitor(uow, FAIR.id, "p-1")
    async with uow:
        await fairs.register_exhibitor(uow, FAIR.id, "p-2")
    assert numbered(uow) == [("FairExhibitorRegistered", FAIR.id, 2),
                             ("FairExhibitorRegistered", FAIR.id, 3)]
    payload = uow.events_of(FairExhibitorRegistered)[0].payload
    assert (payload.fair_name, payload.product_id, payload.certificate_number, payload.place) == (
        FAIR.name, "p-1", "91-2026-00001", "Long Xuyên")
    assert uow.events[0].producer == "trade"
    assert [e.product_id for e in fakes.fairs.exhibitor_rows] == ["p-0", "p-1", "p-2"]


@pytest.mark.parametrize("products", [FakeProducts(), FakeProducts(product(listed=False)),
                                      FakeProducts(product(valid_until=date(2026, 9, 2)))])
async def test_a_product_not_certified_through_the_fair_may_not_exhibit(products: FakeProducts) -> None:
    fakes = Fakes(products=products, fairs=FakeFairs(FAIR))
    uow = uow_of(fakes)
    with pytest.raises(Invalid):
        async with uow:
            await fairs.register_exhibitor(uow, FAIR.id, "p-1")
    assert uow.commits == 0 and uow.events == [] and fakes.fairs.exhibitor_rows == []


async def test_a_product_registers_for_a_fair_once() -> None:
    fakes = Fakes(products=FakeProducts(product()), fairs=FakeFairs(FAIR))
    uow = uow_of(fakes)
    async with uow:
        await fairs.register_exhibitor(uow, FAIR.id, "p-1")
    with pytest.raises(Conflict):
        async with uow:
            await fairs.register_exhibitor(uow, FAIR.id, "p-1")
    assert uow.commits == 1 and len(uow.events) == 1 and len(fakes.fairs.exhibitor_rows) == 1


async def test_a_fair_must_end_after_it_starts_and_its_id_is_taken_once() -> None:
    fakes = Fakes(fairs=FakeFairs(FAIR))
    uow = uow_of(fakes)
    with pytest.raises(Invalid):
        async with uow:
            await fairs.create_fair(uow, Fair(id="f-2", name="Ngược", starts_on=date(2026, 9, 5),
                                              ends_on=date(2026, 9, 1), place="x"))
    with pytest.raises(Conflict):
        async with uow:
            await fairs.create_fair(uow, FAIR)
    assert uow.commits == 0 and set(fakes.fairs.fairs) == {FAIR.id}


async def test_results_are_recorded_for_exhibitors_only() -> None:
    fakes = Fakes(products=FakeProducts(product()), fairs=FakeFairs(FAIR))
    fakes.fairs.exhibitor_rows.append(Exhibitor(FAIR.id, "p-1", "91-2026-00001", CLOCK.now()))
    uow = uow_of(fakes)
    with pytest.raises(NotFound):
        async with uow:
            await fairs.record_fair_result(uow, FAIR.id, "p-9", sales_vnd=1, contracts=1, notes="")
    assert uow.commits == 0
    async with uow:
        await fairs.record_fair_result(uow, FAIR.id, "p-1", sales_vnd=5_000_000, contracts=2,
                                       notes="tốt")
    assert (fakes.fairs.exhibitor_rows[0].sales_vnd, fakes.fairs.exhibitor_rows[0].contracts) == (
        5_000_000, 2)


async def test_the_marketplace_feed_lists_products_certified_on_the_day_by_name() -> None:
    fakes = Fakes(products=FakeProducts(
        product("p-2", "91-2026-00002", product_name="Bánh"),
        product("p-1", product_name="Mắm"),
        product("p-3", "91-2026-00003", listed=False),
        product("p-4", "91-2026-00004", valid_until=date(2026, 12, 31))))
    uow = uow_of(fakes)
    async with uow:
        feed = await fairs.certified_now(uow, date(2027, 1, 1))
    assert [i.product_id for i in feed] == ["p-2", "p-1"]
