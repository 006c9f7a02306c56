"""What trade's module-level routes depend on: the service's runtime, the caller (the guard in
front of every route), and the tills' edge — the read cache of serialised snapshots, the keys
of their sync cursors and the watcher of catalog versions that waiting tills hang on, made
once per runtime by `wire`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from ocop_shared.auth import Principal
from ocop_shared.db.engine import is_sqlite
from ocop_shared.http.routing import Edge as RouteEdge
from ocop_shared.http.routing import guard_of, runtime_of
from ocop_shared.jobs import BackgroundJob
from ocop_shared.readcache import ReadCache
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.secrets import Secret

from ..adapters.catalog_watch import CatalogWatcher, PostgresListener
from ..adapters.single_flight import SingleFlight
from ..adapters.tables import catalog_items, catalogs

SERVICE = "trade"
Runtime = Annotated[ServiceRuntime, Depends(runtime_of(SERVICE))]
Caller = Annotated[Principal, Depends(guard_of(SERVICE))]
# Who may call each route is the permission matrix's (the guard in front of every route); an
# operator manages the showrooms the office granted them, a till its showroom's key.
_EDGE: RouteEdge[TillEdge] = RouteEdge(SERVICE, "edge")
router = APIRouter(prefix="/trade", tags=["trade"], dependencies=[Depends(guard_of(SERVICE))])


@dataclass(frozen=True)
class TillEdge:
    snapshots: ReadCache[str, Any]  # showroom id -> api.Snapshot
    cursor_keys: Secret
    watcher: CatalogWatcher
    reads: SingleFlight[tuple[str, int, int], Any]  # (showroom, since, limit) -> tills.ChangesRead

    def jobs(self, runtime: ServiceRuntime) -> list[BackgroundJob]:
        """The watcher's loop, and with PostgreSQL the listener of other processes' commits."""
        if is_sqlite(runtime.database_url):  # one process: its own commits poke the watcher
            return [self.watcher.run]
        return [self.watcher.run, PostgresListener(lambda: runtime.engine, self.watcher).run]


def wire(runtime: ServiceRuntime, recheck_seconds: float) -> TillEdge:
    watcher = CatalogWatcher(lambda: runtime.sessions, recheck_seconds)
    runtime.on_commit([catalogs], watcher.poke)
    edge = TillEdge(snapshots=runtime.read_cache([catalogs, catalog_items]),
                    cursor_keys=runtime.settings.secret("cursor_secret"), watcher=watcher,
                    reads=SingleFlight())
    return _EDGE.put(runtime, edge)


Tills = Annotated[TillEdge, Depends(_EDGE.dependency)]
