"""`make faults`: the platform under faults on the real stack, then a check that nothing was lost.

Kafka is the three-broker cluster (`deploy/stack.sh up --cluster`: replication factor 3,
min.insync.replicas 2). While 5,000 council results (`Scored`, as the scoring service publishes
them) stream in for three minutes and certification issues certificates (PDFs to S3) that trade
lists in catalogs, the run: SIGKILLs each service at a random moment and restarts it; SIGKILLs
the broker leading the busiest partition, then the active controller; keeps one broker down for
60 s; restarts all three brokers one after another; stops
the S3 server while dossier uploads are going on, restarts PostgreSQL, and slows trade's
database link through a TCP proxy the whole time; revocations go through the certification
API meanwhile, and the office signs the recognition decisions of what arrived every two seconds
(a signature lost to a fault is signed on the next pass). After recovery it checks: every
result reached certification exactly once,
one certificate per recognised product, every catalog equal to what the certificates imply
(revoked ones gone), each catalog entry added once, every upload stored, every dead letter
explained, no partition left under-replicated. It prints a table (fault, when, check, outcome)
and writes bench/results/faults.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from ocop_cli.api_client import OcopClient, pdf_document, poll
from ocop_cli.sandbox import ROOT, Sandbox, ServiceProcess, pg_dsn
from ocop_shared.messaging.kafka_tools import read_topics_from_start
from ocop_shared.settings import Settings

from .broker_faults import Brokers
from .harness import Office, Publisher, caught_up, certificate_pdfs_stored, office_decides, scored
from .machine import describe
from .proxy import LatencyProxy

PRODUCTS = int(os.environ.get("OCOP_FAULT_PRODUCTS", "5000"))
STREAM_SECONDS = 180.0  # results keep coming through every broker fault
REVOCATIONS = 100
SERVICES = ("registry", "scoring", "certification", "trade")
RESULTS = Path(__file__).parent / "results"
KAFKA_SHAPE = ("3 KRaft nodes (combined broker + controller), replication factor 3, min.insync.replicas 2; "
               "producers acks=all with idempotence")
STACK = str(ROOT / "deploy" / "stack.sh")


@dataclass
class Row:
    kind: str  # fault | check
    name: str
    when: str
    detail: str
    ok: bool


class Run:
    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.settings = settings
        self.sandbox = Sandbox(settings, workdir, services=SERVICES, prefix="f")
        self.rows: list[Row] = []
        self.started = time.monotonic()
        self.rng = random.Random(int(os.environ.get("OCOP_FAULT_SEED", "2026")))
        self.processes: dict[str, ServiceProcess] = {}
        self.office = Office(self.sandbox)
        self.uploads_wanted = 0
        self.uploads_stored = 0
        self.revoked: set[str] = set()
        self.proxy: LatencyProxy | None = None
        self.brokers: Brokers | None = None

    def now(self) -> str:
        return f"t+{time.monotonic() - self.started:5.1f}s"

    def note(self, kind: str, name: str, detail: str, ok: bool = True, when: str | None = None) -> None:
        self.rows.append(Row(kind, name, when or self.now(), detail, ok))
        Console().print(f"[{'green' if ok else 'red'}]{when or self.now()} {name}: {detail}[/]")

    # -- the platform -------------------------------------------------------------------

    async def start(self) -> None:
        self.brokers = await asyncio.to_thread(Brokers, self.sandbox)
        await self.sandbox.create_databases()
        server = make_url(self.settings.postgres_url)
        self.proxy = await LatencyProxy(server.host or "127.0.0.1", server.port or 5432, delay=0.003).start()
        slow_pg = make_url(self.sandbox.database_url("trade")).set(port=self.proxy.port)
        for name in SERVICES:
            env = {"OCOP_LOG_LEVEL": "WARNING"}
            if name == "trade":
                env["OCOP_DATABASE_URL"] = slow_pg.render_as_string(hide_password=False)
            self.processes[name] = self.sandbox.process(name, **env).start()
        for process in self.processes.values():
            await process.wait_ready(timeout=180)
        await self.office.start(self.processes)
        self.note("fault", "slow link", f"trade <-> PostgreSQL through a proxy adding {self.proxy.delay * 1000:.0f} ms "
                  "per chunk each way, the whole run")

    async def stop(self) -> None:
        for process in self.sandbox.processes:
            process.kill()
        if self.proxy is not None:
            await self.proxy.stop()
        await self.sandbox.remove()

    # -- load -----------------------------------------------------------------------------

    async def stream_results(self) -> list[Any]:
        events = [scored(i, stars=self.rng.choices((2, 3, 4), weights=(10, 55, 35))[0])
                  for i in range(PRODUCTS)]
        per_second = PRODUCTS / STREAM_SECONDS
        async with Publisher(self.sandbox) as publisher:
            for start in range(0, len(events), max(1, int(per_second))):
                chunk = events[start:start + max(1, int(per_second))]
                await self._publish(publisher, chunk)
                await asyncio.sleep(1.0)
        return events

    async def _publish(self, publisher: Publisher, chunk: list[Any]) -> None:
        for attempt in range(120):  # the broker may be restarting
            try:
                await publisher.send_many(chunk)
                return
            except Exception as error:
                if attempt == 0:
                    Console().print(f"{self.now()} publish waits: {type(error).__name__}")
                await asyncio.sleep(1.0)
        raise RuntimeError("could not publish for two minutes")

    async def uploads(self, stop: asyncio.Event) -> None:
        registry = self.processes["registry"]
        async with httpx.AsyncClient(base_url=registry.url, timeout=30) as client:
            ocop = OcopClient(client, self.sandbox.people())
            entity = await ocop.register_entity(name="HTX Thử lỗi", legal_form="cooperative_group",
                                                registration_no="THU-LOI-001", commune_code="30316")
            product = await ocop.register_product(entity, "Sản phẩm thử lỗi", 8)
            while not stop.is_set():
                self.uploads_wanted += 1
                content = pdf_document(f"upload {self.uploads_wanted}")
                for _ in range(300):
                    try:
                        r = await client.post(f"/registry/products/{product}/documents",
                                              headers=await ocop.office(),
                                              data={"kind": "label"},
                                              files={"file": (f"nhan-{self.uploads_wanted}.pdf", content)})
                        if r.status_code == 201:
                            self.uploads_stored += 1
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.5)
                await asyncio.sleep(0.3)

    async def decisions(self, results_sent: asyncio.Event) -> None:
        """The office signs decisions through the faults until every result sent is decided."""
        async def finished() -> bool:
            return results_sent.is_set() and await self.settled()

        await office_decides(self.processes["certification"].url, self.office, finished, every=2.0)

    async def revocations(self) -> None:
        cert = self.processes["certification"]
        offset = 0
        async with httpx.AsyncClient(base_url=cert.url, timeout=30) as client:
            while len(self.revoked) < REVOCATIONS:
                try:
                    page = (await client.get("/certification/certificates", headers=await self.office.headers(),
                                             params={"limit": 50, "offset": offset})).json()
                    offset = offset + 50 if len(page["items"]) == 50 else 0
                    for item in page["items"]:
                        if len(self.revoked) >= REVOCATIONS or item["number"] in self.revoked:
                            continue
                        r = await client.post(f"/certification/certificates/{item['number']}/revocation",
                                              headers=await self.office.headers(), json={
                                                  "grounds": [3], "decision_no": "QĐ 77/QĐ-UBND",
                                                  "reason": "Thử lỗi: thu hồi"})
                        if r.status_code == 204:
                            self.revoked.add(item["number"])
                except (httpx.HTTPError, KeyError, ValueError):
                    pass
                await asyncio.sleep(0.5)

    # -- faults ---------------------------------------------------------------------------

    async def at(self, low: float, high: float) -> None:
        await asyncio.sleep(max(0.0, self.started + self.rng.uniform(low, high) - time.monotonic()))

    async def kill(self, name: str, low: float, high: float) -> None:
        await self.at(low, high)
        when = self.now()
        self.processes[name].kill()
        await asyncio.sleep(self.rng.uniform(1, 3))
        self.processes[name].start()
        await self.processes[name].wait_ready(timeout=180)
        self.note("fault", f"SIGKILL {name}", f"killed, restarted, ready again at {self.now()}", when=when)

    async def stack(self, action: str, component: str, low: float, high: float, hold: float = 0.0) -> None:
        await self.at(low, high)
        when = self.now()
        if hold:
            await asyncio.to_thread(subprocess.run, [STACK, "stop", component], check=True, capture_output=True)
            await asyncio.sleep(hold)
            await asyncio.to_thread(subprocess.run, [STACK, "start", component], check=True, capture_output=True)
        else:
            await asyncio.to_thread(subprocess.run, [STACK, action, component], check=True, capture_output=True)
        detail = f"stopped for {hold:.0f} s during uploads" if hold else "restarted"
        self.note("fault", f"{component} {'down' if hold else action}", f"{detail}; back at {self.now()}", when=when)

    async def broker_crash(self, node: int, why: str) -> None:
        assert self.brokers is not None
        when = self.now()
        await self.brokers.act("kill", node)
        await asyncio.sleep(self.rng.uniform(3, 6))
        await self.brokers.act("start", node)
        await self.brokers.in_sync()
        self.note("fault", f"SIGKILL broker {node}", f"{why}; restarted, every partition in sync again at "
                  f"{self.now()}", when=when)

    async def broker_faults(self) -> None:
        """One after another, so that two of three replicas stay in sync (min.insync.replicas)."""
        assert self.brokers is not None
        await self.at(25, 30)
        await self.broker_crash(*await self.brokers.busiest())
        await self.at(55, 60)
        await self.broker_crash(await self.brokers.controller(), "the active controller")
        await self.at(85, 90)
        node, when = self.rng.choice(self.brokers.nodes), self.now()
        await self.brokers.act("stop", node)
        await asyncio.sleep(60)
        await self.brokers.act("start", node)
        await self.brokers.in_sync()
        self.note("fault", f"broker {node} down 60 s", "stopped while results, decisions, revocations and "
                  f"uploads went on; back and in sync at {self.now()}", when=when)
        await self.at(160, 165)
        when = self.now()
        for node in self.brokers.nodes:
            await self.brokers.act("restart", node)
            await self.brokers.in_sync()
        self.note("fault", "rolling restart", f"brokers {', '.join(map(str, self.brokers.nodes))} restarted one at a "
                  f"time, each back in sync before the next; done at {self.now()}", when=when)

    async def faults(self) -> None:
        await asyncio.gather(
            self.kill("certification", 5, 15),
            self.kill("trade", 15, 25),
            self.broker_faults(),
            self.stack("stop", "s3", 44, 48, hold=8),
            self.stack("restart", "pg", 60, 66),
            self.kill("registry", 75, 80),
            self.kill("scoring", 82, 86),
        )

    # -- checks ---------------------------------------------------------------------------

    async def fetch(self, service: str, sql: str) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(f"{pg_dsn(self.settings)}/{self.sandbox.databases[service]}")
        try:
            return list(await conn.fetch(sql))
        finally:
            await conn.close()

    async def settled(self) -> bool:
        return await caught_up(self.sandbox, ["certification", "trade"])

    async def check(self, events: list[Any]) -> None:
        await poll(self.settled, seconds=1800, what="every service to catch up after the faults")
        await asyncio.sleep(3)
        await poll(self.settled, seconds=600, what="every service to stay caught up")
        expected = {e.payload.product_id for e in events if e.payload.stars >= 3}
        results = await self.fetch("certification", "SELECT count(*) AS n, count(DISTINCT evaluation_id) AS d "
                                                    "FROM evaluation_results")
        self.note("check", "no lost event", f"{results[0]['d']} of {len(events)} results reached certification, "
                  f"each recorded once ({results[0]['n']} rows)",
                  results[0]["d"] == len(events) and results[0]["n"] == results[0]["d"])
        certificates = await self.fetch("certification", "SELECT product_id, number, status FROM certificates")
        products = [r["product_id"] for r in certificates]
        self.note("check", "no duplicate certificate",
                  f"{len(certificates)} certificates for {len(set(products))} products; {len(expected)} expected",
                  len(products) == len(set(products)) == len(expected) and set(products) == expected)
        active = {r["product_id"] for r in certificates if r["status"] == "active"}
        revoked = {r["product_id"] for r in certificates if r["number"] in self.revoked}
        listed = await self.fetch("trade", "SELECT catalog_id, product_id FROM catalog_items")
        by_catalog: dict[str, set[str]] = {}
        for row in listed:
            by_catalog.setdefault(row["catalog_id"], set()).add(row["product_id"])
        province = by_catalog.get("province", set())
        self.note("check", "catalogs equal the certificates",
                  f"province catalog {len(province)} products = {len(active)} active certificates; "
                  f"{len(revoked)} revoked, none listed", province == active and not (province & revoked))
        changes = await self.fetch("trade", "SELECT product_id, count(*) AS n FROM catalog_changes "
                                            "WHERE catalog_id = 'province' AND kind = 'upsert' GROUP BY product_id")
        twice = [r["product_id"] for r in changes if r["n"] > 1]
        self.note("check", "no duplicate catalog entry",
                  f"{len(changes)} products added once each to the province catalog; {len(twice)} twice",
                  not twice)
        await poll(lambda: certificate_pdfs_stored(self.sandbox), seconds=600, what="every certificate's PDF")
        pdfs = await self.fetch("certification", "SELECT count(*) AS n FROM certificates WHERE pdf_sha256 IS NULL")
        self.note("check", "every certificate has its PDF",
                  f"{len(certificates) - pdfs[0]['n']} of {len(certificates)} certificate PDFs stored "
                  "(rendered after issue, through the S3 outage)", pdfs[0]["n"] == 0)
        self.note("check", "every upload stored", f"{self.uploads_stored} of {self.uploads_wanted} uploads stored "
                  "(retried through the S3 outage)", self.uploads_stored == self.uploads_wanted > 0)
        documents = await self.fetch("registry", "SELECT count(*) AS n FROM documents")
        self.note("check", "no partial upload", f"{documents[0]['n']} document rows for {self.uploads_stored} "
                  "stored uploads", int(documents[0]["n"]) == self.uploads_stored)
        dlq = [f"{self.sandbox.namespace}ocop.dlq.{group}" for group in SERVICES]
        letters = await read_topics_from_start(self.settings.kafka_access(None), dlq)
        unexplained = [m for m in letters if not m.headers.get("ocop-dlq-error")]
        self.note("check", "every dead letter explained",
                  f"{len(letters)} dead letters, {len(unexplained)} without a reason", not unexplained)
        assert self.brokers is not None
        states = await self.brokers.states()
        await self.brokers.in_sync()
        left = [s for s in await self.brokers.states() if s.under_replicated or s.offline]
        self.note("check", "no under-replicated partition", f"{len(states)} partitions on brokers "
                  f"{', '.join(map(str, self.brokers.nodes))}, {len(left)} without all 3 replicas in sync",
                  not left and all(len(s.replicas) == 3 for s in states))


async def main(settings: Settings, workdir: Path) -> Run:
    run = Run(settings, workdir)
    try:
        await run.start()
        stop_uploads = asyncio.Event()
        uploading = asyncio.create_task(run.uploads(stop_uploads))
        revoking = asyncio.create_task(run.revocations())
        faults = asyncio.create_task(run.faults())
        results_sent = asyncio.Event()
        deciding = asyncio.create_task(run.decisions(results_sent))
        events = await run.stream_results()
        await faults
        stop_uploads.set()
        await uploading
        results_sent.set()
        await asyncio.wait_for(deciding, 1800)
        await asyncio.wait_for(revoking, 900)
        await run.check(events)
    finally:
        await run.stop()
        await asyncio.to_thread(subprocess.run, [STACK, "up", "--cluster"], capture_output=True)
    return run


def report(rows: list[Row]) -> Table:
    table = Table(title=f"Fault injection: {PRODUCTS:,} council results under faults")
    for column in ("", "what", "when", "detail", "outcome"):
        table.add_column(column)
    for row in sorted(rows, key=lambda r: (r.kind != "fault", float(r.when.removeprefix("t+").rstrip("s")))):
        table.add_row(row.kind, row.name, row.when, row.detail, "[green]ok[/]" if row.ok else "[red]FAILED[/]")
    return table


def cli() -> None:
    settings = Settings(log_level="WARNING")
    workdir = RESULTS / "tmp" / "faults"
    workdir.mkdir(parents=True, exist_ok=True)
    run = asyncio.run(main(settings, workdir))
    rows = run.rows
    brokers_seen = [{"node": node, "address": address}
                    for node, address in (run.brokers.addresses if run.brokers else {}).items()]
    Console().print(report(rows))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "faults.json").write_text(json.dumps(
        {"products": PRODUCTS, "kafka": KAFKA_SHAPE, "brokers": brokers_seen,
         "rows": [asdict(r) for r in rows], "machine": describe()},
        indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not all(r.ok for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    cli()
