"""Trade use cases: the certified-product projection, per-showroom catalogs and their change
feed, tills' acknowledgements, fairs and the marketplace feed."""

from __future__ import annotations

# Over 400 lines on purpose for now: it splits by job (projection, catalogs and feed, tills, fairs)
# when its SQL moves into repositories (issue 21), so the split is done once.
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (  # not yet behind a repository: listed in pyproject's import contract, to move (issue 21)
    delete,
    func,
    insert,
    select,
    update,
)

from ocop_shared.auth import api_key_matches, hash_api_key, new_api_key
from ocop_shared.contracts import (
    CatalogEntryAdded,
    CatalogEntryRemoved,
    CertificateExpired,
    CertificateExtended,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    RemovalReason,
)
from ocop_shared.contracts.trade_events import (
    CatalogEntryAddedPayload,
    CatalogEntryRemovedPayload,
    FairExhibitorRegistered,
    FairExhibitorRegisteredPayload,
)
from ocop_shared.db.engine import upsert_insert
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, Forbidden, Gone, Invalid, Malformed, NotFound, Text, Unauthenticated
from ocop_shared.messaging.outbox import new_event
from ocop_shared.webhooks.service import Webhooks, record_deliveries

from ..adapters.tables import (
    assortments,
    catalog_changes,
    catalog_items,
    catalogs,
    certified_products,
    fair_exhibitors,
    fairs,
    till_acks,
    webhooks,
)
from ..domain.catalog import (
    CatalogItem,
    CertifiedProduct,
    Removal,
    on_certificate_ended,
    on_certificate_extended,
    on_certified,
)
from ..domain.errors import DomainError
from ..domain.fairs import Fair, check_exhibitor
from ..domain.tills import TillState, till_state

SERVICE = "trade"
PROVINCE_CATALOG = "province"
# Deliveries are timed by the wall clock (retries are real time, not business time).
HOOKS = Webhooks(webhooks)


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_DATES = ("issued_on", "valid_until", "extended_until")


def _item_json(item: CatalogItem) -> dict[str, Any]:
    data = asdict(item)
    for key in _DATES:
        if data.get(key) is not None:
            data[key] = data[key].isoformat()
    return data


def _item(data: dict[str, Any]) -> CatalogItem:
    return CatalogItem(**{**data, **{key: date.fromisoformat(data[key]) for key in _DATES
                                     if data.get(key) is not None}})


# -- the projection ---------------------------------------------------------------------------

async def load_product(uow: UnitOfWork, product_id: str) -> CertifiedProduct | None:
    row = (await uow.session.execute(select(certified_products).where(
        certified_products.c.product_id == product_id).with_for_update())).first()
    if row is None:
        return None
    return CertifiedProduct(product_id=row.product_id, item=_item(row.item), listed=row.listed,
                            removal=Removal(row.removal) if row.removal else None,
                            changed_at=utc(row.changed_at))


async def _save_product(uow: UnitOfWork, product: CertifiedProduct, exists: bool) -> None:
    values = dict(item=_item_json(product.item),
                  certificate_number=product.item.certificate_number, listed=product.listed,
                  removal=product.removal.value if product.removal else None,
                  changed_at=product.changed_at)
    if exists:
        await uow.session.execute(update(certified_products).where(
            certified_products.c.product_id == product.product_id).values(**values))
    else:
        await uow.session.execute(insert(certified_products).values(
            product_id=product.product_id, **values))


@dataclass
class _Membership:
    """What one transaction knows of which catalogs carry what (UnitOfWork.per_transaction)."""

    locked: bool = False  # the province catalog's row, held until the transaction ends
    carrying_all: list[str] | None = None  # the catalogs carrying every product; None: ask
    any_assortment: bool = False  # whether some showroom chose products one by one


async def _lock_membership(uow: UnitOfWork) -> None:
    """Which products which catalogs carry changes under one lock (the province catalog's row):
    a product certified while a showroom is being created lands in it either way — the
    certificate's handler sees the new showroom, or the showroom's fill sees the product.
    The province catalog is created the first time (an insert that does nothing when a
    concurrent transaction, e.g. the first certificate and the first showroom, created it)."""
    membership = uow.per_transaction(_Membership, _Membership)
    if membership.locked:
        return
    lock = select(catalogs.c.id).where(catalogs.c.id == PROVINCE_CATALOG).with_for_update()
    if await uow.session.scalar(lock) is None:
        await uow.session.execute(upsert_insert(uow.session, catalogs).values(
            id=PROVINCE_CATALOG, name=f"Danh mục sản phẩm OCOP tỉnh {uow.settings.province_name}",
            carries_all=True,
            version=0, floor_version=0, created_at=uow.clock.now(), address="", operator="",
        ).on_conflict_do_nothing(index_elements=["id"]))
        await uow.session.execute(lock)
    membership.locked = True


def _membership_changed(uow: UnitOfWork) -> None:
    """This transaction changed which catalogs carry what: look it up again when next asked."""
    uow.per_transaction(_Membership, _Membership).carrying_all = None


async def _catalogs_carrying(uow: UnitOfWork, product_id: str) -> list[str]:
    """The catalogs that carry `product_id`. Under the membership lock the catalogs carrying
    everything and the assortments cannot change, so a batch of events looks them up once
    (and asks per product only when some showroom chose an assortment)."""
    await _lock_membership(uow)
    membership = uow.per_transaction(_Membership, _Membership)
    if membership.carrying_all is None:
        membership.carrying_all = list(await uow.session.scalars(
            select(catalogs.c.id).where(catalogs.c.carries_all)))
        membership.any_assortment = await uow.session.scalar(
            select(assortments.c.product_id).limit(1)) is not None
    chosen: list[str] = []
    if membership.any_assortment:
        chosen = list(await uow.session.scalars(select(assortments.c.catalog_id).where(
            assortments.c.product_id == product_id)))
    return sorted(set(membership.carrying_all) | set(chosen))


class ChangeFeed:
    """The catalog versions and delta-feed rows of one transaction. Each catalog's version is
    read (and its row locked) once, counted on in memory, and stored with the feed's new rows
    just before the commit: a batch of events costs a few statements, not a few per event.
    Nothing reads the feed or the versions back inside the transaction that writes them."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._versions: dict[str, int] = {}
        self._upserts: list[dict[str, Any]] = []
        self._tombstones: list[dict[str, Any]] = []

    @classmethod
    def of(cls, uow: UnitOfWork) -> ChangeFeed:
        def new() -> ChangeFeed:
            feed = cls(uow)
            uow.before_commit("trade.change_feed", feed.write)
            return feed

        return uow.per_transaction(cls, new)

    async def next_version(self, catalog_id: str) -> int:
        if catalog_id not in self._versions:
            current = await self._uow.session.scalar(select(catalogs.c.version).where(
                catalogs.c.id == catalog_id).with_for_update())
            self._versions[catalog_id] = int(current or 0)
        self._versions[catalog_id] += 1
        return self._versions[catalog_id]

    def upserted(self, **row: Any) -> None:
        self._upserts.append(row)

    def tombstoned(self, **row: Any) -> None:
        self._tombstones.append(row)

    async def write(self) -> None:
        session = self._uow.session
        for catalog_id, version in self._versions.items():
            await session.execute(update(catalogs).where(catalogs.c.id == catalog_id).values(version=version))
        for rows in (self._upserts, self._tombstones):  # each kind has its own columns
            if rows:
                await session.execute(insert(catalog_changes), rows)


async def _append_change(uow: UnitOfWork, catalog_id: str, product_id: str,
                         item: CatalogItem | None, removal: Removal | None) -> int:
    """One numbered change of one catalog: its items, its delta feed, its event and a webhook
    delivery for each subscription following the catalog (all in the caller's transaction)."""
    feed = ChangeFeed.of(uow)
    version = await feed.next_version(catalog_id)
    now = uow.clock.now()
    if item is not None:
        listed = upsert_insert(uow.session, catalog_items).values(
            catalog_id=catalog_id, product_id=product_id, item=_item_json(item), version=version)
        await uow.session.execute(listed.on_conflict_do_update(
            index_elements=["catalog_id", "product_id"],
            set_={"item": listed.excluded.item, "version": listed.excluded.version}))
        feed.upserted(catalog_id=catalog_id, version=version, product_id=product_id, kind="upsert",
                      item=_item_json(item), at=now)
        event: CatalogEntryAdded | CatalogEntryRemoved = new_event(
            CatalogEntryAdded,
            CatalogEntryAddedPayload(
                catalog_id=catalog_id, catalog_version=version, product_id=product_id,
                product_name=item.product_name, product_code=item.product_code,
                entity_name=item.entity_name, stars=item.stars,
                certificate_number=item.certificate_number, valid_until=item.valid_until,
                verification_url=item.verification_url),
            aggregate_id=catalog_id, aggregate_version=version, producer=SERVICE,
            clock=uow.clock)
    else:
        assert removal is not None
        await uow.session.execute(delete(catalog_items).where(
            catalog_items.c.catalog_id == catalog_id, catalog_items.c.product_id == product_id))
        number = await _certificate_number(uow, product_id)
        feed.tombstoned(catalog_id=catalog_id, version=version, product_id=product_id, kind="tombstone",
                        reason=removal.value, at=now)
        event = new_event(
            CatalogEntryRemoved,
            CatalogEntryRemovedPayload(catalog_id=catalog_id, catalog_version=version,
                                       product_id=product_id, certificate_number=number,
                                       reason=RemovalReason(removal.value)),
            aggregate_id=catalog_id, aggregate_version=version, producer=SERVICE,
            clock=uow.clock)
    await uow.emit(event)
    await record_deliveries(uow, HOOKS, event, keys=[catalog_id])
    return version


async def _certificate_number(uow: UnitOfWork, product_id: str) -> str:
    number = await uow.session.scalar(select(certified_products.c.certificate_number).where(
        certified_products.c.product_id == product_id))
    return str(number or "")


async def on_certified_event(event: Certified, uow: UnitOfWork) -> None:
    p = event.payload
    item = CatalogItem(product_id=p.product_id, product_name=p.product_name,
                       product_code=p.product_code, entity_name=p.entity_name, stars=p.stars,
                       certificate_id=p.certificate_id, certificate_number=p.number,
                       issued_on=p.issued_on, valid_until=p.valid_until,
                       verification_url=p.verification_url)
    current = await load_product(uow, p.product_id)
    updated = on_certified(current, item, event.occurred_at)
    if updated is None:
        return
    await _save_product(uow, updated, current is not None)
    for catalog_id in await _catalogs_carrying(uow, p.product_id):
        await _append_change(uow, catalog_id, p.product_id, item, None)


async def _ended(uow: UnitOfWork, product_id: str, number: str, removal: Removal,
                 at: datetime) -> None:
    current = await load_product(uow, product_id)
    updated = on_certificate_ended(current, number, removal, at)
    if updated is None:
        return
    await _save_product(uow, updated, True)
    await _lock_membership(uow)
    listing = await uow.session.scalars(select(catalog_items.c.catalog_id).where(
        catalog_items.c.product_id == product_id))
    for catalog_id in sorted(listing):
        await _append_change(uow, catalog_id, product_id, None, removal)


async def on_certificate_extended_event(event: CertificateExtended, uow: UnitOfWork) -> None:
    p = event.payload
    current = await load_product(uow, p.product_id)
    updated = on_certificate_extended(current, p.number, p.extended_until, event.occurred_at)
    if updated is None:
        return
    await _save_product(uow, updated, True)
    await _lock_membership(uow)
    listing = await uow.session.scalars(select(catalog_items.c.catalog_id).where(
        catalog_items.c.product_id == p.product_id))
    for catalog_id in sorted(listing):
        await _append_change(uow, catalog_id, p.product_id, updated.item, None)


async def on_certificate_revoked(event: CertificateRevoked, uow: UnitOfWork) -> None:
    p = event.payload
    await _ended(uow, p.product_id, p.number, Removal.REVOKED, event.occurred_at)


async def on_certificate_expired(event: CertificateExpired, uow: UnitOfWork) -> None:
    p = event.payload
    await _ended(uow, p.product_id, p.number, Removal.EXPIRED, event.occurred_at)


async def on_certificate_superseded(event: CertificateSuperseded, uow: UnitOfWork) -> None:
    p = event.payload
    await _ended(uow, p.product_id, p.number, Removal.SUPERSEDED, event.occurred_at)


# -- showrooms and assortments ----------------------------------------------------------------

async def create_showroom(uow: UnitOfWork, *, catalog_id: str, name: str, location_type: str,
                          address: str, commune_code: str | None, operator: str,
                          carries_all: bool) -> str:
    """Create a point of sale; returns its POS API key (shown once, stored hashed)."""
    await _lock_membership(uow)
    exists = await uow.session.scalar(select(catalogs.c.id).where(catalogs.c.id == catalog_id))
    if exists is not None:
        raise Conflict(Text(f"Đã có điểm bán {catalog_id}", f"Showroom {catalog_id} exists"))
    key = new_api_key("pos")
    await uow.session.execute(insert(catalogs).values(
        id=catalog_id, name=name, location_type=location_type, address=address,
        commune_code=commune_code, operator=operator, carries_all=carries_all,
        api_key_hash=hash_api_key(key), version=0, floor_version=0,
        created_at=uow.clock.now()))
    _membership_changed(uow)
    if carries_all:
        await _fill(uow, catalog_id, None)
    await uow.commit()
    return key


async def rotate_key(uow: UnitOfWork, catalog_id: str) -> str:
    await showroom_row(uow, catalog_id)
    key = new_api_key("pos")
    await uow.session.execute(update(catalogs).where(catalogs.c.id == catalog_id)
                              .values(api_key_hash=hash_api_key(key)))
    await uow.commit()
    return key


async def _fill(uow: UnitOfWork, catalog_id: str, product_ids: Sequence[str] | None) -> None:
    query = select(certified_products).where(certified_products.c.listed)
    if product_ids is not None:
        query = query.where(certified_products.c.product_id.in_(list(product_ids)))
    for row in (await uow.session.execute(query.order_by(certified_products.c.product_id))).all():
        await _append_change(uow, catalog_id, row.product_id, _item(row.item), None)


async def showroom_row(uow: UnitOfWork, catalog_id: str) -> Any:
    row = (await uow.session.execute(select(catalogs).where(catalogs.c.id == catalog_id))).first()
    if row is None:
        raise NotFound(Text(f"Không tìm thấy điểm bán {catalog_id}", f"No showroom {catalog_id}"))
    return row


async def change_assortment(uow: UnitOfWork, catalog_id: str, *, add: Sequence[str],
                            remove: Sequence[str]) -> None:
    await _lock_membership(uow)
    row = await showroom_row(uow, catalog_id)
    if row.carries_all:
        raise Conflict(Text("Điểm bán này trưng bày mọi sản phẩm OCOP; không chọn từng sản phẩm",
                            "This showroom carries every OCOP product; it has no assortment"))
    now = uow.clock.now()
    have = set(await uow.session.scalars(select(assortments.c.product_id).where(
        assortments.c.catalog_id == catalog_id)))
    new = [p for p in dict.fromkeys(add) if p not in have]
    if new:
        await uow.session.execute(insert(assortments), [
            {"catalog_id": catalog_id, "product_id": p, "added_at": now} for p in new])
        _membership_changed(uow)
        await _fill(uow, catalog_id, new)
    dropped = [p for p in dict.fromkeys(remove) if p in have]
    if dropped:
        await uow.session.execute(delete(assortments).where(
            assortments.c.catalog_id == catalog_id, assortments.c.product_id.in_(dropped)))
        _membership_changed(uow)
        listed = set(await uow.session.scalars(select(catalog_items.c.product_id).where(
            catalog_items.c.catalog_id == catalog_id, catalog_items.c.product_id.in_(dropped))))
        for product_id in sorted(listed):
            await _append_change(uow, catalog_id, product_id, None, Removal.DROPPED)
    await uow.commit()


# -- what tills read -----------------------------------------------------------------------

async def authenticate_till(uow: UnitOfWork, catalog_id: str, api_key: str | None) -> Any:
    row = await showroom_row(uow, catalog_id)
    if not api_key:
        raise Unauthenticated(Text("Thiếu khóa API của điểm bán (X-API-Key)",
                                "The showroom API key (X-API-Key) is missing"))
    if row.api_key_hash and api_key_matches(api_key, row.api_key_hash):
        return row
    known = await uow.session.scalar(select(func.count()).select_from(catalogs).where(
        catalogs.c.api_key_hash == hash_api_key(api_key)))
    if known:
        raise Forbidden(Text("Khóa API này thuộc về điểm bán khác",
                             "This API key belongs to another showroom"))
    raise Unauthenticated(Text("Khóa API không hợp lệ", "The API key is not valid"))


async def snapshot(uow: UnitOfWork, catalog_id: str) -> tuple[int, list[CatalogItem]]:
    version = await uow.session.scalar(select(catalogs.c.version).where(
        catalogs.c.id == catalog_id))
    rows = (await uow.session.execute(select(catalog_items.c.item).where(
        catalog_items.c.catalog_id == catalog_id))).all()
    items = sorted((_item(r.item) for r in rows), key=lambda i: (i.product_name, i.product_id))
    return int(version or 0), items


async def changes_since(uow: UnitOfWork, catalog_id: str, version: int,
                        limit: int) -> tuple[int, list[Any]]:
    row = await showroom_row(uow, catalog_id)
    if version > row.version:
        raise Malformed(Text("Con trỏ đồng bộ vượt quá phiên bản hiện tại của danh mục",
                             "The cursor is ahead of the catalog"), field="cursor")
    if version < row.floor_version:
        raise Gone(Text(
            "Con trỏ đồng bộ đã quá cũ; hãy tải lại toàn bộ danh mục (GET .../catalog)",
            "The cursor is too old; take a full snapshot again (GET .../catalog)"),
            slug="cursor-expired")
    rows = (await uow.session.execute(select(catalog_changes).where(
        catalog_changes.c.catalog_id == catalog_id, catalog_changes.c.version > version)
        .order_by(catalog_changes.c.version).limit(limit))).all()
    return int(row.version), list(rows)


async def acknowledge(uow: UnitOfWork, catalog_id: str, terminal_id: str, version: int) -> None:
    row = await showroom_row(uow, catalog_id)
    if version > row.version:
        raise Invalid(Text(f"Phiên bản {version} chưa tồn tại (hiện tại: {row.version})",
                           f"Version {version} does not exist yet (current: {row.version})"),
                      field="version")
    now = uow.clock.now()
    updated = await uow.session.execute(update(till_acks).where(
        till_acks.c.catalog_id == catalog_id, till_acks.c.terminal_id == terminal_id)
        .values(version=version, acked_at=now))
    if not updated.rowcount:  # type: ignore[attr-defined]
        await uow.session.execute(insert(till_acks).values(
            catalog_id=catalog_id, terminal_id=terminal_id, version=version, acked_at=now))
    await uow.commit()


async def tills(uow: UnitOfWork, catalog_id: str) -> tuple[int, list[TillState]]:
    row = await showroom_row(uow, catalog_id)
    acks = (await uow.session.execute(select(till_acks).where(
        till_acks.c.catalog_id == catalog_id).order_by(till_acks.c.terminal_id))).all()
    lowest = min((a.version for a in acks), default=row.version)
    times = {r.version: utc(r.at) for r in (await uow.session.execute(
        select(catalog_changes.c.version, catalog_changes.c.at).where(
            catalog_changes.c.catalog_id == catalog_id, catalog_changes.c.version > lowest))).all()}
    return int(row.version), [till_state(a.terminal_id, a.version, utc(a.acked_at), row.version,
                                         times) for a in acks]


async def compact(uow: UnitOfWork, catalog_id: str, keep_last: int) -> int:
    """Drop old changes; cursors older than what is kept then get 410 (take a snapshot)."""
    row = await showroom_row(uow, catalog_id)
    floor = max(0, int(row.version) - keep_last)
    await uow.session.execute(delete(catalog_changes).where(
        catalog_changes.c.catalog_id == catalog_id, catalog_changes.c.version <= floor))
    await uow.session.execute(update(catalogs).where(catalogs.c.id == catalog_id)
                              .values(floor_version=max(floor, row.floor_version)))
    await uow.commit()
    return floor


# -- fairs and feeds -----------------------------------------------------------------------

async def create_fair(uow: UnitOfWork, fair: Fair) -> None:
    if fair.ends_on < fair.starts_on:
        raise Invalid(Text("Ngày kết thúc phải sau ngày bắt đầu", "ends_on is before starts_on"),
                      field="ends_on")
    if await uow.session.scalar(select(fairs.c.id).where(fairs.c.id == fair.id)):
        raise Conflict(Text(f"Đã có hội chợ {fair.id}", f"Fair {fair.id} exists"))
    await uow.session.execute(insert(fairs).values(**asdict(fair)))
    await uow.commit()


async def fair_row(uow: UnitOfWork, fair_id: str) -> Fair:
    row = (await uow.session.execute(select(fairs).where(fairs.c.id == fair_id))).first()
    if row is None:
        raise NotFound(Text(f"Không tìm thấy hội chợ {fair_id}", f"No fair {fair_id}"))
    return Fair(id=row.id, name=row.name, starts_on=row.starts_on, ends_on=row.ends_on,
                place=row.place)


async def register_exhibitor(uow: UnitOfWork, fair_id: str, product_id: str) -> None:
    fair = await fair_row(uow, fair_id)
    product = await load_product(uow, product_id)
    try:
        check_exhibitor(fair, product)
    except DomainError as error:
        raise Invalid(Text(error.vi, error.en), field=error.field) from error
    assert product is not None
    if await uow.session.scalar(select(fair_exhibitors.c.product_id).where(
            fair_exhibitors.c.fair_id == fair_id, fair_exhibitors.c.product_id == product_id)):
        raise Conflict(Text("Sản phẩm đã đăng ký hội chợ này",
                            "The product is already registered for this fair"))
    await uow.session.execute(insert(fair_exhibitors).values(
        fair_id=fair_id, product_id=product_id,
        certificate_number=product.item.certificate_number, registered_at=uow.clock.now()))
    exhibitors = await uow.session.scalar(select(func.count()).select_from(fair_exhibitors).where(
        fair_exhibitors.c.fair_id == fair_id))
    item = product.item
    await uow.emit(new_event(
        FairExhibitorRegistered,
        FairExhibitorRegisteredPayload(
            fair_id=fair.id, fair_name=fair.name, starts_on=fair.starts_on, ends_on=fair.ends_on,
            place=fair.place, product_id=product_id, product_name=item.product_name,
            entity_name=item.entity_name, stars=item.stars,
            certificate_number=item.certificate_number),
        aggregate_id=fair.id, aggregate_version=int(exhibitors or 1), producer=SERVICE,
        clock=uow.clock))
    await uow.commit()


async def record_fair_result(uow: UnitOfWork, fair_id: str, product_id: str, *, sales_vnd: int,
                             contracts: int, notes: str) -> None:
    await fair_row(uow, fair_id)
    result = await uow.session.execute(update(fair_exhibitors).where(
        fair_exhibitors.c.fair_id == fair_id, fair_exhibitors.c.product_id == product_id)
        .values(sales_vnd=sales_vnd, contracts=contracts, notes=notes))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(Text("Sản phẩm chưa đăng ký hội chợ này",
                            "The product is not registered for this fair"))
    await uow.commit()


async def certified_now(uow: UnitOfWork, day: date) -> list[CatalogItem]:
    rows = (await uow.session.execute(select(certified_products.c.item).where(
        certified_products.c.listed))).all()
    items = [_item(r.item) for r in rows]
    return sorted((i for i in items if i.valid_through >= day),
                  key=lambda i: (i.product_name, i.product_id))
