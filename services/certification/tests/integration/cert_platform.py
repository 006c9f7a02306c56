"""Support for the certification integration tests: the service embedded in this process, events
written straight into the embedded log (as another service or a department system would),
tokens, and a real HTTP receiver for webhooks."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from helpers import as_role, running_platform, wait_until
from ocop_cli.api_client import decide_all
from ocop_shared.auth import Role
from ocop_shared.clock import Clock, ManualClock
from ocop_shared.contracts import (
    InspectionReported,
    ProductSubmitted,
    Scored,
    read_event,
    topics,
)
from ocop_shared.contracts.common import DocumentRef, EntityFacts, EvaluationCase, LegalForm, Level
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.contracts.inspection_events import InspectionReportedPayload
from ocop_shared.contracts.registry_events import ProductSubmittedPayload
from ocop_shared.contracts.scoring_events import ScoredPayload
from ocop_shared.messaging.embedded import EmbeddedLog
from ocop_shared.messaging.outbox import message_headers, new_event
from ocop_shared.messaging.transport import OutboundMessage
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.settings import Settings

START = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # 10:00 in An Giang, 15/06/2026
PROVINCE = "91"
COMMUNE = "30316"
REGULATION = "26/2026/QĐ-TTg"
ROUND = "AG-2026-R1"


def scored(product_id: str, *, stars: int = 4, case: str = "first", level: str = "province",
           recognising: bool | None = None, evaluation_id: str | None = None, mean_score: str = "74.25",
           product_name: str = "Mắm cá linh Châu Đốc", clock: Clock | None = None,
           submission_id: str | None = None) -> Scored:
    payload = ScoredPayload(
        evaluation_id=evaluation_id or str(uuid.uuid4()), product_id=product_id,
        submission_id=submission_id or str(uuid.uuid4()), round_id=ROUND,
        case=EvaluationCase(case), regulation=REGULATION, level=Level(level),
        recognising=(stars < 5 or level == "central") if recognising is None else recognising,
        stars=stars, mean_score=Decimal(mean_score), part_scores={"A": Decimal("30")},
        council_decision_ref="1234/QĐ-UBND", product_name=product_name, product_set_no=9,
        entity_id="entity-" + product_id[:8], entity_name="HTX Nông nghiệp Mắm Châu Đốc",
        commune_code=COMMUNE, province_code=PROVINCE)
    return new_event(Scored, payload, aggregate_id=payload.evaluation_id, aggregate_version=2,
                     producer="scoring", clock=clock or ManualClock(START))


def rerating_submitted(product_id: str, certificate_number: str, *, clock: Clock,
                       submission_id: str | None = None) -> ProductSubmitted:
    payload = ProductSubmittedPayload(
        product_id=product_id, submission_id=submission_id or str(uuid.uuid4()), round_id="AG-2029-R1",
        case=EvaluationCase.RERATING, product_name="Mắm cá linh Châu Đốc", product_set_no=9,
        regulation=REGULATION,
        entity=EntityFacts(entity_id="e1", name="HTX Nông nghiệp Mắm Châu Đốc",
                           legal_form=LegalForm.COOPERATIVE, commune_code=COMMUNE, province_code=PROVINCE),
        current_certificate_number=certificate_number)
    return new_event(ProductSubmitted, payload, aggregate_id=product_id, aggregate_version=7,
                     producer="registry", clock=clock)


def finding(certificate_number: str, *, grounds: list[int] | None = None, confirmed: bool = True,
            finding_id: str | None = None, clock: Clock | None = None,
            concluded_on: date | None = None) -> InspectionReported:
    payload = InspectionReportedPayload(
        finding_id=finding_id or f"SYT-{uuid.uuid4().hex[:8]}", certificate_number=certificate_number,
        grounds=grounds if grounds is not None else [3],
        conclusion="Mẫu kiểm nghiệm vượt ngưỡng histamine cho phép (Chi cục An toàn thực phẩm)",
        authority="Sở Y tế tỉnh An Giang", confirmed=confirmed, concluded_on=concluded_on,
        evidence=[DocumentRef(kind="test_report", sha256="a" * 64, size=1200, filename="phieu-kiem-nghiem.pdf")])
    return new_event(InspectionReported, payload, aggregate_id=payload.finding_id, aggregate_version=1,
                     producer="so-y-te", clock=clock or ManualClock(START))


@dataclass
class Platform:
    settings: Settings
    client: httpx.AsyncClient
    runtimes: list[ServiceRuntime]
    clock: ManualClock | None
    log: EmbeddedLog
    office: dict[str, str]  # the provincial office's headers
    inspector: dict[str, str]  # the headers of the Health department's inspector

    def runtime(self, name: str = "certification") -> ServiceRuntime:
        return next(rt for rt in self.runtimes if rt.name == name)

    async def inject(self, *events: Envelope[Any], raw: bytes | None = None, topic: str | None = None,
                     group: str = "certification") -> None:
        """Append events as their producers would, and wait until `group` consumed them."""
        messages = [OutboundMessage(e.topic, e.aggregate_id, e.to_json_bytes(), message_headers(e))
                    for e in events]
        if raw is not None:
            assert topic is not None
            messages.append(OutboundMessage(topic, "raw", raw))
        await self.log.append(messages)
        for t in {m.topic for m in messages}:
            last = (await self.log.read(t, 0, limit=100_000))[-1].offset

            async def consumed(t: str = t, last: int = last) -> bool:
                return await self.log.committed(group, t) > last

            await wait_until(consumed, what=f"{group} to consume {t}")

    async def events(self, topic: str = topics.CERTIFICATE, *, decisions: bool = False) -> list[Any]:
        """The events of `topic`; on the certificate topic, the certificates' own streams unless
        `decisions` (the recognition decisions that issued them share the topic)."""
        found = [read_event(m.value) for m in await self.log.read(topic, 0, limit=100_000)]
        return [e for e in found if decisions or e.type != "RecognitionDecided"]

    async def decisions(self) -> list[dict[str, Any]]:
        r = await self.client.get("/certification/recognition-decisions", headers=self.office)
        assert r.status_code == 200, r.text
        listed: list[dict[str, Any]] = r.json()
        return listed

    async def wait_for_event(self, type_: str, count: int = 1, topic: str = topics.CERTIFICATE) -> list[Any]:
        async def found() -> list[Any] | None:
            matching = [e for e in await self.events(topic, decisions=True) if e.type == type_]
            return matching if len(matching) >= count else None

        return await wait_until(found, what=f"{count} {type_} event(s)")

    async def certificate_of(self, product_id: str) -> dict[str, Any]:
        """The product's certificate; while there is none, the office decides what awaits a
        decision (the result may still be on its way)."""
        async def listed() -> dict[str, Any] | None:
            r = await self.client.get("/certification/certificates", headers=self.office,
                                      params={"product_id": product_id})
            assert r.status_code == 200, r.text
            items: list[dict[str, Any]] = r.json()["items"]
            if not items:
                await self.decide()
            return items[0] if items else None

        return await wait_until(listed, what=f"the certificate of {product_id}")

    async def pdf_of(self, product_id: str) -> str:
        """The sha256 of the certificate's PDF, once the document job has stored it."""
        async def stored() -> str | None:
            sha256: str | None = (await self.certificate_of(product_id))["pdf_sha256"]
            return sha256

        return await wait_until(stored, what=f"the PDF of {product_id}'s certificate")

    async def issue(self, product_id: str | None = None, **scored_args: Any) -> dict[str, Any]:
        """A result, and the authority's decision on it: the product's certificate."""
        product_id = product_id or str(uuid.uuid4())
        await self.inject(scored(product_id, clock=self.clock, **scored_args))
        await self.decide()
        return await self.certificate_of(product_id)

    async def decide(self) -> list[dict[str, Any]]:
        """The office drafts the recognition decisions of every round with results awaiting one,
        and records them signed today."""
        return await decide_all(self.client, self.office)

    async def verify(self, number: str, **params: str) -> dict[str, Any]:
        r = await self.client.get(f"/certification/verify/{number}", params=params)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def run_scheduler(self) -> dict[str, Any]:
        r = await self.client.post("/certification/scheduler/run", headers=self.office)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


@asynccontextmanager
async def platform(tmp_path: Path, *, names: list[str] | None = None, clock: ManualClock | None = None
                   ) -> AsyncIterator[Platform]:
    settings = Settings(data_dir=tmp_path, log_json=False)
    wanted = names or ["certification"]
    if "registry" not in wanted:  # the office's grants are recorded there
        wanted = ["registry", *wanted]
    async with running_platform(settings, wanted, clock) as (client, runtimes):
        log = EmbeddedLog(tmp_path / "bus.sqlite3")
        await log.open()
        try:
            yield Platform(settings, client, runtimes, clock, log,
                           office=await as_role(client, Role.PROVINCE_OFFICE),
                           inspector=await as_role(client, Role.INSPECTOR))
        finally:
            await log.close()


# -- a real HTTP endpoint for webhooks -------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A tiny HTTP/1.1 server on 127.0.0.1 (asyncio streams): answers `status`, or sleeps
    `delay` seconds first (a slow endpoint)."""

    status: int = 200
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    hits: int = 0
    port: int = 0
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ocop/hook"

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (line.partition(":") for line in lines[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.hits += 1
            delay = self.delay
            if delay:  # answer too late: the sender has given up by then
                await asyncio.sleep(delay)
            elif 200 <= self.status < 300:
                self.received.append(Received(headers, body))
            writer.write(f"HTTP/1.1 {self.status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                         .encode())
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
