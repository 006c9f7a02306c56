"""A read-through cache of computed values (the services keep serialised responses in it).

Bounded (the least recently used entry goes first), and no value is served more than
`seconds` after the read that produced it began (0 turns the cache off); entries can be
dropped one by one or all at once. Made for one event loop: nothing awaits while its state
changes, so it needs no lock.

An invalidation also cancels the fills in flight: a value loaded while an invalidation
happened is handed to its caller but not kept. Otherwise a reader that read the database
just before a commit could store the old state just after the commit dropped it.

Concurrent misses of one key wait for the first one's load and then look again (one request
reads the database, not every one in flight); a waiter never takes over the first one's
outcome, so if its load failed or was not kept, the waiter loads for itself. And an entry
filled by `get_or_load` that is read in the second half of its life is reloaded in the
background while it is still served, so a busy entry is renewed before it expires instead of
making every request wait for the reload (a reload on a busy event loop takes a while).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

log = logging.getLogger(__name__)

REFRESH_AT = 0.5  # of an entry's life


@dataclass(slots=True)
class _Entry(Generic[V]):
    value: V
    expires: float
    refresh_at: float
    load: Callable[[], Awaitable[V]] | None


class ReadCache(Generic[K, V]):
    def __init__(self, seconds: float, *, max_entries: int = 1024,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if seconds < 0 or max_entries < 1:
            raise ValueError("seconds must be >= 0 and max_entries >= 1")
        self.seconds = seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._generation = 0  # bumped by every invalidation
        self._loading: dict[K, asyncio.Event] = {}
        self._refreshes: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self._clock()
        if now >= entry.expires:
            del self._entries[key]
            return None
        if now >= entry.refresh_at and entry.load is not None and key not in self._loading:
            self._loading[key] = asyncio.Event()  # now, not when the task starts: one refresh
            refresh = asyncio.get_running_loop().create_task(self._refresh(key, entry.load))
            self._refreshes.add(refresh)
            refresh.add_done_callback(self._refreshes.discard)
        self._entries.move_to_end(key)
        return entry.value

    async def get_or_load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or `load()`'s (kept unless something was invalidated meanwhile)."""
        found = self.get(key)
        if found is not None:
            return found
        loading = self._loading.get(key)
        if loading is not None:
            await loading.wait()
            found = self.get(key)
            if found is not None:
                return found
        self._loading[key] = asyncio.Event()
        return await self._load(key, load)

    def put(self, key: K, value: V) -> None:
        self._store(key, value, self._clock(), None)

    def invalidate(self, key: K) -> None:
        self._generation += 1
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    async def _load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """Run `load` for `key`, whose event in `_loading` the caller has just set up."""
        done = self._loading[key]
        generation, started = self._generation, self._clock()
        try:
            value = await load()
            if generation == self._generation:
                self._store(key, value, started, load)
            return value
        finally:
            if self._loading.get(key) is done:
                del self._loading[key]
            done.set()

    async def _refresh(self, key: K, load: Callable[[], Awaitable[V]]) -> None:
        try:
            await self._load(key, load)
        except Exception as error:  # the entry expires as usual; the next miss loads for itself
            log.debug("refreshing %r failed: %s", key, error)

    def _store(self, key: K, value: V, started: float, load: Callable[[], Awaitable[V]] | None) -> None:
        if self.seconds <= 0:
            return
        # The renewal point counts from now: a slow load is not followed at once by another.
        refresh_at = self._clock() + self.seconds * REFRESH_AT
        self._entries[key] = _Entry(value, started + self.seconds, refresh_at, load)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
