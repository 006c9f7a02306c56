"""Trade applies a batch of certificate events set-based: the statements it sends do not grow
with the batch (the products, catalog membership, items and versions are read and written in
bulk), and the catalogs come out as if the events had been applied one by one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from trade_platform import Certification, setup

from helpers import as_role, running_platform
from ocop_shared.auth import Role
from ocop_shared.messaging.processor import EventProcessor, Outcome
from ocop_shared.messaging.transport import InboundMessage
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.settings import Settings


class Collected(Certification):
    """Certificate events as the certification service makes them, kept instead of published."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.events: list[Any] = []

    async def publish(self, event: Any) -> None:
        self.events.append(event)

    def take(self) -> list[InboundMessage]:
        taken, self.events = self.events, []
        return [InboundMessage(topic=e.topic, partition=0, offset=n, key=e.aggregate_id, value=e.to_json_bytes())
                for n, e in enumerate(taken)]


@contextmanager
def statements(runtime: ServiceRuntime) -> Iterator[list[str]]:
    """The SQL this task sends while open (not the service's background jobs')."""
    sent: list[str] = []
    this = asyncio.current_task()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if asyncio.current_task() is this:  # SQLAlchemy's greenlet runs inside the awaiting task
            sent.append(statement)

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(runtime.engine.sync_engine, "before_cursor_execute", count)


@asynccontextmanager
async def trade_with_probe(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime, EventProcessor]]:
    """Trade with the demo's showrooms, and a processor of its own handlers that the test hands
    batches to directly (its batch preparer included)."""
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, runtimes):
        trade = next(r for r in runtimes if r.name == "trade")
        await setup(client, settings)
        yield client, trade, EventProcessor("trade-batch-probe", trade.parts.handlers, trade.uow,
                                            trade.transport.producer("probe-dlq"),
                                            prepare=trade.parts.prepare_batch)


async def entries(client: httpx.AsyncClient, catalog: str) -> set[str]:
    return {e["product_id"] for e in (await client.get(f"/trade/catalogs/{catalog}")).json()["entries"]}


# Over 40 lines: two batch sizes of each kind of event, and the catalogs they leave.
async def test_a_batch_costs_the_same_statements_whatever_its_size(tmp_path: Path) -> None:
    source = Collected(tmp_path)
    async with trade_with_probe(tmp_path) as (client, trade, processor):
        small = [await source.certify(f"Sản phẩm nhỏ {n}") for n in range(5)]
        big_ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(60)]
        office = await as_role(client, Role.PROVINCE_OFFICE)
        chosen = await client.put("/trade/showrooms/long-xuyen/assortment", headers=office,
                                  json={"add": big_ids[::2]})  # a showroom choosing one product in two
        assert chosen.status_code == 200, chosen.text

        with statements(trade) as certified_small:
            assert await processor.process_batch(source.take()) == [Outcome.PROCESSED] * 5
        big = [await source.certify(f"Sản phẩm lớn {n}", product_id=p) for n, p in enumerate(big_ids)]
        with statements(trade) as certified_big:
            assert await processor.process_batch(source.take()) == [Outcome.PROCESSED] * 60
        assert len(certified_big) == len(certified_small), "\n----\n".join(
            s.split("\n")[0][:80] for s in certified_big)
        assert await entries(client, "long-xuyen") == set(big_ids[::2])
        assert len(await entries(client, "province")) == len(await entries(client, "tinh-bien")) == 65

        for cert in small:
            await source.revoke(cert)
        with statements(trade) as revoked_small:
            await processor.process_batch(source.take())
        for cert in big[:30]:
            await source.revoke(cert)
        for cert in big[30:]:
            await source.expire(cert)
        with statements(trade) as ended_big:
            assert await processor.process_batch(source.take()) == [Outcome.PROCESSED] * 60
        assert len(ended_big) == len(revoked_small), (revoked_small, ended_big)
        assert len(ended_big) < 30, "a batch is a few statements, not a few per event"

        assert await entries(client, "province") == set() == await entries(client, "tinh-bien")
        assert await entries(client, "long-xuyen") == set()


async def test_a_batch_leaves_the_catalogs_one_by_one_would(tmp_path: Path) -> None:
    """Within one batch: a product certified, revoked and certified again with a newer
    certificate; another certified then expired; a third certified twice (redelivered)."""
    source = Collected(tmp_path)
    async with trade_with_probe(tmp_path) as (client, _trade, processor):
        first = await source.certify("Mắm cá linh")
        await source.revoke(first)
        again = await source.certify("Mắm cá linh", product_id=first["product_id"], issued_on=date(2026, 12, 1))
        short = await source.certify("Khô cá lóc")
        await source.expire(short)
        kept = await source.certify("Đường thốt nốt")
        messages = source.take()
        outcomes = await processor.process_batch([*messages, messages[-1]])
        assert outcomes == [Outcome.PROCESSED] * 6 + [Outcome.DUPLICATE]
        assert await entries(client, "province") == {first["product_id"], kept["product_id"]}
        assert await entries(client, "tinh-bien") == {first["product_id"], kept["product_id"]}
        listed = {e["product_id"]: e for e in (await client.get("/trade/catalogs/province")).json()["entries"]}
        assert listed[first["product_id"]]["certificate_number"] == again["number"]
