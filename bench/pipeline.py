"""Pipeline throughput: products per second from `ProductSubmitted` to a catalog entry, against
a raw aiokafka consume -> PostgreSQL insert -> produce chain with as many hops.

Subject: scoring, certification and trade, each its own process on the real stack. The bench
publishes `ProductSubmitted` the way the registry does; scoring opens an evaluation; a
province council (5 members, established before the run) scores each one over the scoring
API with generated sheets (4 voting sheets, then the chair's finalisation), several councils'
work in flight at once; `Scored` reaches certification, where it waits for the province's
recognition decision (the office signs the waiting results every second, as an office would in
batches), which issues the certificate (PDF to S3); `Certified` reaches trade, which lists the
product in the province catalog. The clock
stops when every product's `CatalogEntryAdded` is on its topic.

Baselines (bench/chain.py): the same number of the same `ProductSubmitted` messages through
three hops, each a consumer group that inserts every message into PostgreSQL (one transaction
per batch) and produces it to the next topic - the ceiling of "consume, write, publish" on this
machine; and the same hops keeping the delivery guarantees (inbox, outbox and relay), to show
what the guarantees cost before any of our code. The details give the machine CPU a product
may cost for the pipeline to reach half the raw chain, next to what each service costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from ocop_cli.api_client import OcopClient, band_of, choices_for_total, member_totals, poll
from ocop_cli.sandbox import Sandbox, ServiceProcess
from ocop_shared.contracts import ProductSubmitted, topics
from ocop_shared.contracts.common import EntityFacts, EvaluationCase, LegalForm
from ocop_shared.contracts.registry_events import ProductSubmittedPayload
from ocop_shared.messaging.outbox import new_event
from ocop_shared.settings import Settings

from . import chain
from .harness import (
    CLOCK,
    Figure,
    Office,
    OfficePeople,
    Publisher,
    Result,
    certificate_pdfs_stored,
    cpu_seconds,
    machine_cpu_seconds,
    office_decides,
    start_services,
)

PRODUCTS = int(os.environ.get("BENCH_PIPELINE_PRODUCTS", "1000"))
COUNCILS_AT_ONCE = 8
ROUND = "AG-2026-BENCH"
MEAN = "74.25"  # 4 stars: every product reaches the catalog
SET_NO = 8


def submissions(count: int, run: str) -> list[ProductSubmitted]:
    events = []
    for index in range(count):
        entity = EntityFacts(entity_id=str(uuid.uuid4()), name=f"Chủ thể {run}{index}",
                             legal_form=LegalForm.COOPERATIVE, commune_code="30316", province_code="91")
        product_id = str(uuid.uuid4())
        events.append(new_event(ProductSubmitted, ProductSubmittedPayload(
            product_id=product_id, submission_id=str(uuid.uuid4()), round_id=ROUND,
            case=EvaluationCase.FIRST, product_name=f"Sản phẩm {run}{index}", product_set_no=SET_NO,
            regulation="26/2026/QĐ-TTg", entity=entity),
            aggregate_id=product_id, aggregate_version=2, producer="registry", clock=CLOCK))
    return events


class Milestones:
    """Reads the pipeline's topics as a department system would, hands opened evaluations to
    the councils and notes when the last product passed each stage."""

    STAGES = (("EvaluationOpened", "opened"), ("Scored", "scored"), ("Certified", "certified"),
              ("CatalogEntryAdded", "listed"))

    def __init__(self, sandbox: Sandbox, expected: set[str]) -> None:
        self.consumer = AIOKafkaConsumer(
            *(sandbox.namespace + t for t in (topics.EVALUATION, topics.CERTIFICATE, topics.CATALOG)),
            **sandbox.settings.kafka_access(None).aiokafka(), group_id=None,
            auto_offset_reset="earliest", enable_auto_commit=False)
        self.expected = expected
        self.seen: dict[str, set[str]] = {stage: set() for _, stage in self.STAGES}
        self.finished: dict[str, float] = {}
        self.opened: asyncio.Queue[str] = asyncio.Queue()
        self.done = asyncio.Event()

    async def run(self) -> None:
        await self.consumer.start()
        try:
            while not self.done.is_set():
                batches = await self.consumer.getmany(timeout_ms=200, max_records=2000)
                for record in (r for batch in batches.values() for r in batch):
                    self._note(json.loads(record.value))
        finally:
            await self.consumer.stop()

    def _note(self, event: dict[str, Any]) -> None:
        stage = dict(self.STAGES).get(event["type"])
        product_id = event["payload"].get("product_id")
        if stage is None or product_id not in self.expected or product_id in self.seen[stage]:
            return
        self.seen[stage].add(product_id)
        if stage == "opened":
            self.opened.put_nowait(event["payload"]["evaluation_id"])
        if len(self.seen[stage]) == len(self.expected):
            self.finished[stage] = time.perf_counter()
            if stage == "listed":
                self.done.set()


class Council:
    """The province council of the round, scoring an evaluation with generated sheets."""

    def __init__(self, client: OcopClient, council: dict[str, Any]) -> None:
        self.client = client
        self.voters = [m for m in council["members"] if m["role"] != "secretary"]
        self.chair = next(m for m in council["members"] if m["role"] == "chair")
        self.choices: list[dict[str, int]] = []
        self.requests = 0

    async def learn_sheet(self, evaluation_id: str) -> None:
        headers = await self.client.council_member_headers(self.voters[0])
        sheet = (await self.client.http.get(f"/scoring/evaluations/{evaluation_id}/sheet",
                                            headers=headers)).json()
        totals = member_totals(MEAN, len(self.voters))
        band = band_of(Decimal(MEAN))
        self.choices = [choices_for_total(sheet, total, band) for total in totals]

    async def score(self, evaluation_id: str) -> None:
        for member, choices in zip(self.voters, self.choices, strict=True):
            await self._post(f"/scoring/evaluations/{evaluation_id}/sheet/submission", member,
                             {"product_set_no": SET_NO, "choices": choices})
        await self._post(f"/scoring/evaluations/{evaluation_id}/finalisation", self.chair,
                         {"decision_ref": "BB 1/HĐ-OCOP"})

    async def _post(self, path: str, member: dict[str, Any], body: dict[str, Any]) -> None:
        self.requests += 1
        r = await self.client.http.post(path, headers=await self.client.council_member_headers(member),
                                        json=body)
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")

    async def work(self, queue: asyncio.Queue[str]) -> None:
        while True:
            await self.score(await queue.get())


async def subject(settings: Settings, workdir: Path) -> tuple[float, dict[str, Any]]:
    sandbox = Sandbox(settings, workdir, services=["scoring", "certification", "trade"], prefix="b")
    await sandbox.create_databases()
    try:
        services = await start_services(sandbox, ["scoring", "certification", "trade"])
        async with httpx.AsyncClient(base_url=services["scoring"].url, timeout=120) as http:
            office = await Office(sandbox).start(services)
            client = OcopClient(http, OfficePeople(office))
            warm_up = submissions(1, "warm-up-")
            bench = submissions(PRODUCTS, "")
            async with Publisher(sandbox) as publisher:
                await publisher.send(warm_up[0])
                first = await client.open_evaluation(warm_up[0].payload.product_id)
                established = await client.ensure_council(ROUND)  # later evaluations get it by default
                council = Council(client, established)
                await http.put(f"/scoring/evaluations/{first['id']}/council", headers=await client.office(),
                               json={"council_id": established["id"]})
                await council.learn_sheet(first["id"])
                await council.score(first["id"])
                milestones = Milestones(sandbox, {e.payload.product_id for e in bench})
                watcher = asyncio.create_task(milestones.run())
                warm = Milestones(sandbox, {warm_up[0].payload.product_id})
                deciding = asyncio.create_task(office_decides(services["certification"].url, office,
                                                              lambda: _done(warm)))
                await _until(warm, "the warm-up product to reach the catalog")
                await deciding
                started = time.perf_counter()
                cpu_before = _cpu(services)
                await publisher.send_many(bench)
            workers = [asyncio.create_task(council.work(milestones.opened)) for _ in range(COUNCILS_AT_ONCE)]
            workers.append(asyncio.create_task(office_decides(  # the province signs as results come
                services["certification"].url, office, lambda: _done(milestones))))
            try:
                await asyncio.wait_for(_watch(watcher, milestones, workers), timeout=3600)
            finally:
                for task in workers:
                    task.cancel()
        await poll(lambda: certificate_pdfs_stored(sandbox), seconds=600, what="every certificate's PDF")
        pdfs_stored_after = time.perf_counter() - started
        cpu_after = _cpu(services)  # the PDFs' work included
        elapsed = milestones.finished["listed"] - started
        details: dict[str, Any] = {f"last_{stage}_after_s": round(at - started, 1)
                                   for stage, at in milestones.finished.items()}
        details["cpu_ms_per_product"] = {
            name: round((cpu_after[name] - cpu_before[name]) * 1000 / PRODUCTS, 1) for name in cpu_before}
        details["last_pdf_stored_after_s"] = round(pdfs_stored_after, 1)  # rendered after issue
        details["council_requests"] = council.requests
        return PRODUCTS / elapsed, details
    finally:
        for process in sandbox.processes:
            process.kill()
        await sandbox.remove()


def _cpu(services: dict[str, ServiceProcess]) -> dict[str, float]:
    """CPU seconds used so far by each service and by the whole machine (broker, database and
    this bench included)."""
    used = {name: cpu_seconds(process.proc.pid) for name, process in services.items() if process.proc}
    return {**used, "machine": machine_cpu_seconds()}


async def _until(milestones: Milestones, what: str) -> None:
    task = asyncio.create_task(milestones.run())
    await poll(lambda: _done(milestones), seconds=120, what=what)
    await task


async def _done(milestones: Milestones) -> bool:
    return milestones.done.is_set()


async def _watch(watcher: asyncio.Task[None], milestones: Milestones, workers: Iterable[asyncio.Task[None]]) -> None:
    """Wait for the last catalog entry; a council worker's failure ends the run with its error."""
    while not milestones.done.is_set():
        for task in (watcher, *workers):
            if task.done() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        await asyncio.sleep(0.2)
    await watcher


async def run(settings: Settings, workdir: Path) -> Result:
    messages = [e.to_json_bytes() for e in submissions(PRODUCTS, "chain-")]
    await chain.products_per_second(settings, messages, guaranteed=False)  # warms the broker up
    raw = await chain.products_per_second(settings, messages, guaranteed=False)
    guaranteed = await chain.products_per_second(settings, messages, guaranteed=True)
    products_per_second, details = await subject(settings, workdir)
    cpus = os.cpu_count() or 1
    details["machine_cpu_ms_per_product_at_goal"] = round(cpus * 1000 / (0.5 * raw), 2)
    return Result("pipeline-throughput", f"Pipeline: {PRODUCTS:,} products from submission to the catalog",
                  "raw aiokafka consume -> PostgreSQL insert -> produce, three hops, same messages; "
                  "the same hops keeping the delivery guarantees (inbox, outbox, relay) in plain asyncpg",
                  "scoring (council sheets over its API), certification (certificate PDF to S3), trade",
                  [Figure("products through the pipeline", "products/s", round(raw, 1),  # a regression number:
                          round(products_per_second, 1), "", None),  # the messaging goal is events-chain's
                   Figure("products through the pipeline vs guaranteed chain", "products/s",
                          round(guaranteed, 1), round(products_per_second, 1), "", None),
                   Figure("guaranteed chain vs raw chain", "products/s", round(raw, 1),
                          round(guaranteed, 1), "", None)],
                  {"products": PRODUCTS, "councils_at_once": COUNCILS_AT_ONCE, **details})
