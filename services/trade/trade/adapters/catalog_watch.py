"""Which catalog versions the database holds, known to every trade process at once, so a till
waiting for changes is answered the moment its showroom's catalog moves instead of polling.

The database is the source, never process memory: the watcher reads every catalog's version
(one small query) whenever something says a catalog may have changed, and wakes the tills
waiting on the catalogs that moved. What says so: a commit of this process that wrote catalogs;
with PostgreSQL, the NOTIFY every such commit sends (delivered only if it commits, to every
process LISTENing: a change made on one replica reaches the tills connected to another); and
a slow timer, in case a notification was lost while the listening connection was down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .tables import catalogs

log = logging.getLogger(__name__)

CHANNEL = "ocop_trade_catalogs"  # PostgreSQL NOTIFY channel (no payload: the versions are read)


class CatalogWatcher:
    """Every catalog's version as last read, and the tills waiting for one to pass a version."""

    def __init__(self, sessions: Callable[[], async_sessionmaker[AsyncSession]],
                 recheck_seconds: float = 2.0) -> None:
        self._sessions = sessions
        self._recheck = recheck_seconds
        self._versions: dict[str, int] = {}
        self._moved: dict[str, asyncio.Event] = {}  # catalog id -> set when it next moves
        self._poke = asyncio.Event()
        self._closed = False

    @property
    def closed(self) -> bool:
        """The service is stopping: nobody waits any more."""
        return self._closed

    def poke(self) -> None:
        """Something may have changed a catalog: read the versions again soon."""
        self._poke.set()

    async def wait_past(self, catalog_id: str, version: int, timeout: float) -> bool:
        """Until the catalog's version passes `version` (True) or `timeout` seconds (False).
        The caller read the catalog at `version` before asking, so a change committed since is
        either already known here or about to be (its commit or NOTIFY pokes the watcher)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (self._versions.get(catalog_id) or 0) <= version:
            left = deadline - loop.time()
            if left <= 0 or self._closed:
                return False
            moved = self._moved.setdefault(catalog_id, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), left)
        return True

    async def read(self) -> None:
        """Read every catalog's version and wake those waiting on the ones that moved."""
        async with self._sessions()() as session:
            rows = (await session.execute(select(catalogs.c.id, catalogs.c.version))).all()
        for catalog_id, version in rows:
            if version != self._versions.get(catalog_id):
                self._versions[catalog_id] = version
                moved = self._moved.pop(catalog_id, None)
                if moved is not None:
                    moved.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Read the versions when poked, and every `recheck_seconds` anyway, until `stop`."""
        while not stop.is_set():
            try:
                await self.read()
            except Exception as error:  # the database is away: tills keep their timeouts
                log.warning("catalog versions unreadable: %s", error)
                await _sleep_or(stop, 1.0)
            poked = asyncio.ensure_future(self._poke.wait())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({poked, stopped}, timeout=self._recheck,
                               return_when=asyncio.FIRST_COMPLETED)
            for waiting in (poked, stopped):
                waiting.cancel()
            self._poke.clear()
        self._closed = True
        for moved in self._moved.values():
            moved.set()


class PostgresListener:
    """LISTENs on a dedicated connection and pokes the watcher at each notification (and once
    after every (re)connection, for what was sent while it was not listening)."""

    def __init__(self, engine: Callable[[], AsyncEngine], watcher: CatalogWatcher) -> None:
        self._engine = engine
        self._watcher = watcher

    def _heard(self, *_: Any) -> None:
        self._watcher.poke()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with self._engine().connect() as connection:
                    raw = await connection.get_raw_connection()
                    driver: Any = raw.driver_connection
                    await driver.add_listener(CHANNEL, self._heard)
                    self._watcher.poke()
                    try:
                        while not await _sleep_or(stop, 5.0):
                            await driver.execute("SELECT 1")  # notice a dead connection
                    finally:
                        with contextlib.suppress(Exception):
                            await driver.remove_listener(CHANNEL, self._heard)
                        await connection.invalidate()  # never back to the pool LISTENing
            except Exception as error:
                log.warning("catalog notifications unavailable: %s", error)
                await _sleep_or(stop, 1.0)


async def _sleep_or(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` unless `stop` is set first; whether it was."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
