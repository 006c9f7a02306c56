"""`ocop rebuild` on the real stack: the projection is rebuilt from the topics beside the one in
use, which serves (and keeps applying events) until it is swapped for the rebuilt one in one
step; a rebuild killed with SIGKILL resumes where it stopped; trade keeps its showrooms and its
tills start again from a snapshot."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from test_trade_real_stack import SHOWROOMS, catalog, certified
from test_trade_real_stack import publish as publish_certificates

from bench.harness import Publisher, caught_up
from bench.scale import national_events
from helpers import api, default_people, wait_until
from ocop_cli.sandbox import ROOT, Sandbox, pg_dsn
from ocop_shared.contracts import topics
from ocop_shared.messaging.kafka_tools import read_topics_from_start
from ocop_shared.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

PRODUCTS = 2500  # about 10,000 events: the rebuild takes seconds, long enough to be caught mid-way


class Rebuilding:
    """`ocop rebuild <service> --mode kafka` as the operator runs it, on the sandbox."""

    def __init__(self, sandbox: Sandbox, service: str, log: Path) -> None:
        self.sandbox, self.service, self.log = sandbox, service, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Rebuilding:
        env = {**os.environ, **self.sandbox.env(self.service), "COLUMNS": "200"}
        command = [sys.executable, "-m", "ocop_cli.main", "rebuild", self.service, "--mode", "kafka"]
        self.proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        return self

    async def finished(self, timeout: float = 300) -> str:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            assert time.monotonic() < deadline, "the rebuild did not finish"
            await asyncio.sleep(0.2)
        output = self.log.read_text()
        assert self.proc.returncode == 0, output[-3000:]
        return output


async def query(sandbox: Sandbox, service: str, sql: str) -> Any:
    conn = await asyncpg.connect(f"{pg_dsn(sandbox.settings)}/{sandbox.databases[service]}")
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def schemas(sandbox: Sandbox, service: str) -> list[str]:
    conn = await asyncpg.connect(f"{pg_dsn(sandbox.settings)}/{sandbox.databases[service]}")
    try:
        return [r["nspname"] for r in await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild_%' OR nspname LIKE 'retired_%'")]
    finally:
        await conn.close()


async def catalog_events(sandbox: Sandbox, *, besides: str = "") -> int:
    """How many catalog events are on the topic (not counting catalog `besides`)."""
    found = await read_topics_from_start(sandbox.settings.kafka_access(None), [sandbox.namespace + topics.CATALOG])
    return sum(1 for m in found if json.loads(m.value)["payload"]["catalog_id"] != besides)


def registered(events: list[Any]) -> int:
    return sum(1 for e in events if e.type == "ProductRegistered")


async def publish(sandbox: Sandbox, events: list[Any]) -> None:
    async with Publisher(sandbox) as publisher:
        for start in range(0, len(events), 2000):
            await publisher.send_many(events[start:start + 2000])


@pytest.fixture
async def reporting(stack: Settings, tmp_path: Path) -> Any:
    async with Sandbox(stack, tmp_path, services=("reporting",)) as sandbox:
        history = list(national_events(PRODUCTS, PRODUCTS // 2))
        await publish(sandbox, history[:-200])
        process = sandbox.process("reporting").start()
        await process.wait_ready(timeout=120)
        await wait_until(lambda: caught_up(sandbox, ["reporting"]), timeout=300, what="reporting to catch up")
        yield sandbox, process, history


async def test_the_projection_in_use_serves_until_the_rebuilt_one_replaces_it_at_once(
        reporting: Any, tmp_path: Path) -> None:
    sandbox, process, history = reporting
    before = registered(history[:-200])
    assert await query(sandbox, "reporting", "SELECT count(*) FROM public.products") == before
    # a projection bug lost rows: the rebuild must bring them back
    await query(sandbox, "reporting", "DELETE FROM public.products WHERE product_id < '4'")
    broken = await query(sandbox, "reporting", "SELECT count(*) FROM public.products")
    assert 0 < broken < before
    rebuilding = Rebuilding(sandbox, "reporting", tmp_path / "rebuild.log").start()
    await publish(sandbox, history[-200:])  # events keep coming during the rebuild
    seen = set()
    while rebuilding.proc is not None and rebuilding.proc.poll() is None:
        seen.add(await query(sandbox, "reporting", "SELECT count(*) FROM public.products"))
        await asyncio.sleep(0.05)
    output = await rebuilding.finished()
    assert "swapped" in output, output[-2000:]
    assert seen <= set(range(broken, broken + registered(history[-200:]) + 1)) | {PRODUCTS}, (
        f"a half-built projection was visible: {sorted(seen)}")
    assert await query(sandbox, "reporting", "SELECT count(*) FROM public.products") == PRODUCTS
    assert await schemas(sandbox, "reporting") == [], "the rebuild's and the retired schema are gone"
    assert process.proc is not None and process.proc.poll() is None, "the service kept running"
    # the service applies new events to the swapped-in tables
    await publish(sandbox, list(national_events(20, 10)))  # new products (ids are random)
    await wait_until(lambda: caught_up(sandbox, ["reporting"]), timeout=120, what="reporting after the swap")
    assert await query(sandbox, "reporting", "SELECT count(*) FROM public.products") == PRODUCTS + 20


async def test_a_rebuild_killed_with_sigkill_resumes_where_it_stopped(reporting: Any, tmp_path: Path) -> None:
    sandbox, _process, history = reporting
    await query(sandbox, "reporting", "DELETE FROM public.scores")
    first = Rebuilding(sandbox, "reporting", tmp_path / "first.log").start()

    async def part_applied() -> bool:
        found = await schemas(sandbox, "reporting")
        try:
            return bool(found) and int(await query(sandbox, "reporting", f"SELECT count(*) FROM {found[0]}.inbox")) > 0
        except asyncpg.UndefinedTableError:  # its migrations are still running
            return False

    await wait_until(part_applied, timeout=120, interval=0.05, what="the rebuild to apply its first events")
    assert first.proc is not None
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(10)
    [schema] = await schemas(sandbox, "reporting")
    applied = int(await query(sandbox, "reporting", f"SELECT count(*) FROM {schema}.inbox"))
    total = len(history) - 200
    assert 0 < applied < total, f"killed mid-way: {applied} of {total} applied"
    assert await query(sandbox, "reporting", "SELECT count(*) FROM public.scores") == 0, "nothing swapped yet"

    second = Rebuilding(sandbox, "reporting", tmp_path / "second.log").start()
    output = await second.finished()
    assert f"resuming {schema}" in output.replace("Tiếp tục / ", "resuming "), output[-2000:]
    scored = sum(1 for e in history[:-200] if e.type == "Scored")
    assert await query(sandbox, "reporting", "SELECT count(*) FROM public.scores") == scored
    assert await query(sandbox, "reporting", "SELECT count(*) FROM public.inbox") == total, "each event once"
    assert await schemas(sandbox, "reporting") == []


async def test_trade_keeps_its_showrooms_and_tills_start_again_from_a_snapshot(
        stack: Settings, tmp_path: Path) -> None:
    async with Sandbox(stack, tmp_path, services=("registry", "trade")) as sandbox:
        default_people(sandbox.people())  # the office signs in through the stack's Keycloak
        try:
            await rebuild_trade(sandbox, tmp_path)
        finally:
            default_people(None)


# Over 40 lines: showrooms, a till, a damaged projection, the rebuild and what each keeps.
async def rebuild_trade(sandbox: Sandbox, tmp_path: Path) -> None:
    trade = sandbox.process("trade").start()
    registry = sandbox.process("registry").start()  # its relay publishes the office's grant
    await asyncio.gather(trade.wait_ready(), registry.wait_ready())
    products = [(str(uuid.uuid4()), str(uuid.uuid4()), f"91-2026-{n:05d}", f"Sản phẩm {n}") for n in range(300)]
    async with httpx.AsyncClient(base_url=trade.url, timeout=30) as client:
        office = await api(client).office()
        keys = {}
        for showroom in SHOWROOMS:
            created = await client.post("/trade/showrooms", headers=office, json=showroom)
            assert created.status_code == 201, created.text
            keys[showroom["id"]] = created.json()["api_key"]
        chosen = [p[0] for p in products[:40]]
        assert (await client.put("/trade/showrooms/long-xuyen/assortment", headers=office,
                                 json={"add": chosen})).status_code == 200
        await publish_certificates(sandbox, [certified(*p) for p in products])

        async def listed() -> bool:
            return len(await catalog(client, "tinh-bien")) == 300
        await wait_until(listed, timeout=120, what="300 products in Tịnh Biên")
        till = {"X-API-Key": keys["tinh-bien"]}
        old_cursor = (await client.get("/trade/pos/tinh-bien/catalog", headers=till)).json()["cursor"]
        announced = await catalog_events(sandbox)
        await query(sandbox, "trade", "DELETE FROM public.catalog_items WHERE catalog_id = 'tinh-bien' "
                                      "AND product_id < '8'")  # a projection bug lost items
        assert len(await catalog(client, "tinh-bien")) < 300

        rebuilding = Rebuilding(sandbox, "trade", tmp_path / "rebuild.log").start()
        late = {**SHOWROOMS[1], "id": "chau-doc", "name": "Điểm bán OCOP Châu Đốc"}  # opened meanwhile
        assert (await client.post("/trade/showrooms", headers=office, json=late)).status_code == 201
        await rebuilding.finished()

        assert {e["product_id"] for e in await catalog(client, "tinh-bien")} == {p[0] for p in products}
        assert {e["product_id"] for e in await catalog(client, "long-xuyen")} == set(chosen)
        assert {e["product_id"] for e in await catalog(client, "chau-doc")} == {p[0] for p in products}
        stale = await client.get("/trade/pos/tinh-bien/changes", headers=till, params={"cursor": old_cursor})
        assert stale.status_code == 410, "a till's cursor from before the rebuild asks for a snapshot"
        fresh = await client.get("/trade/pos/tinh-bien/catalog", headers=till)  # the same key still works
        assert fresh.status_code == 200 and len(fresh.json()["items"]) == 300
        # the late showroom's 300 entries were announced by the service that opened it
        assert await catalog_events(sandbox, besides="chau-doc") == announced, "the rebuild announced nothing again"
        assert await schemas(sandbox, "trade") == []
