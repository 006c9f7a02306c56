"""Trade HTTP API for tills: the snapshot, the changes since a cursor (at once, as a long poll,
or pushed as Server-Sent Events), acknowledgements.

Till snapshots are served from a read cache of their serialised bytes (with the showroom's key
hash, so a hit still checks the till's X-API-Key, and the ETag for If-None-Match). Every commit
of this process that writes catalogs or their items empties it at once; entries also expire
after OCOP_READ_CACHE_SECONDS (default 1 s; 0 turns it off), which bounds how long a change
committed by another replica can look stale here (a snapshot's `as_of` says when it was
read). Hits are answered before routing.
"""

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast

from fastapi import Header, Query, Request, Response
from fastapi.sse import KEEPALIVE_COMMENT, EventSourceResponse, format_sse_event
from pydantic import BaseModel, Field

from ocop_shared.auth import api_key_matches
from ocop_shared.errors import Forbidden, Gone, Unauthenticated
from ocop_shared.http.cached import Reply
from ocop_shared.http.dates import IsoDateTime
from ocop_shared.http.problems import Problem, Text
from ocop_shared.http.text import Line, RecordId
from ocop_shared.i18n import message
from ocop_shared.runtime import ServiceRuntime

from ..domain import cursor as cursors
from ..domain.catalog import REMOVAL_VI, Removal
from ..domain.errors import DomainError
from ..domain.showrooms import FeedChange
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


def wire(runtime: ServiceRuntime, recheck_seconds: float) -> deps.TillEdge:
    """The tills' edge; their snapshot cache answered before routing when the till's key matches."""
    edge = deps.wire(runtime, recheck_seconds)
    snapshots = edge.snapshots

    def cached_snapshot(request: Request, params: dict[str, str]) -> Reply | None:
        snapshot = snapshots.get(params["showroom_id"])
        if snapshot is None or not snapshot.admits(request.headers.get("x-api-key")):
            return None
        return cast(Reply, snapshot.reply(request.headers.get("if-none-match")))

    runtime.answer_from_cache("/trade/pos/{showroom_id}/catalog", cached_snapshot)
    return edge


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


Wait = Annotated[float, Query(ge=0, le=60, description=(
    "Seconds to wait when nothing changed since the cursor (long poll): the answer comes as soon "
    "as the catalog changes, or empty when the time is up. 0: answer at once."))]
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", max_length=500,
                                           description="The id of the last event received (resume)")]
STREAM_IDLE_SECONDS = 15.0  # a keep-alive comment this often when nothing changes


@dataclass(frozen=True)
class ChangesRead:
    """What the tills waiting at one version of a showroom all get: the changes since, and the
    same as Server-Sent Events (encoded once, not once a till)."""

    key_hash: str | None
    current: int
    rows: list[FeedChange]
    events: list[bytes]


async def read_changes(runtime: ServiceRuntime, tills: deps.TillEdge, showroom_id: str,
                       api_key: str | None, since: int, limit: int) -> ChangesRead:
    """The changes after `since`, read in a short transaction of their own (nobody holds a
    connection while waiting) that the tills of this process asking the same at the same time
    share; the till's key is checked against the showroom read with them (a key rotated
    meanwhile ends its waiting)."""
    async def read() -> ChangesRead:
        async with runtime.uow() as uow:
            try:
                key_hash, current, rows = await till_cases.changes_for_tills(uow, showroom_id, since, limit)
            except Gone as gone:  # where to start again, as a link
                gone.extensions["snapshot"] = f"/trade/pos/{showroom_id}/catalog"
                raise
        key = tills.cursor_keys.current()
        return ChangesRead(key_hash, current, rows, [
            format_sse_event(event=row.kind, data_str=change_out(row).model_dump_json(),
                             id=cursors.encode(key, showroom_id, row.version)) for row in rows])

    found: ChangesRead = await tills.reads.run((showroom_id, since, limit), read)
    if not (api_key and found.key_hash and api_key_matches(api_key, found.key_hash)):
        async with runtime.uow() as uow:  # says why: 401, or 403 for another showroom's key
            await till_cases.authenticate_till(uow, showroom_id, api_key)
    return found


async def start_of(runtime: ServiceRuntime, tills: deps.TillEdge, showroom_id: str,
                   api_key: str | None, cursor: str | None, field: str) -> int:
    """The version a till's cursor stands at, once its key is checked (400 naming `field`)."""
    async with runtime.uow() as uow:
        await till_cases.authenticate_till(uow, showroom_id, api_key)
    if not cursor:
        raise Problem(message("trade.stream_needs_cursor"), status=400, field=field)
    try:
        return cursors.decode(tills.cursor_keys.all(), cursor, showroom_id)
    except DomainError as error:
        raise Problem(Text(error.vi, error.en), status=400, field=field) from error


def change_out(row: FeedChange) -> ChangeOut:
    return ChangeOut(
        version=row.version, kind=row.kind, product_id=row.product_id,
        reason=Removal(row.reason) if row.reason else None,
        reason_vi=REMOVAL_VI[Removal(row.reason)] if row.reason else None,
        item=item_out(row.item) if row.item else None)


BAD_CURSOR: dict[int | str, dict[str, Any]] = {400: {"description": (
    "The cursor is not one this platform issued for the showroom (or, for the stream, none was "
    "given): take a snapshot")}}


@router.get("/pos/{showroom_id}/changes", response_model=DeltaOut, responses={**BAD_CURSOR},
            summary="Changes since a cursor, with tombstones (410: take a snapshot); with `wait`, "
                    "a long poll answered as soon as the catalog changes")
async def pos_changes(showroom_id: RecordId, cursor: Line, runtime: Runtime, tills: Tills,
                      limit: int = 500, wait: Wait = 0, x_api_key: ApiKey = None) -> DeltaOut:
    since = await start_of(runtime, tills, showroom_id, x_api_key, cursor, "cursor")
    limit = max(1, min(limit, 2000))
    deadline = time.monotonic() + wait
    found = await read_changes(runtime, tills, showroom_id, x_api_key, since, limit)
    while not found.rows and (left := deadline - time.monotonic()) > 0:
        if not await tills.watcher.wait_past(showroom_id, found.current, left):
            break
        found = await read_changes(runtime, tills, showroom_id, x_api_key, since, limit)
    current, rows = found.current, found.rows
    last = rows[-1].version if rows else since
    return DeltaOut(catalog_id=showroom_id, version=last,
                    cursor=cursors.encode(tills.cursor_keys.current(), showroom_id, last),
                    as_of=runtime.clock.now(), changes=[change_out(r) for r in rows],
                    has_more=last < current)


# (The response is built here, not by FastAPI's SSE routing, so that a bad cursor or key is a
# 4xx problem before the stream starts.)
@router.get("/pos/{showroom_id}/stream",
            responses={**BAD_CURSOR, 200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                             "description": "One event per change: `event` upsert or tombstone, "
                                            "`data` the change (as in /changes), `id` its cursor"}},
            summary="The changes as Server-Sent Events, from a cursor or Last-Event-ID")
async def pos_stream(showroom_id: RecordId, runtime: Runtime, tills: Tills, cursor: Line | None = None,
                     last_event_id: LastEventId = None, x_api_key: ApiKey = None) -> EventSourceResponse:
    start, field = (last_event_id, "Last-Event-ID") if last_event_id else (cursor, "cursor")
    since = await start_of(runtime, tills, showroom_id, x_api_key, start, field)
    return EventSourceResponse(change_events(runtime, tills, showroom_id, x_api_key, since),
                               headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def change_events(runtime: ServiceRuntime, tills: deps.TillEdge, showroom_id: str,
                        api_key: str | None, since: int) -> AsyncIterator[bytes]:
    """Each change after `since` as an event, as it happens; a keep-alive comment when quiet.
    Ends when the service stops, the till's key no longer opens the showroom, or its place was
    compacted away (an `expired` event: take a snapshot)."""
    while not tills.watcher.closed:
        try:
            found = await read_changes(runtime, tills, showroom_id, api_key, since, 500)
        except Gone:
            yield format_sse_event(event="expired", data_str=json.dumps(
                {"snapshot": f"/trade/pos/{showroom_id}/catalog"}))
            return
        except (Unauthenticated, Forbidden):
            return
        if found.rows:
            since = found.rows[-1].version
            yield b"".join(found.events)
        elif not await tills.watcher.wait_past(showroom_id, found.current, STREAM_IDLE_SECONDS):
            yield KEEPALIVE_COMMENT


@router.post("/pos/{showroom_id}/acks", status_code=204,
             summary="A till acknowledges the catalog version it now holds")
async def pos_ack(showroom_id: RecordId, body: AckIn, runtime: Runtime, x_api_key: ApiKey = None) -> None:
    async with runtime.uow() as uow:
        await till_cases.authenticate_till(uow, showroom_id, x_api_key)
        await till_cases.acknowledge(uow, showroom_id, body.terminal_id, body.version)
