"""What every benchmark needs: a sandbox on the real stack, services as processes, events
published the way their producers would, latency statistics, and the result's shape."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from ocop_cli.api_client import ApiError, decide_all, poll
from ocop_cli.people import OFFICE_LOGIN, OFFICE_NAME
from ocop_cli.sandbox import Sandbox, ServiceProcess
from ocop_shared.clock import SystemClock
from ocop_shared.contracts import AccessGranted, CertificateRevoked, Certified, Scored
from ocop_shared.contracts.access_events import AccessGrantedPayload
from ocop_shared.contracts.certification_events import CertificateRevokedPayload, CertifiedPayload
from ocop_shared.contracts.common import EvaluationCase, Level
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.contracts.scoring_events import ScoredPayload
from ocop_shared.messaging.outbox import new_event

CLOCK = SystemClock()


@dataclass
class Figure:
    """One measured figure, always with its baseline from the same run."""

    metric: str
    unit: str
    baseline: float
    subject: float
    goal: str
    met: bool | None
    higher_is_better: bool = True

    @property
    def ratio(self) -> float:
        if not self.baseline:
            return 0.0
        return round(self.subject / self.baseline, 3)


@dataclass
class Result:
    name: str
    title: str
    baseline_is: str
    subject_is: str
    figures: list[Figure]
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self, machine: dict[str, Any]) -> str:
        body = asdict(self)
        body["figures"] = [{**asdict(f), "ratio": f.ratio} for f in self.figures]
        return json.dumps({**body, "machine": machine}, indent=2, ensure_ascii=False, default=str) + "\n"


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation."""
    if not samples:
        return 0.0
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=1000, method="inclusive")[int(p * 10) - 1]


class Office:
    """The sandbox's provincial office, signed in through the stack's Keycloak. Its grant is
    recorded by the registry when the registry runs (its relay publishes it), or published as
    the registry publishes one when the benchmark runs without it; `headers()` renews the
    token when it is about to expire (Keycloak's last five minutes)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.people = sandbox.people()

    async def start(self, services: dict[str, ServiceProcess]) -> Office:
        await self.people.ensure(OFFICE_LOGIN, OFFICE_NAME)
        if "registry" in services:
            await self.people.bootstrap_office(OFFICE_LOGIN, OFFICE_NAME)
        else:
            grant_id = str(uuid.uuid4())
            async with Publisher(self.sandbox) as publisher:
                await publisher.send(new_event(AccessGranted, AccessGrantedPayload(
                    grant_id=grant_id, login=f"email:{OFFICE_LOGIN}", role="province_office",
                    granted_by="bench"), aggregate_id=grant_id, aggregate_version=1,
                    producer="registry", clock=CLOCK))
        headers = await self.headers()
        for name, process in services.items():
            async with httpx.AsyncClient(base_url=process.url, timeout=10) as client:
                async def known(name: str = name, client: httpx.AsyncClient = client) -> bool:
                    r = await client.get(f"/{name}/access/me", headers=headers)
                    return r.status_code == 200 and "province_office" in r.json()["roles"]

                await poll(known, seconds=60, what=f"{name} to know the office")
        return self

    async def headers(self) -> dict[str, str]:
        return await self.people.headers(OFFICE_LOGIN, OFFICE_NAME)

    async def bootstrap_office(self, login: str, name: str) -> None:
        """Done by `start` (an OcopClient given this office asks for it again)."""

    async def headers_of(self, login: str, name: str = "") -> dict[str, str]:
        return await self.people.headers(login, name)


async def office_decides(certification_url: str, office: Office, finished: Callable[[], Awaitable[bool]],
                         every: float = 1.0) -> None:
    """The office signs the recognition decisions of every round with results awaiting one,
    every `every` seconds, until a pass signs nothing, nothing awaits and `finished()`; a
    failed pass (a service or the broker down) is tried again, its drafts signed later."""
    async with httpx.AsyncClient(base_url=certification_url, timeout=120) as client:
        while True:
            try:
                signed = await decide_all(client, await office.headers())
                waiting = (await client.get("/certification/awaiting-decision",
                                            headers=await office.headers())).json()
                if not signed and not waiting and await finished():
                    return
            except (httpx.HTTPError, ApiError, KeyError, ValueError):
                pass
            await asyncio.sleep(every)


class OfficePeople:
    """The people of a benchmark's OcopClient: the office started by `Office`, anyone else
    signed in through Keycloak."""

    def __init__(self, office: Office) -> None:
        self.office = office

    async def headers(self, login: str, name: str = "") -> dict[str, str]:
        return await self.office.headers_of(login, name)

    async def bootstrap_office(self, login: str, name: str) -> None:
        return None


class Publisher:
    """Publishes events onto a sandbox's topics the way their producing service would."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.producer = AIOKafkaProducer(**sandbox.settings.kafka_access(None).aiokafka(),
                                         enable_idempotence=True, acks="all", linger_ms=1)

    async def __aenter__(self) -> Publisher:
        await self.producer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.producer.stop()

    async def send(self, event: Envelope[Any]) -> None:
        await self.producer.send_and_wait(self.sandbox.namespace + event.topic, event.to_json_bytes(),
                                          key=event.aggregate_id.encode())

    async def send_many(self, events: Sequence[Envelope[Any]]) -> None:
        futures = [await self.producer.send(self.sandbox.namespace + e.topic, e.to_json_bytes(),
                                            key=e.aggregate_id.encode()) for e in events]
        for future in futures:
            await future


@dataclass(frozen=True)
class FakeCertificate:
    certificate_id: str
    number: str
    product_id: str


def certified(index: int, *, stars: int = 4, run: str = "") -> tuple[Certified, FakeCertificate]:
    """A Certified event as the certification service publishes it."""
    certificate = FakeCertificate(str(uuid.uuid4()), f"91-2026-{run}{index:06d}", str(uuid.uuid4()))
    today = date.today()
    event = new_event(Certified, CertifiedPayload(
        certificate_id=certificate.certificate_id, number=certificate.number,
        product_id=certificate.product_id, product_code=f"91-30316-{index}-2026",
        product_name=f"Sản phẩm thử tải {index}", entity_id=str(uuid.uuid4()),
        entity_name=f"Chủ thể {index}", stars=stars, regulation="26/2026/QĐ-TTg",
        decision_no="QĐ 1/QĐ-UBND", issued_on=today, valid_until=today + timedelta(days=1095),
        authority="UBND tỉnh An Giang", verification_url=f"http://127.0.0.1/verify/{certificate.number}"),
        aggregate_id=certificate.certificate_id, aggregate_version=1, producer="certification", clock=CLOCK)
    return event, certificate


def revoked(certificate: FakeCertificate) -> CertificateRevoked:
    return new_event(CertificateRevoked, CertificateRevokedPayload(
        certificate_id=certificate.certificate_id, number=certificate.number,
        product_id=certificate.product_id, grounds=[3], decision_no="QĐ 9/QĐ-UBND",
        revoked_on=date.today(), reason="Thử tải: thu hồi"),
        aggregate_id=certificate.certificate_id, aggregate_version=2, producer="certification",
        clock=CLOCK)


def scored(index: int, *, stars: int = 4) -> Scored:
    """A recognising province result as the scoring service publishes it."""
    evaluation_id = str(uuid.uuid4())
    return new_event(Scored, ScoredPayload(
        evaluation_id=evaluation_id, product_id=str(uuid.uuid4()), submission_id=str(uuid.uuid4()),
        round_id="AG-2026-R1", case=EvaluationCase.FIRST, regulation="26/2026/QĐ-TTg",
        level=Level.PROVINCE, recognising=True, stars=stars, mean_score=Decimal("75.50"),
        part_scores={"A": Decimal(30), "B": Decimal(20), "C": Decimal("25.50")},
        council_decision_ref=f"QĐ {index}/QĐ-UBND", product_name=f"Sản phẩm thử tải {index}",
        product_set_no=8, entity_id=str(uuid.uuid4()), entity_name=f"Chủ thể {index}",
        commune_code="30316", province_code="91"),
        aggregate_id=evaluation_id, aggregate_version=1, producer="scoring", clock=CLOCK)


async def start_services(sandbox: Sandbox, names: Sequence[str], **env: str) -> dict[str, ServiceProcess]:
    processes = {name: sandbox.process(name, OCOP_LOG_LEVEL="WARNING", **env).start() for name in names}
    for process in processes.values():
        await process.wait_ready(timeout=120)
    return processes


# What each service consumes (the topics its consumer group reads).
CONSUMED = {"reporting": ("ocop.registry.entity.v1", "ocop.registry.product.v1", "ocop.scoring.evaluation.v1",
                          "ocop.certification.certificate.v1", "ocop.trade.catalog.v1"),
            "certification": ("ocop.scoring.evaluation.v1", "ocop.inspection.finding.v1"),
            "trade": ("ocop.certification.certificate.v1",)}


async def caught_up(sandbox: Sandbox, services: Sequence[str]) -> bool:
    """Each service's consumer group has applied everything on its topics and its outbox has
    nothing left to publish (so what it emits is on the topics for the next service)."""
    transport = sandbox.transport()
    for service in services:
        lag = await transport.lag(service, list(CONSUMED[service]))
        if not lag or any(lag.values()):
            return False
        if await sandbox.fetchval(service, "SELECT count(*) FROM outbox WHERE published_at IS NULL") != 0:
            return False
    return True


async def certificate_pdfs_stored(sandbox: Sandbox) -> bool:
    """Certification's document job has rendered the PDF of every certificate issued so far."""
    return await sandbox.fetchval("certification",
                                  "SELECT count(*) FROM certificates WHERE pdf_sha256 IS NULL") == 0


def rss_mib(pid: int) -> float:
    """Resident memory of a process now (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time (all CPUs, busy only) the machine has used so far, in seconds."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def now() -> datetime:
    return datetime.now(UTC)
