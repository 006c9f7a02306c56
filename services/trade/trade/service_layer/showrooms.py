"""Showrooms (points of sale) and their catalogs: creation, keys, assortments, snapshots,
compaction of the delta feed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ocop_shared.auth import hash_api_key, new_api_key
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, NotFound
from ocop_shared.i18n import message

from ..adapters.catalogs import CatalogRepository
from ..domain.catalog import CatalogItem, Removal
from ..domain.showrooms import Showroom
from .catalogs import append_change, fill, lock_membership


async def showroom_row(uow: UnitOfWork, catalog_id: str) -> Showroom:
    found = await uow.repository(CatalogRepository).get(catalog_id)
    if found is None:
        raise NotFound(message("trade.no_showroom", catalog_id=catalog_id))
    return found


async def create_showroom(uow: UnitOfWork, *, catalog_id: str, name: str, location_type: str,
                          address: str, commune_code: str | None, operator: str,
                          carries_all: bool) -> str:
    """Create a point of sale; returns its POS API key (shown once, stored hashed)."""
    catalogs = await lock_membership(uow)
    if await catalogs.exists(catalog_id):
        raise Conflict(message("trade.showroom_exists", catalog_id=catalog_id))
    key = new_api_key("pos")
    await catalogs.add(Showroom(
        id=catalog_id, name=name, location_type=location_type, address=address,
        commune_code=commune_code, operator=operator, carries_all=carries_all,
        api_key_hash=hash_api_key(key), version=0, floor_version=0), uow.clock.now())
    catalogs.membership_changed()
    if carries_all:
        await fill(uow, catalog_id, None)
    await uow.commit()
    return key


async def rotate_key(uow: UnitOfWork, catalog_id: str) -> str:
    await showroom_row(uow, catalog_id)
    key = new_api_key("pos")
    await uow.repository(CatalogRepository).set_key_hash(catalog_id, hash_api_key(key))
    await uow.commit()
    return key


async def change_assortment(uow: UnitOfWork, catalog_id: str, *, add: Sequence[str],
                            remove: Sequence[str]) -> None:
    catalogs = await lock_membership(uow)
    showroom = await showroom_row(uow, catalog_id)
    if showroom.carries_all:
        raise Conflict(message("trade.showroom_carries_every_ocop_product_has"))
    have = await catalogs.assortment(catalog_id)
    new = [p for p in dict.fromkeys(add) if p not in have]
    if new:
        await catalogs.add_to_assortment(catalog_id, new, uow.clock.now())
        catalogs.membership_changed()
        await fill(uow, catalog_id, new)
    dropped = [p for p in dict.fromkeys(remove) if p in have]
    if dropped:
        await catalogs.drop_from_assortment(catalog_id, dropped)
        catalogs.membership_changed()
        for product_id in sorted(await catalogs.listed_among(catalog_id, dropped)):
            await append_change(uow, catalog_id, product_id, None, Removal.DROPPED)
    await uow.commit()


async def snapshot(uow: UnitOfWork, catalog_id: str) -> tuple[int, list[CatalogItem]]:
    """The catalog's version and items, by product name."""
    version, items = await uow.repository(CatalogRepository).items(catalog_id)
    return version, sorted(items, key=lambda i: (i.product_name, i.product_id))


async def compact(uow: UnitOfWork, catalog_id: str, keep_last: int) -> int:
    """Drop old changes; cursors older than what is kept then get 410 (take a snapshot)."""
    showroom = await showroom_row(uow, catalog_id)
    floor = max(0, showroom.version - keep_last)
    await uow.repository(CatalogRepository).compact(
        catalog_id, floor, floor_version=max(floor, showroom.floor_version))
    await uow.commit()
    return floor


async def showroom_ids(uow: UnitOfWork, only: Iterable[str] | None, *, limit: int,
                       offset: int) -> tuple[list[str], int]:
    """A page of showroom ids (of `only`, when given: the caller's own) and how many there are."""
    return await uow.repository(CatalogRepository).showroom_ids(only, limit=limit, offset=offset)
