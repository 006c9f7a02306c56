"""Identical reads in flight at once run once: the tills of one showroom wake together on a
change and ask for the same changes since the same version, so one query answers all of them
(a hundred tills of a showroom on a process cost one read per change, not a hundred).

Nothing is kept once a read finishes: a later read runs again (unlike a cache, it can never
answer with what an earlier moment saw)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._flying: dict[K, asyncio.Future[V]] = {}

    async def run(self, key: K, read: Callable[[], Awaitable[V]]) -> V:
        """`read()`'s outcome, shared with every caller asking for `key` while it runs (a caller
        that gives up does not cancel it for the others)."""
        flying = self._flying.get(key)
        if flying is None:
            flying = asyncio.ensure_future(read())
            self._flying[key] = flying
            flying.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(flying)

    def _landed(self, key: K, done: asyncio.Future[V]) -> None:
        if self._flying.get(key) is done:
            del self._flying[key]
        if not done.cancelled():
            done.exception()  # retrieved: callers who gave up leave no "never retrieved" warning
