"""Events chain: products per second from a council result on its topic to the change a till
reads, through certification and trade, with no council HTTP work in the figure.

Subject: `Scored` events (recognising 4★ province results, as scoring publishes them) injected
at the head; certification keeps each result until the recognition decision (the office signs
the waiting results every second, as an office would in batches: the certificates are issued in
the signing transaction, their PDFs rendered afterwards by the document job, off the consumer
path) and publishes `Certified`; trade lists the product in every catalog carrying it; the clock
stops when a till of a showroom carrying every product has read the last product's change
(`GET /trade/pos/{id}/changes?wait=30`, the push channel).

Baselines (bench/chain.py, same run, same number of messages): the guaranteed chain, three hops
keeping the delivery guarantees (inbox, effect and outbox rows in one transaction, a relay) in
plain asyncpg, which the goal is set against; and the raw chain (consume, insert, produce).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx

from ocop_cli.api_client import poll
from ocop_cli.sandbox import Sandbox

from . import chain
from .harness import (
    Figure,
    Office,
    Publisher,
    Result,
    certificate_pdfs_stored,
    cpu_seconds,
    office_decides,
    scored,
    start_services,
)

PRODUCTS = int(os.environ.get("BENCH_CHAIN_PRODUCTS", "1000"))
SERVICES = ("certification", "trade")
SHOWROOM = {"id": "cho-noi", "name": "Điểm bán OCOP chợ nổi", "location_type": "tourist_site",
            "address": "Chợ nổi Long Xuyên", "operator": "HTX Chợ nổi", "carries_all": True}


class Till:
    """A till of a showroom carrying everything, long-polling its changes as they are pushed."""

    def __init__(self, trade_url: str, key: str) -> None:
        self.client = httpx.AsyncClient(base_url=trade_url, timeout=60, headers={"X-API-Key": key})
        self.listed: set[str] = set()
        self.cursor = ""

    async def snapshot(self) -> None:
        body = (await self.client.get(f"/trade/pos/{SHOWROOM['id']}/catalog")).json()
        self.cursor = body["cursor"]
        self.listed = {item["product_id"] for item in body["items"]}

    async def follow_until(self, expected: set[str]) -> float:
        """When the last of `expected` reached the till (time.perf_counter)."""
        while not expected <= self.listed:
            r = await self.client.get(f"/trade/pos/{SHOWROOM['id']}/changes",
                                      params={"cursor": self.cursor, "wait": 30})
            r.raise_for_status()
            body = r.json()
            self.listed |= {c["product_id"] for c in body["changes"] if c["kind"] == "upsert"}
            self.cursor = body["cursor"]
        return time.perf_counter()


# Over 40 lines: the run's phases share the sandbox, its processes, the office and the till.
async def subject(sandbox: Sandbox) -> tuple[float, dict[str, Any]]:
    services = await start_services(sandbox, SERVICES)
    office = await Office(sandbox).start(services)
    async with httpx.AsyncClient(base_url=services["trade"].url, timeout=30) as client:
        created = await client.post("/trade/showrooms", headers=await office.headers(), json=SHOWROOM)
        created.raise_for_status()
        till = Till(services["trade"].url, created.json()["api_key"])
    results = [scored(n) for n in range(PRODUCTS + 1)]
    warm_up, bench = results[0], results[1:]
    expected = {e.payload.product_id for e in bench}
    async with Publisher(sandbox) as publisher:
        await till.snapshot()
        await publisher.send(warm_up)
        reached = asyncio.create_task(till.follow_until({warm_up.payload.product_id}))
        await office_decides(services["certification"].url, office, lambda: _done(reached))
        await till.snapshot()
        cpu_before = {name: cpu_seconds(p.proc.pid) for name, p in services.items() if p.proc}
        started = time.perf_counter()
        await publisher.send_many(bench)
    following = asyncio.create_task(till.follow_until(expected))
    deciding = asyncio.create_task(office_decides(services["certification"].url, office, lambda: _done(following)))
    finished = await asyncio.wait_for(following, timeout=3600)
    await deciding
    await till.client.aclose()
    await poll(lambda: certificate_pdfs_stored(sandbox), seconds=1200, what="every certificate's PDF")
    details: dict[str, Any] = {
        "last_pdf_stored_after_s": round(time.perf_counter() - started, 1),
        "cpu_ms_per_product": {name: round((cpu_seconds(p.proc.pid) - cpu_before[name]) * 1000 / PRODUCTS, 1)
                               for name, p in services.items() if p.proc}}
    return PRODUCTS / (finished - started), details


async def _done(task: asyncio.Task[float]) -> bool:
    return task.done()


async def run(settings: Any, workdir: Path) -> Result:
    messages = [e.to_json_bytes() for e in (scored(n) for n in range(PRODUCTS))]
    await chain.products_per_second(settings, messages, guaranteed=False)  # warms the broker up
    raw = await chain.products_per_second(settings, messages, guaranteed=False)
    guaranteed = await chain.products_per_second(settings, messages, guaranteed=True)
    sandbox = Sandbox(settings, workdir, services=list(SERVICES), prefix="b")
    await sandbox.create_databases()
    try:
        rate, details = await subject(sandbox)
    finally:
        await sandbox.remove()
    return Result("events-chain", f"Events chain: {PRODUCTS:,} council results to a till's change",
                  "three hops keeping the delivery guarantees (inbox, outbox, relay) in plain asyncpg, "
                  "same messages (bench/chain.py); the raw chain for reference",
                  "Scored injected → certification (decision signed every second; PDFs after) → Certified "
                  "→ trade → a till's pushed change",
                  [Figure("results to a till's change", "products/s", round(guaranteed, 1), round(rate, 1),
                          "≥ 0.25 of the guaranteed chain", rate >= 0.25 * guaranteed),
                   Figure("guaranteed chain vs raw chain", "products/s", round(raw, 1), round(guaranteed, 1),
                          "", None)],
                  {"products": PRODUCTS, **details})
