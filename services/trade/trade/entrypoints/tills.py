"""Trade HTTP API for tills: the snapshot, the changes since a cursor, acknowledgements.

Till snapshots are served from a read cache of their serialised bytes (with the showroom's key
hash, so a hit still checks the till's X-API-Key, and the ETag for If-None-Match). Every commit
of this process that writes catalogs or their items empties it at once; entries also expire
after OCOP_READ_CACHE_SECONDS (default 1 s; 0 turns it off), which bounds how long a change
committed by another replica can look stale here (a snapshot's `as_of` says when it was
read). Hits are answered before routing.
"""

from dataclasses import dataclass
from typing import Annotated, Literal, cast

from fastapi import Header, Request, Response
from pydantic import BaseModel, Field

from ocop_shared.auth import api_key_matches
from ocop_shared.errors import Gone
from ocop_shared.http.cached import Reply
from ocop_shared.http.dates import IsoDateTime
from ocop_shared.http.problems import Problem, Text
from ocop_shared.http.text import Line, RecordId
from ocop_shared.runtime import ServiceRuntime

from ..domain import cursor as cursors
from ..domain.catalog import REMOVAL_VI, Removal
from ..domain.errors import DomainError
from ..service_layer import showrooms
from ..service_layer import tills as till_cases
from . import deps
from .api import ItemOut, item_out
from .deps import Runtime, Tills, router


class SnapshotOut(BaseModel):
    catalog_id: str
    version: int
    cursor: str
    as_of: IsoDateTime
    items: list[ItemOut]


@dataclass(frozen=True)
class Snapshot:
    """A till snapshot as served (kept in the read cache), with the showroom's key hash read in
    the same transaction."""

    api_key_hash: str | None
    etag: str
    full: Reply
    not_modified: Reply

    @classmethod
    def of(cls, body: bytes, etag: str, api_key_hash: str | None) -> "Snapshot":
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        return cls(api_key_hash, etag, Reply.of(body, headers=headers),
                   Reply.of(status=304, media_type=None, headers=headers))

    def admits(self, api_key: str | None) -> bool:
        return bool(api_key and self.api_key_hash and api_key_matches(api_key, self.api_key_hash))

    def reply(self, if_none_match: str | None) -> Reply:
        return self.not_modified if if_none_match == self.etag else self.full


class ChangeOut(BaseModel):
    version: int
    kind: Literal["upsert", "tombstone"] = Field(
        description="upsert: the item is (again) on sale, in `item`; tombstone: take it off, `reason` says why")
    product_id: str
    reason: Removal | None = None
    reason_vi: str | None = None
    item: ItemOut | None = None


class DeltaOut(BaseModel):
    catalog_id: str
    version: int
    cursor: str
    as_of: IsoDateTime
    changes: list[ChangeOut]
    has_more: bool


class AckIn(BaseModel):
    terminal_id: str = Field(min_length=1, max_length=100)
    version: int = Field(ge=0)


# -- tills -------------------------------------------------------------------------------
ApiKey = Annotated[str | None, Header(alias="X-API-Key", max_length=200, description="The showroom's key")]


def wire(runtime: ServiceRuntime) -> None:
    """The tills' snapshot cache, answered before routing when the till's key matches."""
    snapshots = deps.wire(runtime).snapshots

    def cached_snapshot(request: Request, params: dict[str, str]) -> Reply | None:
        snapshot = snapshots.get(params["showroom_id"])
        if snapshot is None or not snapshot.admits(request.headers.get("x-api-key")):
            return None
        return cast(Reply, snapshot.reply(request.headers.get("if-none-match")))

    runtime.answer_from_cache("/trade/pos/{showroom_id}/catalog", cached_snapshot)


async def read_snapshot(runtime: ServiceRuntime, tills: deps.TillEdge, showroom_id: str,
                        api_key: str | None) -> Snapshot:
    async with runtime.uow() as uow:
        row = await till_cases.authenticate_till(uow, showroom_id, api_key)
        version, items = await showrooms.snapshot(uow, showroom_id)
    body = SnapshotOut(catalog_id=showroom_id, version=version,
                       cursor=cursors.encode(tills.cursor_keys.current(), showroom_id, version),
                       as_of=runtime.clock.now(), items=[item_out(i) for i in items])
    return Snapshot.of(body.model_dump_json().encode(), f'W/"{showroom_id}:{version}"', row.api_key_hash)


@router.get("/pos/{showroom_id}/catalog", response_model=SnapshotOut,
            responses={200: {"headers": {"ETag": {"description": "The snapshot's version: send it as "
                                                  "If-None-Match", "schema": {"type": "string"}}}},
                       304: {"description": "Unchanged since If-None-Match",
                             "headers": {"ETag": {"schema": {"type": "string"}}}}},
            summary="Full snapshot for a till, with a version, ETag and a delta cursor")
async def pos_snapshot(showroom_id: RecordId, request: Request, runtime: Runtime, tills: Tills,
                       x_api_key: ApiKey = None) -> Response:
    snapshot: Snapshot = await tills.snapshots.get_or_load(
        showroom_id, lambda: read_snapshot(runtime, tills, showroom_id, x_api_key))
    if not snapshot.admits(x_api_key):
        # A snapshot another till's key read: the database decides (401/403, or a key just
        # rotated by another replica). A refused key leaves the cached snapshot alone.
        snapshot = await read_snapshot(runtime, tills, showroom_id, x_api_key)
    return snapshot.reply(request.headers.get("if-none-match")).response()


@router.get("/pos/{showroom_id}/changes", response_model=DeltaOut,
            summary="Changes since a cursor, with tombstones (410: take a snapshot)")
async def pos_changes(showroom_id: RecordId, cursor: Line, runtime: Runtime, tills: Tills,
                      limit: int = 500, x_api_key: ApiKey = None) -> DeltaOut:
    async with runtime.uow() as uow:
        await till_cases.authenticate_till(uow, showroom_id, x_api_key)
        try:
            since = cursors.decode(tills.cursor_keys.all(), cursor, showroom_id)
        except DomainError as error:
            raise Problem(Text(error.vi, error.en), status=400, field="cursor") from error
        try:
            current, rows = await till_cases.changes_since(uow, showroom_id, since,
                                                         max(1, min(limit, 2000)))
        except Gone as gone:  # where to start again, as a link
            gone.extensions["snapshot"] = f"/trade/pos/{showroom_id}/catalog"
            raise
    last = rows[-1].version if rows else since
    changes = [ChangeOut(
        version=r.version, kind=r.kind, product_id=r.product_id,
        reason=Removal(r.reason) if r.reason else None,
        reason_vi=REMOVAL_VI[Removal(r.reason)] if r.reason else None,
        item=item_out(r.item) if r.item else None) for r in rows]
    return DeltaOut(catalog_id=showroom_id, version=last,
                    cursor=cursors.encode(tills.cursor_keys.current(), showroom_id, last),
                    as_of=runtime.clock.now(), changes=changes, has_more=last < current)


@router.post("/pos/{showroom_id}/acks", status_code=204,
             summary="A till acknowledges the catalog version it now holds")
async def pos_ack(showroom_id: RecordId, body: AckIn, runtime: Runtime, x_api_key: ApiKey = None) -> None:
    async with runtime.uow() as uow:
        await till_cases.authenticate_till(uow, showroom_id, x_api_key)
        await till_cases.acknowledge(uow, showroom_id, body.terminal_id, body.version)
