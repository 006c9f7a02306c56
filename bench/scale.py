"""National scale: 20,000 products of 10,000 entities, through the topics into the reporting
projection and the trade catalogs; then the annual report and a showroom's full snapshot.

Figures (each with its baseline from the same run):
- replay: events per second the reporting and trade processes apply while catching up on the
  topics, against a raw aiokafka consumer only reading the same topics;
- report: seconds to build the annual report (JSON, XLSX, PDF), against raw asyncpg reading
  every row of the projection's tables;
- snapshot: a till's full catalog (size, seconds), against a bare uvicorn app serving the same
  bytes;
- memory: peak RSS of each process, against the same process idle before the events.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer

from ocop_cli.api_client import poll
from ocop_cli.sandbox import Sandbox, pg_dsn
from ocop_shared.contracts import Certified, EntityRegistered, ProductRegistered, ProductSubmitted, Scored
from ocop_shared.contracts.certification_events import CertifiedPayload
from ocop_shared.contracts.common import EntityFacts, EvaluationCase, LegalForm, Level
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.contracts.registry_events import (
    EntityRegisteredPayload,
    ProductRegisteredPayload,
    ProductSubmittedPayload,
)
from ocop_shared.contracts.scoring_events import ScoredPayload
from ocop_shared.messaging.outbox import new_event
from ocop_shared.settings import Settings

from .harness import CLOCK, Figure, Office, Publisher, Result, caught_up, rss_mib, start_services

PRODUCTS = int(os.environ.get("BENCH_SCALE_PRODUCTS", "20000"))
ENTITIES = PRODUCTS // 2
COMMUNES = ("30316", "30307", "30544", "30520", "30376", "30538", "30337", "30568", "30535", "30280")
FORMS = (LegalForm.HOUSEHOLD, LegalForm.ENTERPRISE_LLC, LegalForm.COOPERATIVE, LegalForm.ENTERPRISE_JSC)


def national_events(products: int = PRODUCTS, entity_count: int = ENTITIES) -> Iterator[Envelope[Any]]:
    """Entities, then each product's registration, submission, province result and (3 stars
    and up) certificate, as the services would publish them; seeded, so every run is the same."""
    rng = random.Random(2026)
    entities = []
    for n in range(entity_count):
        entity_id = str(uuid.uuid4())
        form, commune = rng.choice(FORMS), rng.choice(COMMUNES)
        entities.append(EntityFacts(entity_id=entity_id, name=f"Chủ thể {n}", legal_form=form,
                                    commune_code=commune, province_code="91"))
        yield new_event(EntityRegistered, EntityRegisteredPayload(
            entity_id=entity_id, name=f"Chủ thể {n}", legal_form=form, registration_no=f"R{n}",
            commune_code=commune, province_code="91", commune_name="Phường Châu Đốc"),
            aggregate_id=entity_id, aggregate_version=1, producer="registry", clock=CLOCK)
    today = date.today()
    for n in range(products):
        entity = entities[n % entity_count]
        product_id, submission_id, evaluation_id = (str(uuid.uuid4()) for _ in range(3))
        set_no, name = rng.randint(1, 25), f"Sản phẩm {n}"
        stars = rng.choices((2, 3, 4, 5), weights=(15, 55, 27, 3))[0]
        yield new_event(ProductRegistered, ProductRegisteredPayload(
            product_id=product_id, entity_id=entity.entity_id, name=name, product_set_no=set_no,
            commune_code=entity.commune_code, province_code="91"),
            aggregate_id=product_id, aggregate_version=1, producer="registry", clock=CLOCK)
        yield new_event(ProductSubmitted, ProductSubmittedPayload(
            product_id=product_id, submission_id=submission_id, round_id="AG-2026-R1",
            case=EvaluationCase.FIRST, product_name=name, product_set_no=set_no,
            regulation="26/2026/QĐ-TTg", entity=entity),
            aggregate_id=product_id, aggregate_version=2, producer="registry", clock=CLOCK)
        yield new_event(Scored, ScoredPayload(
            evaluation_id=evaluation_id, product_id=product_id, submission_id=submission_id,
            round_id="AG-2026-R1", case=EvaluationCase.FIRST, regulation="26/2026/QĐ-TTg",
            level=Level.PROVINCE, recognising=True, stars=stars, mean_score=Decimal(20 * stars - 5),
            part_scores={"A": Decimal(30)}, council_decision_ref="QĐ 1/QĐ-UBND", product_name=name,
            product_set_no=set_no, entity_id=entity.entity_id, entity_name=entity.name,
            commune_code=entity.commune_code, province_code="91"),
            aggregate_id=evaluation_id, aggregate_version=1, producer="scoring", clock=CLOCK)
        if stars >= 3:
            certificate_id = str(uuid.uuid4())
            yield new_event(Certified, CertifiedPayload(
                certificate_id=certificate_id, number=f"91-2026-{n:06d}", product_id=product_id,
                product_code=f"91-{entity.commune_code}-{n}-2026", product_name=name,
                entity_id=entity.entity_id, entity_name=entity.name, stars=stars,
                regulation="26/2026/QĐ-TTg", decision_no="QĐ 1/QĐ-UBND", issued_on=today,
                valid_until=today + timedelta(days=1095), authority="UBND tỉnh An Giang",
                verification_url=f"http://127.0.0.1/verify/91-2026-{n:06d}"),
                aggregate_id=certificate_id, aggregate_version=1, producer="certification", clock=CLOCK)


async def raw_read(settings: Settings, topics: list[str], count: int) -> float:
    """Events per second a bare aiokafka consumer reads the same topics."""
    consumer = AIOKafkaConsumer(*topics, **settings.kafka_access(None).aiokafka(), group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        seen, started = 0, time.perf_counter()
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            seen += sum(len(b) for b in batches.values())
        return count / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def raw_rows(sandbox: Sandbox) -> float:
    conn = await asyncpg.connect(f"{pg_dsn(sandbox.settings)}/{sandbox.databases['reporting']}")
    try:
        started = time.perf_counter()
        for table in ("entities", "products", "submissions", "scores", "certificate_events", "listings"):
            await conn.fetch(f"SELECT * FROM {table}")
        return time.perf_counter() - started
    finally:
        await conn.close()


# Over 60 lines: the benchmark's phases share their timers and counters.
async def run(settings: Settings, workdir: Path) -> Result:
    sandbox = Sandbox(settings, workdir, services=["reporting", "trade"], prefix="b")
    await sandbox.create_databases()
    figures: list[Figure] = []
    details: dict[str, Any] = {"products": PRODUCTS, "entities": ENTITIES}
    try:
        events = list(national_events())
        certified = sum(isinstance(e, Certified) for e in events)
        details["events_published"] = len(events)
        services = await start_services(sandbox, ["reporting", "trade"], OCOP_CONSUMER_BATCH_SIZE="500")
        pids = {name: p.proc.pid for name, p in services.items() if p.proc is not None}
        idle = {name: rss_mib(pid) for name, pid in pids.items()}
        peak = dict(idle)
        office_of = await Office(sandbox).start(services)
        async with httpx.AsyncClient(base_url=services["trade"].url, timeout=600) as trade:
            office = await office_of.headers()
            key = {"X-API-Key": (await trade.post("/trade/showrooms", headers=office, json={
                "id": "quoc-gia", "name": "Điểm bán toàn quốc", "location_type": "trade_centre",
                "address": "Hà Nội", "operator": "Thử tải", "carries_all": True})).json()["api_key"]}
            started = time.perf_counter()
            async with Publisher(sandbox) as publisher:
                for start in range(0, len(events), 5000):
                    await publisher.send_many(events[start:start + 5000])

            async def applied() -> bool:
                for name, pid in pids.items():
                    peak[name] = max(peak[name], rss_mib(pid))
                return await caught_up(sandbox, ["trade", "reporting"])

            await poll(applied, seconds=3600, what="the projections to catch up")
            catch_up = time.perf_counter() - started
            applied = len(events) + 2 * certified  # reporting: all + trade's catalog events; trade: Certified
            raw = await raw_read(settings, [sandbox.namespace + t for t in
                                            ("ocop.registry.entity.v1", "ocop.registry.product.v1",
                                             "ocop.scoring.evaluation.v1", "ocop.certification.certificate.v1")],
                                 len(events))
            figures.append(Figure("replay", "events/s", round(raw, 1), round(applied / catch_up, 1), "", None))
            details["catch_up_seconds"] = round(catch_up, 1)

            snap_started = time.perf_counter()
            snapshot = await trade.get("/trade/pos/quoc-gia/catalog", headers=key)
            snap_seconds = time.perf_counter() - snap_started
            details["snapshot_items"] = len(snapshot.json()["items"])
            details["snapshot_bytes"] = len(snapshot.content)
        async with httpx.AsyncClient(base_url=services["reporting"].url, timeout=600) as reporting:
            baseline_rows = await raw_rows(sandbox)
            for fmt in ("json", "xlsx", "pdf"):
                t0 = time.perf_counter()
                r = await reporting.get(f"/reporting/reports/{date.today().year}/annual",
                                        headers=await office_of.headers(),
                                        params={"format": fmt})
                seconds = time.perf_counter() - t0
                peak["reporting"] = max(peak["reporting"], rss_mib(pids["reporting"]))
                if r.status_code != 200:
                    raise RuntimeError(f"report {fmt}: {r.status_code} {r.text[:200]}")
                if fmt == "json":
                    details["report_evaluated"] = r.json()["summary"]["evaluated"]
                details[f"report_{fmt}_bytes"] = len(r.content)
                figures.append(Figure(f"annual report {fmt}", "s", round(baseline_rows, 3), round(seconds, 3),
                                      "", None, higher_is_better=False))
        bare_seconds = await _bare_get(snapshot.content, workdir)
        figures.append(Figure("snapshot of 16k products", "s", round(bare_seconds, 3), round(snap_seconds, 3),
                              "", None, higher_is_better=False))
        for name in pids:
            figures.append(Figure(f"{name} peak RSS", "MiB", round(idle[name], 1), round(peak[name], 1), "", None,
                                  higher_is_better=False))
    finally:
        for process in sandbox.processes:
            process.kill()
        await sandbox.remove()
    return Result("national-scale", f"National scale: {PRODUCTS:,} products of {ENTITIES:,} entities",
                  "raw aiokafka read / raw asyncpg read of the projection / bare app / idle process",
                  "reporting and trade processes catching up, the annual report, a full till snapshot",
                  figures, details)


async def _bare_get(body: bytes, workdir: Path) -> float:
    from .http import serve_bare

    async with serve_bare(body, workdir) as url:
        async with httpx.AsyncClient(timeout=60) as client:
            await client.get(url)
            started = time.perf_counter()
            await client.get(url)
            return time.perf_counter() - started
