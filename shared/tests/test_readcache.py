"""The read cache (bound, lifetime on an injected clock, invalidation, fills racing
invalidations, concurrent misses) and the unit of work telling which tables a commit wrote."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, String, Table, insert, select, update

from ocop_shared.clock import ManualClock
from ocop_shared.db.engine import create_engine, new_metadata, session_factory
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.messaging.tables import add_messaging_tables
from ocop_shared.readcache import ReadCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_its_seconds_and_no_longer() -> None:
    clock = Clock()
    cache: ReadCache[str, bytes] = ReadCache(2.0, clock=clock)
    cache.put("91-2026-00001", b"active")
    clock.now += 1.999
    assert cache.get("91-2026-00001") == b"active"
    clock.now += 0.001
    assert cache.get("91-2026-00001") is None
    assert len(cache) == 0


def test_the_least_recently_used_entry_goes_first_past_the_bound() -> None:
    cache: ReadCache[str, int] = ReadCache(60, max_entries=2, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_invalidating_one_key_or_everything() -> None:
    cache: ReadCache[str, int] = ReadCache(60, clock=Clock())
    for key, value in (("a", 1), ("b", 2), ("c", 3)):
        cache.put(key, value)
    cache.invalidate("a")
    assert (cache.get("a"), cache.get("b")) == (None, 2)
    cache.clear()
    assert (cache.get("b"), cache.get("c"), len(cache)) == (None, None, 0)


def test_zero_seconds_keeps_nothing() -> None:
    cache: ReadCache[str, int] = ReadCache(0, clock=Clock())
    cache.put("a", 1)
    assert cache.get("a") is None


async def test_a_miss_loads_once_and_then_hits() -> None:
    cache: ReadCache[str, str] = ReadCache(60, clock=Clock())
    loads: list[str] = []

    async def load() -> str:
        loads.append("db")
        return "snapshot v1"

    assert await cache.get_or_load("long-xuyen", load) == "snapshot v1"
    assert await cache.get_or_load("long-xuyen", load) == "snapshot v1"
    assert loads == ["db"]


async def test_a_value_loaded_across_an_invalidation_is_returned_but_not_kept() -> None:
    """The reader read the database before a commit; the commit's invalidation came while it
    was still serialising: its old answer must not outlive the invalidation."""
    cache: ReadCache[str, str] = ReadCache(60, clock=Clock())
    read, committed = asyncio.Event(), asyncio.Event()

    async def load_before_commit() -> str:
        read.set()
        await committed.wait()
        return "active"

    reader = asyncio.create_task(cache.get_or_load("91-2026-00001", load_before_commit))
    await read.wait()
    cache.clear()  # the revocation committed
    committed.set()
    assert await reader == "active"
    assert cache.get("91-2026-00001") is None

    async def load_after_commit() -> str:
        return "revoked"

    assert await cache.get_or_load("91-2026-00001", load_after_commit) == "revoked"
    assert cache.get("91-2026-00001") == "revoked"


async def test_concurrent_misses_wait_for_the_first_load() -> None:
    cache: ReadCache[str, str] = ReadCache(60, clock=Clock())
    release = asyncio.Event()
    loads = 0

    async def load() -> str:
        nonlocal loads
        loads += 1
        await release.wait()
        return "snapshot"

    readers = [asyncio.create_task(cache.get_or_load("tinh-bien", load)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*readers) == ["snapshot"] * 5
    assert loads == 1


async def test_a_waiter_does_not_inherit_a_failed_load() -> None:
    """The first request had a wrong key: the one waiting behind it loads with its own."""
    cache: ReadCache[str, str] = ReadCache(60, clock=Clock())
    release = asyncio.Event()

    async def refused() -> str:
        await release.wait()
        raise PermissionError("wrong key")

    async def allowed() -> str:
        return "snapshot"

    first = asyncio.create_task(cache.get_or_load("tinh-bien", refused))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.get_or_load("tinh-bien", allowed))
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(PermissionError):
        await first
    assert await second == "snapshot"
    assert cache.get("tinh-bien") == "snapshot"


async def settle() -> None:
    """Let the background refresh run (no I/O in these loads: a few loop turns finish it)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_value_lives_its_seconds_from_when_its_read_began() -> None:
    clock = Clock()
    cache: ReadCache[str, str] = ReadCache(2.0, clock=clock)

    async def slow_read() -> str:
        clock.now += 0.5  # the read takes half a second
        return "snapshot"

    await cache.get_or_load("tinh-bien", slow_read)
    clock.now += 1.499
    assert cache.get("tinh-bien") == "snapshot"
    clock.now += 0.001
    assert cache.get("tinh-bien") is None


async def test_a_busy_entry_is_renewed_in_the_background_before_it_expires() -> None:
    clock = Clock()
    cache: ReadCache[str, str] = ReadCache(1.0, clock=clock)
    loads = 0

    async def load() -> str:
        nonlocal loads
        loads += 1
        return f"v{loads}"

    assert await cache.get_or_load("tinh-bien", load) == "v1"
    clock.now += 0.4
    assert cache.get("tinh-bien") == "v1" and loads == 1  # not yet in the second half of its life
    clock.now += 0.4
    # still served while the reload runs; the reads in flight start one reload between them
    assert [cache.get("tinh-bien") for _ in range(5)] == ["v1"] * 5
    await settle()
    assert loads == 2 and cache.get("tinh-bien") == "v2"
    clock.now += 0.3  # past the first value's expiry: the renewed one lives on
    assert cache.get("tinh-bien") == "v2"


async def test_a_failed_renewal_leaves_the_entry_to_expire() -> None:
    clock = Clock()
    cache: ReadCache[str, str] = ReadCache(1.0, clock=clock)
    answers: list[str | Exception] = ["v1", ConnectionError("database restarting"), "v3"]

    async def load() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    await cache.get_or_load("tinh-bien", load)
    clock.now += 0.8
    assert cache.get("tinh-bien") == "v1"  # starts the renewal, which fails
    await settle()
    assert answers == ["v3"]
    clock.now += 0.2
    assert cache.get("tinh-bien") is None
    assert await cache.get_or_load("tinh-bien", load) == "v3"


metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
certificates = Table("certificates", metadata, Column("id", Integer, primary_key=True),
                     Column("status", String(20), nullable=False))
notices = Table("notices", metadata, Column("id", Integer, primary_key=True))


async def test_a_commit_reports_the_tables_it_wrote(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    committed: list[frozenset[str]] = []

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, outbox_table=outbox, inbox_table=inbox, producer="test",
                          clock=ManualClock(datetime(2026, 6, 1, tzinfo=UTC)),
                          on_tables_committed=committed.append)

    try:
        async with uow() as work:
            await work.session.execute(insert(certificates).values(id=1, status="active"))
            await work.session.execute(insert(notices).values(id=1))
            await work.commit()
        async with uow() as work:
            await work.session.execute(update(certificates).values(status="revoked"))
            # not committed: rolled back, nothing to report
        async with uow() as work:
            await work.session.scalar(select(certificates.c.status))
            await work.commit()  # read only
        async with uow() as work:
            await work.session.execute(update(certificates).values(status="revoked"))
            await work.commit()
        assert committed == [frozenset({"certificates", "notices"}), frozenset({"certificates"})]
    finally:
        await engine.dispose()


async def test_what_a_transaction_keeps_is_made_once_and_ends_with_it(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = session_factory(engine)

    class Lookups(dict[str, int]):
        pass

    try:
        async with UnitOfWork(sessions, outbox_table=outbox, inbox_table=inbox, producer="test",
                              clock=ManualClock(datetime(2026, 6, 1, tzinfo=UTC))) as work:
            first = work.per_transaction(Lookups, Lookups)
            first["showrooms"] = 3
            assert work.per_transaction(Lookups, Lookups) is first, "one per transaction"
            await work.session.execute(insert(notices).values(id=7))
            await work.commit()
            after = work.per_transaction(Lookups, Lookups)
            assert after is not first and after == {}, "a commit ends what the transaction knew"
    finally:
        await engine.dispose()
