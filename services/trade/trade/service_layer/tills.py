"""What tills read and acknowledge: their key, the changes since a cursor, which are stale."""

from __future__ import annotations

from ocop_shared.auth import api_key_matches, hash_api_key
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Forbidden, Gone, Invalid, Malformed, Unauthenticated
from ocop_shared.i18n import message

from ..adapters.catalogs import CatalogRepository
from ..adapters.tills import TillRepository
from ..domain.showrooms import FeedChange, Showroom
from ..domain.tills import TillState, till_state
from .showrooms import showroom_row


async def authenticate_till(uow: UnitOfWork, catalog_id: str, api_key: str | None) -> Showroom:
    showroom = await showroom_row(uow, catalog_id)
    if not api_key:
        raise Unauthenticated(message("trade.showroom_api_key_x_api_key"))
    if showroom.api_key_hash and api_key_matches(api_key, showroom.api_key_hash):
        return showroom
    if await uow.repository(CatalogRepository).key_hash_known(hash_api_key(api_key)):
        raise Forbidden(message("trade.api_key_belongs_another_showroom"))
    raise Unauthenticated(message("trade.api_key_not_valid"))


async def changes_since(uow: UnitOfWork, catalog_id: str, version: int,
                        limit: int) -> tuple[int, list[FeedChange]]:
    showroom = await showroom_row(uow, catalog_id)
    if version > showroom.version:
        raise Malformed(message("trade.cursor_ahead_catalog"), field="cursor")
    if version < showroom.floor_version:
        raise Gone(message("trade.cursor_too_old_take_full_snapshot"),
            slug="cursor-expired")
    changes = await uow.repository(CatalogRepository).changes_after(catalog_id, version, limit)
    return showroom.version, changes


async def changes_for_tills(uow: UnitOfWork, catalog_id: str, version: int,
                            limit: int) -> tuple[str | None, int, list[FeedChange]]:
    """The showroom's key hash (each till checks its own key against it), its version and the
    changes after `version`: what tills waiting at one version all need, read once."""
    showroom = await showroom_row(uow, catalog_id)
    current, changes = await changes_since(uow, catalog_id, version, limit)
    return showroom.api_key_hash, current, changes


async def acknowledge(uow: UnitOfWork, catalog_id: str, terminal_id: str, version: int) -> None:
    showroom = await showroom_row(uow, catalog_id)
    if version > showroom.version:
        raise Invalid(message("trade.version_does_not_exist_yet_current",
                              version=version, showroom_version=showroom.version),
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
