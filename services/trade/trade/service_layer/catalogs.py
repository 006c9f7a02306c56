"""Catalog changes: each one numbered in its catalog's stream, written to its items and delta
feed, announced (CatalogEntryAdded / CatalogEntryRemoved) and delivered to the webhooks that
follow the catalog — all in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ocop_shared.db.uow import UnitOfWork

from ..adapters.catalogs import PROVINCE_CATALOG, CatalogRepository
from ..adapters.products import ProductRepository, item_json
from ..adapters.webhooks import CatalogWebhooks
from ..domain.catalog import CatalogItem, Removal
from ..domain.stream import CatalogStream

__all__ = ["PROVINCE_CATALOG", "ChangeFeed", "append_change", "append_changes", "fill", "lock_membership",
           "prepare_certificate_batch"]


async def lock_membership(uow: UnitOfWork) -> CatalogRepository:
    """Which products which catalogs carry changes under one lock, held until the transaction
    ends: a product certified while a showroom is being created lands in it either way — the
    certificate's handler sees the new showroom, or the showroom's fill sees the product."""
    catalogs = uow.repository(CatalogRepository)
    await catalogs.lock_membership(
        f"Danh mục sản phẩm OCOP {uow.settings.province.in_text_vi}", uow.clock.now())
    return catalogs


class ChangeFeed:
    """The catalog versions and delta-feed rows of one transaction. Each catalog's version is
    read (and its row locked) once, counted on in memory, and stored with the feed's new rows
    just before the commit: a batch of events costs a few statements, not a few per event.
    Nothing reads the feed or the versions back inside the transaction that writes them."""

    def __init__(self, catalogs: CatalogRepository, *, replaying: bool = False) -> None:
        self._catalogs = catalogs
        self._replaying = replaying
        self._streams: dict[str, CatalogStream] = {}
        self._upserts: list[dict[str, Any]] = []
        self._tombstones: list[dict[str, Any]] = []

    @classmethod
    def of(cls, uow: UnitOfWork) -> ChangeFeed:
        def new() -> ChangeFeed:
            feed = cls(uow.repository(CatalogRepository), replaying=uow.replaying)
            uow.before_commit("trade.change_feed", feed.write)
            return feed

        return uow.per_transaction(cls, new)

    async def lock(self, catalog_ids: Iterable[str]) -> None:
        """Read (and lock) the versions of the catalogs not read yet, in one statement."""
        unknown = set(catalog_ids) - self._streams.keys()
        if unknown:
            for catalog_id, version in (await self._catalogs.versions_for_update(unknown)).items():
                self._streams[catalog_id] = CatalogStream(catalog_id, version)

    async def stream(self, catalog_id: str) -> CatalogStream:
        await self.lock([catalog_id])
        return self._streams[catalog_id]

    def upserted(self, **row: Any) -> None:
        self._upserts.append(row)

    def tombstoned(self, **row: Any) -> None:
        self._tombstones.append(row)

    async def write(self) -> None:
        await self._catalogs.set_versions({id_: s.version for id_, s in self._streams.items()})
        if self._replaying:  # a rebuilt catalog's feed starts empty at the swap (tills re-snapshot)
            return
        for rows in (self._upserts, self._tombstones):  # each kind has its own columns
            await self._catalogs.append_changes(rows)


async def append_change(uow: UnitOfWork, catalog_id: str, product_id: str,
                        item: CatalogItem | None, removal: Removal | None) -> None:
    """One numbered change of one catalog (see `append_changes`)."""
    await append_changes(uow, [catalog_id], product_id, item, removal)


async def append_changes(uow: UnitOfWork, catalog_ids: Sequence[str], product_id: str,
                         item: CatalogItem | None, removal: Removal | None) -> None:
    """The same change of one product in each of `catalog_ids`, numbered in each catalog's
    stream: the items (one statement for all the catalogs), the delta feed, an event and a
    webhook delivery for each subscription following the catalog (all in the caller's
    transaction)."""
    if not catalog_ids:
        return
    feed = ChangeFeed.of(uow)
    await feed.lock(catalog_ids)
    await uow.repository(CatalogWebhooks).preload(uow, catalog_ids)
    catalogs = uow.repository(CatalogRepository)
    now = uow.clock.now()
    number = "" if item is not None else await uow.repository(ProductRepository).certificate_number(product_id)
    stored = item_json(item) if item is not None else None
    versions: dict[str, int] = {}
    for catalog_id in catalog_ids:
        stream = await feed.stream(catalog_id)
        if item is not None:
            versions[catalog_id] = stream.list(item)
            feed.upserted(catalog_id=catalog_id, version=versions[catalog_id], product_id=product_id,
                          kind="upsert", item=stored, at=now)
        else:
            assert removal is not None
            versions[catalog_id] = stream.delist(product_id, number, removal)
            feed.tombstoned(catalog_id=catalog_id, version=versions[catalog_id], product_id=product_id,
                            kind="tombstone", reason=removal.value, at=now)
        for event in await uow.publish(stream):  # now: each webhook delivery carries its envelope
            await uow.repository(CatalogWebhooks).record_deliveries(uow, event, keys=[catalog_id])
    if item is not None:
        await catalogs.put_items(versions, item)
    else:
        await catalogs.remove_items(list(versions), product_id)


async def prepare_certificate_batch(uow: UnitOfWork, product_ids: Sequence[str]) -> None:
    """What a batch of certificate events about `product_ids` will read, in a few statements:
    the products (locked), which catalogs carry and list them, and those catalogs' versions
    (locked). The handlers then find it all in this transaction's repositories."""
    if not product_ids:
        return
    await uow.repository(ProductRepository).preload(product_ids)
    catalogs = await lock_membership(uow)
    await catalogs.preload(product_ids)
    touched = {c for p in product_ids for c in [*await catalogs.carrying(p), *await catalogs.listing(p)]}
    await ChangeFeed.of(uow).lock(touched)
    await uow.repository(CatalogWebhooks).preload(uow, sorted(touched))


async def fill(uow: UnitOfWork, catalog_id: str, product_ids: Sequence[str] | None) -> None:
    """List in the catalog every listed product (of `product_ids`, when given)."""
    for item in await uow.repository(ProductRepository).listed(product_ids):
        await append_changes(uow, [catalog_id], item.product_id, item, None)
