"""Catalogs (the province's and each showroom's), their assortments, items and delta feed.

One repository a transaction (`UnitOfWork.repository`), so it also keeps what the transaction
knows of which catalogs carry and list what, under the membership lock it holds until the end,
and sends the items it changed in two statements just before the commit (`flush`): a batch of
certificate events costs the same few statements here whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.clock import aware
from ocop_shared.db.engine import upsert_insert

from ..domain.catalog import CatalogItem
from ..domain.showrooms import FeedChange, Showroom
from .catalog_watch import CHANNEL
from .products import item_json, item_of
from .tables import assortments, catalog_changes, catalog_items, catalogs

PROVINCE_CATALOG = "province"


@dataclass
class _Membership:
    """What this transaction knows of which catalogs carry what."""

    locked: bool = False  # the province catalog's row, held until the transaction ends
    carrying_all: list[str] | None = None  # the catalogs carrying every product; None: ask
    any_assortment: bool = False  # whether some showroom chose products one by one
    chosen: dict[str, set[str]] = field(default_factory=dict)  # product -> showrooms choosing it


class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._membership = _Membership()
        self._listing: dict[str, set[str]] = {}  # product -> catalogs listing it, as of now
        self._pending: dict[tuple[str, str], tuple[dict[str, Any], int] | None] = {}  # None: removed

    # -- membership: which catalogs carry which products --------------------------------------
    async def lock_membership(self, province_name: str, at: datetime) -> None:
        """Which products which catalogs carry changes under one lock (the province catalog's
        row), taken once a transaction; the province catalog is created the first time (an
        insert that does nothing when a concurrent transaction created it)."""
        if self._membership.locked:
            return
        lock = select(catalogs.c.id).where(catalogs.c.id == PROVINCE_CATALOG).with_for_update()
        if await self.session.scalar(lock) is None:
            await self.session.execute(upsert_insert(self.session, catalogs).values(
                id=PROVINCE_CATALOG, name=province_name, carries_all=True, version=0,
                floor_version=0, created_at=at, address="", operator="",
            ).on_conflict_do_nothing(index_elements=["id"]))
            await self.session.execute(lock)
        self._membership.locked = True

    def membership_changed(self) -> None:
        """This transaction changed which catalogs carry what: look it up again when next asked."""
        self._membership.carrying_all = None
        self._membership.chosen.clear()

    async def preload(self, product_ids: Iterable[str]) -> None:
        """Which catalogs carry and list each of `product_ids`, in a statement or two."""
        wanted = sorted(set(product_ids))
        await self._carrying_all()
        unknown = [p for p in wanted if p not in self._membership.chosen]
        if self._membership.any_assortment and unknown:
            rows = (await self.session.execute(select(assortments.c.product_id, assortments.c.catalog_id)
                                               .where(assortments.c.product_id.in_(unknown)))).all()
            for product_id in unknown:
                self._membership.chosen[product_id] = set()
            for row in rows:
                self._membership.chosen[row.product_id].add(row.catalog_id)
        await self._load_listing(wanted)

    async def _carrying_all(self) -> list[str]:
        membership = self._membership
        if membership.carrying_all is None:
            membership.carrying_all = list(await self.session.scalars(
                select(catalogs.c.id).where(catalogs.c.carries_all)))
            membership.any_assortment = await self.session.scalar(
                select(assortments.c.product_id).limit(1)) is not None
        return membership.carrying_all

    async def carrying(self, product_id: str) -> list[str]:
        """The catalogs that carry `product_id` (under the membership lock). The catalogs
        carrying everything are looked up once a transaction; assortments only when some
        showroom has one (all of a batch's products at once after `preload`)."""
        carrying_all = await self._carrying_all()
        if self._membership.any_assortment and product_id not in self._membership.chosen:
            await self.preload([product_id])
        return sorted(set(carrying_all) | self._membership.chosen.get(product_id, set()))

    async def _load_listing(self, product_ids: Sequence[str]) -> None:
        unknown = [p for p in product_ids if p not in self._listing]
        if not unknown:
            return
        rows = (await self.session.execute(select(catalog_items.c.product_id, catalog_items.c.catalog_id)
                                           .where(catalog_items.c.product_id.in_(unknown)))).all()
        for product_id in unknown:
            self._listing[product_id] = set()
        for row in rows:
            self._listing[row.product_id].add(row.catalog_id)

    async def listing(self, product_id: str) -> list[str]:
        """The catalogs that list `product_id` now (this transaction's changes included), sorted."""
        await self._load_listing([product_id])
        return sorted(self._listing[product_id])

    # -- showrooms ----------------------------------------------------------------------------
    async def exists(self, catalog_id: str) -> bool:
        return await self.session.scalar(
            select(catalogs.c.id).where(catalogs.c.id == catalog_id)) is not None

    async def get(self, catalog_id: str) -> Showroom | None:
        row = (await self.session.execute(select(catalogs).where(catalogs.c.id == catalog_id))).first()
        if row is None:
            return None
        return Showroom(id=row.id, name=row.name, location_type=row.location_type,
                        address=row.address, commune_code=row.commune_code, operator=row.operator,
                        carries_all=row.carries_all, api_key_hash=row.api_key_hash,
                        version=row.version, floor_version=row.floor_version)

    async def add(self, showroom: Showroom, at: datetime) -> None:
        await self.session.execute(insert(catalogs).values(
            id=showroom.id, name=showroom.name, location_type=showroom.location_type,
            address=showroom.address, commune_code=showroom.commune_code,
            operator=showroom.operator, carries_all=showroom.carries_all,
            api_key_hash=showroom.api_key_hash, version=showroom.version,
            floor_version=showroom.floor_version, created_at=at))

    async def set_key_hash(self, catalog_id: str, api_key_hash: str) -> None:
        await self.session.execute(update(catalogs).where(catalogs.c.id == catalog_id)
                                   .values(api_key_hash=api_key_hash))

    async def key_hash_known(self, api_key_hash: str) -> bool:
        """Whether some showroom holds this key."""
        known = await self.session.scalar(select(func.count()).select_from(catalogs).where(
            catalogs.c.api_key_hash == api_key_hash))
        return bool(known)

    async def showroom_ids(self, only: Iterable[str] | None, *, limit: int,
                           offset: int) -> tuple[list[str], int]:
        """A page of showroom ids (of `only`, when given) by id, and how many there are."""
        query = select(catalogs.c.id).where(catalogs.c.id != PROVINCE_CATALOG)
        if only is not None:
            query = query.where(catalogs.c.id.in_(sorted(only)))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        ids = list(await self.session.scalars(query.order_by(catalogs.c.id).limit(limit).offset(offset)))
        return ids, int(total or 0)

    # -- assortments --------------------------------------------------------------------------
    async def assortment(self, catalog_id: str) -> set[str]:
        return set(await self.session.scalars(select(assortments.c.product_id).where(
            assortments.c.catalog_id == catalog_id)))

    async def add_to_assortment(self, catalog_id: str, product_ids: Sequence[str], at: datetime) -> None:
        await self.session.execute(insert(assortments), [
            {"catalog_id": catalog_id, "product_id": p, "added_at": at} for p in product_ids])

    async def drop_from_assortment(self, catalog_id: str, product_ids: Sequence[str]) -> None:
        await self.session.execute(delete(assortments).where(
            assortments.c.catalog_id == catalog_id, assortments.c.product_id.in_(product_ids)))

    # -- items and the delta feed -------------------------------------------------------------
    async def listed_among(self, catalog_id: str, product_ids: Sequence[str]) -> set[str]:
        """Which of `product_ids` the catalog lists now."""
        await self.flush()
        return set(await self.session.scalars(select(catalog_items.c.product_id).where(
            catalog_items.c.catalog_id == catalog_id, catalog_items.c.product_id.in_(product_ids))))

    async def put_items(self, versions: Mapping[str, int], item: CatalogItem) -> None:
        """`item` listed in each catalog of `versions` (at that catalog's version); written by
        `flush`."""
        await self._load_listing([item.product_id])
        stored = item_json(item)
        for catalog_id, version in versions.items():
            self._pending[(catalog_id, item.product_id)] = (stored, version)
        self._listing[item.product_id] |= set(versions)

    async def remove_items(self, catalog_ids: Sequence[str], product_id: str) -> None:
        """`product_id` out of each of `catalog_ids`; written by `flush`."""
        await self._load_listing([product_id])
        for catalog_id in catalog_ids:
            self._pending[(catalog_id, product_id)] = None
        self._listing[product_id] -= set(catalog_ids)

    async def flush(self) -> None:
        """The items changed since the last flush: one delete and one upsert."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        removed = [key for key, value in pending.items() if value is None]
        if removed:
            await self.session.execute(delete(catalog_items).where(
                tuple_(catalog_items.c.catalog_id, catalog_items.c.product_id).in_(removed)))
        listed = [{"catalog_id": c, "product_id": p, "item": value[0], "version": value[1]}
                  for (c, p), value in pending.items() if value is not None]
        if listed:  # one statement, executed for each row (not compiled with a VALUES list per batch)
            rows = upsert_insert(self.session, catalog_items)
            await self.session.execute(rows.on_conflict_do_update(
                index_elements=["catalog_id", "product_id"],
                set_={"item": rows.excluded.item, "version": rows.excluded.version}), listed)

    async def items(self, catalog_id: str) -> tuple[int, list[CatalogItem]]:
        """The catalog's version and items (unsorted); version 0 when there is no catalog yet."""
        await self.flush()
        version = await self.session.scalar(select(catalogs.c.version).where(
            catalogs.c.id == catalog_id))
        rows = (await self.session.execute(select(catalog_items.c.item).where(
            catalog_items.c.catalog_id == catalog_id))).all()
        return int(version or 0), [item_of(row.item) for row in rows]

    async def versions_for_update(self, catalog_ids: Iterable[str]) -> dict[str, int]:
        """The catalogs' versions (0 for one that does not exist), their rows locked, in id
        order, until the transaction ends."""
        wanted = sorted(set(catalog_ids))
        rows = (await self.session.execute(select(catalogs.c.id, catalogs.c.version).where(
            catalogs.c.id.in_(wanted)).order_by(catalogs.c.id).with_for_update())).all()
        return {**dict.fromkeys(wanted, 0), **{row.id: int(row.version) for row in rows}}

    async def set_versions(self, versions: Mapping[str, int]) -> None:
        """Store the catalogs' new versions; with PostgreSQL, also NOTIFY every trade process
        (delivered when the transaction commits, never if it rolls back) that catalogs moved."""
        if versions:  # one statement, executed for each catalog
            await self.session.execute(
                update(catalogs).where(catalogs.c.id == bindparam("catalog_id"))
                .values(version=bindparam("new_version")),
                [{"catalog_id": catalog_id, "new_version": version} for catalog_id, version in versions.items()])
        if versions and self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(select(func.pg_notify(CHANNEL, "")))

    async def append_changes(self, rows: list[dict[str, Any]]) -> None:
        """Feed rows of one kind (upserts or tombstones: each has its own columns), in bulk."""
        if rows:
            await self.session.execute(insert(catalog_changes), rows)

    async def changes_after(self, catalog_id: str, version: int, limit: int) -> list[FeedChange]:
        rows = (await self.session.execute(select(catalog_changes).where(
            catalog_changes.c.catalog_id == catalog_id, catalog_changes.c.version > version)
            .order_by(catalog_changes.c.version).limit(limit))).all()
        return [FeedChange(version=r.version, kind=r.kind, product_id=r.product_id, reason=r.reason,
                           item=item_of(r.item) if r.item else None) for r in rows]

    async def change_times(self, catalog_id: str, after: int) -> dict[int, datetime]:
        """When each change after `after` was made, by version."""
        rows = (await self.session.execute(select(catalog_changes.c.version, catalog_changes.c.at).where(
            catalog_changes.c.catalog_id == catalog_id, catalog_changes.c.version > after))).all()
        return {r.version: aware(r.at) for r in rows}

    async def compact(self, catalog_id: str, floor: int, *, floor_version: int) -> None:
        """Drop the changes up to `floor`; cursors before `floor_version` are then refused."""
        await self.session.execute(delete(catalog_changes).where(
            catalog_changes.c.catalog_id == catalog_id, catalog_changes.c.version <= floor))
        await self.session.execute(update(catalogs).where(catalogs.c.id == catalog_id)
                                   .values(floor_version=floor_version))
