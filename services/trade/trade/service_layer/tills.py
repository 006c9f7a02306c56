"""What tills read and acknowledge: their key, the changes since a cursor, which are stale."""

from __future__ import annotations

from ocop_shared.auth import api_key_matches, hash_api_key
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Forbidden, Gone, Invalid, Malformed, Text, Unauthenticated

from ..adapters.catalogs import CatalogRepository
from ..adapters.tills import TillRepository
from ..domain.showrooms import FeedChange, Showroom
from ..domain.tills import TillState, till_state
from .showrooms import showroom_row


async def authenticate_till(uow: UnitOfWork, catalog_id: str, api_key: str | None) -> Showroom:
    showroom = await showroom_row(uow, catalog_id)
    if not api_key:
        raise Unauthenticated(Text("Thiếu khóa API của điểm bán (X-API-Key)",
                                   "The showroom API key (X-API-Key) is missing"))
    if showroom.api_key_hash and api_key_matches(api_key, showroom.api_key_hash):
        return showroom
    if await uow.repository(CatalogRepository).key_hash_known(hash_api_key(api_key)):
        raise Forbidden(Text("Khóa API này thuộc về điểm bán khác",
                             "This API key belongs to another showroom"))
    raise Unauthenticated(Text("Khóa API không hợp lệ", "The API key is not valid"))


async def changes_since(uow: UnitOfWork, catalog_id: str, version: int,
                        limit: int) -> tuple[int, list[FeedChange]]:
    showroom = await showroom_row(uow, catalog_id)
    if version > showroom.version:
        raise Malformed(Text("Con trỏ đồng bộ vượt quá phiên bản hiện tại của danh mục",
                             "The cursor is ahead of the catalog"), field="cursor")
    if version < showroom.floor_version:
        raise Gone(Text(
            "Con trỏ đồng bộ đã quá cũ; hãy tải lại toàn bộ danh mục (GET .../catalog)",
            "The cursor is too old; take a full snapshot again (GET .../catalog)"),
            slug="cursor-expired")
    changes = await uow.repository(CatalogRepository).changes_after(catalog_id, version, limit)
    return showroom.version, changes


async def acknowledge(uow: UnitOfWork, catalog_id: str, terminal_id: str, version: int) -> None:
    showroom = await showroom_row(uow, catalog_id)
    if version > showroom.version:
        raise Invalid(Text(f"Phiên bản {version} chưa tồn tại (hiện tại: {showroom.version})",
                           f"Version {version} does not exist yet (current: {showroom.version})"),
                      field="version")
    await uow.repository(TillRepository).acknowledge(catalog_id, terminal_id, version,
                                                     uow.clock.now())
    await uow.commit()


async def tills(uow: UnitOfWork, catalog_id: str) -> tuple[int, list[TillState]]:
    showroom = await showroom_row(uow, catalog_id)
    acks = await uow.repository(TillRepository).acks(catalog_id)
    lowest = min((a.version for a in acks), default=showroom.version)
    times = await uow.repository(CatalogRepository).change_times(catalog_id, lowest)
    return showroom.version, [till_state(a.terminal_id, a.version, a.acked_at, showroom.version,
                                         times) for a in acks]
