"""The certification service on the real stack: Kafka, PostgreSQL and the S3 server (versitygw),
each service its own process.

- a 4★ council result becomes an active certificate whose PDF is in S3 and whose QR verifies;
- a department system's confirmed finding on Kafka opens a revocation case; the decision is
  visible on the public page and on the certificate topic;
- the same `Scored` delivered twice yields one certificate.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pypdf import PdfReader

from helpers import PrefixRouter, api, qr_codes_in, run_chain, tax_code, wait_until
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_shared.clock import SystemClock
from ocop_shared.contracts import InspectionReported, Scored, read_event, topics
from ocop_shared.contracts.common import EvaluationCase, Level
from ocop_shared.contracts.inspection_events import InspectionReportedPayload
from ocop_shared.contracts.scoring_events import ScoredPayload
from ocop_shared.messaging.kafka_tools import read_topics_from_start
from ocop_shared.messaging.outbox import message_headers, new_event

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]


async def start(deployment: Deployment, **env: str) -> dict[str, str]:
    processes = [deployment.process("registry").start(), deployment.process("scoring").start(),
                 deployment.process("certification", **env).start()]
    await asyncio.gather(*(p.wait_ready() for p in processes))
    return {name: p.url for name, p in zip(("registry", "scoring", "certification"), processes, strict=True)}


async def events_on(deployment: Deployment, topic: str) -> list[Any]:
    records = await read_topics_from_start(deployment.settings.kafka_access(None), [deployment.namespace + topic])
    return [read_event(r.value) for r in records]


async def committed(deployment: Deployment, group: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(**deployment.settings.kafka_access(None).aiokafka())
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(deployment.namespace + group)
    finally:
        await admin.close()
    return {tp: meta.offset for tp, meta in offsets.items()}


# Over 60 lines: one certificate's life on the real stack, each step needing the one before.
async def test_certificate_pdf_qr_revocation_and_duplicates_on_the_real_stack(deployment: Deployment,
                                                                             tmp_path: Any) -> None:
    settings = deployment.settings
    urls = await start(deployment, OCOP_CERTIFICATION_KEYS_DIR=str(tmp_path / "keys"))
    async with httpx.AsyncClient(transport=PrefixRouter(urls), base_url="http://gateway", timeout=30) as c:
        office = await api(c).office()
        ids = await run_chain(c, settings, registration_no=tax_code(901), mean_score="72.50")
        product = ids["product_id"]

        async def issued() -> dict[str, Any] | None:
            r = await c.get("/certification/certificates", headers=office, params={"product_id": product})
            items = r.json()["items"] if r.status_code == 200 else []
            return items[0] if items and items[0]["pdf_sha256"] else None  # the PDF follows the issue

        cert = await wait_until(issued, timeout=60, what="the certificate and its PDF")
        number = cert["number"]
        assert cert["stars"] == 4 and cert["status"] == "active"
        page = (await c.get(f"/certification/verify/{number}")).json()
        assert page["status"] == "active" and page["authority"] == "UBND tỉnh An Giang"

        # the document job put the PDF in the S3 server, under its sha256; the public link is a
        # presigned S3 URL
        store = deployment.store("certification")
        assert await store.exists(cert["pdf_sha256"])
        assert await deployment.fetchval(
            "certification", "SELECT pdf_sha256 FROM certificates WHERE number = $1", number) == cert["pdf_sha256"]
        link = await c.get(f"/certification/certificates/{number}/pdf")
        assert link.status_code == 307
        location = link.headers["location"]
        assert location.startswith(f"http://{settings.s3_endpoint}/ocop-{deployment.id}-certification/sha256/")
        async with httpx.AsyncClient(timeout=30) as plain:
            pdf = (await plain.get(location)).content
        assert hashlib.sha256(pdf).hexdigest() == cert["pdf_sha256"]
        page_one = PdfReader(io.BytesIO(pdf)).pages[0]
        assert number in page_one.extract_text()
        codes = qr_codes_in(pdf)
        assert len(codes) == 1 and codes[0].startswith(f"{urls['certification']}/certification/verify/{number}?t=")
        scanned = await c.post("/certification/verify-qr", json={"text": codes[0]})
        assert scanned.status_code == 200 and scanned.json()["qr"]["valid"] is True
        altered = codes[0][:-3] + ("AAA" if not codes[0].endswith("AAA") else "BBB")
        refused = await c.post("/certification/verify-qr", json={"text": altered})
        assert refused.status_code == 422

        # a department system reports a confirmed finding on Kafka: a case opens; the office decides
        finding = new_event(InspectionReported, InspectionReportedPayload(
            finding_id=f"SYT-{uuid.uuid4().hex[:8]}", certificate_number=number, grounds=[3],
            conclusion="Vi phạm quy định ghi nhãn hàng hóa (kết luận thanh tra)", authority="Sở Y tế tỉnh An Giang",
            confirmed=True), aggregate_id=number, aggregate_version=1, producer="so-y-te",
            clock=SystemClock())
        producer = AIOKafkaProducer(**settings.kafka_access(None).aiokafka(), enable_idempotence=True, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(deployment.namespace + topics.INSPECTION_FINDING, finding.to_json_bytes(),
                                         key=finding.aggregate_id.encode(),
                                         headers=[(k, v.encode()) for k, v in message_headers(finding).items()])
        finally:
            await producer.stop()

        async def case_opened() -> dict[str, Any] | None:
            body = (await c.get("/certification/revocation-cases", headers=office,
                                params={"status": "open"})).json()
            return body["items"][0] if body["total"] else None

        case = await wait_until(case_opened, timeout=60, what="the revocation case")
        decided = await c.post(f"/certification/revocation-cases/{case['id']}/decision", headers=office,
                               json={"decision_no": "321/QĐ-UBND"})
        assert decided.status_code == 200, decided.text
        page = (await c.get(f"/certification/verify/{number}")).json()
        assert page["status"] == "revoked" and page["revocation"]["decision_no"] == "321/QĐ-UBND"
        assert [h["status"] for h in page["history"]] == ["active", "revoked"]

    async def revoked_on_topic() -> list[Any] | None:
        found = [e for e in await events_on(deployment, topics.CERTIFICATE) if e.type == "CertificateRevoked"]
        return found or None

    revoked = (await wait_until(revoked_on_topic, timeout=30, what="CertificateRevoked on Kafka"))[0]
    assert revoked.payload.number == number and revoked.payload.grounds == [3]
    assert revoked.payload.decision_no == "321/QĐ-UBND"
    on_topic = [e for e in await events_on(deployment, topics.CERTIFICATE) if e.aggregate_id == revoked.aggregate_id]
    assert [e.type for e in on_topic] == ["Certified", "RevocationCaseOpened", "CertificateRevoked"]
    assert [e.aggregate_version for e in on_topic] == [1, 2, 3]

    # the same Scored delivered twice more: still one certificate, one Certified
    records = await read_topics_from_start(settings.kafka_access(None), [deployment.namespace + topics.EVALUATION])
    scored = [r for r in records if read_event(r.value).type == "Scored"]
    assert len(scored) == 1
    producer = AIOKafkaProducer(**settings.kafka_access(None).aiokafka(), enable_idempotence=True, acks="all")
    await producer.start()
    try:
        sent = [await producer.send_and_wait(scored[0].topic, scored[0].value, key=(scored[0].key or "").encode(),
                                             headers=[(k, v.encode()) for k, v in scored[0].headers.items()])
                for _ in range(2)]
    finally:
        await producer.stop()
    last = TopicPartition(sent[-1].topic, sent[-1].partition)

    async def consumed() -> bool:
        return (await committed(deployment, "certification")).get(last, -1) > sent[-1].offset

    await wait_until(consumed, timeout=60, what="the duplicates to be consumed")
    assert await deployment.fetchval(
        "certification", "SELECT count(*) FROM certificates WHERE product_id = $1", product) == 1
    assert [e.type for e in await events_on(deployment, topics.CERTIFICATE)].count("Certified") == 1
    for process in deployment.processes:
        assert process.terminate() in (0, -15)
        assert "stopped cleanly" in process.log_path.read_text(), process.args


async def test_a_cached_verification_shows_a_revocation_at_once_on_the_real_stack(deployment: Deployment,
                                                                                 tmp_path: Any) -> None:
    """The process caches public verifications (here entries outlive the test): a write behind
    its back is not seen, a revocation it commits is, on the very next request."""
    settings = deployment.settings
    certification = deployment.process("certification", OCOP_READ_CACHE_SECONDS="3600",
                                       OCOP_CERTIFICATION_KEYS_DIR=str(tmp_path / "keys")).start()
    registry = deployment.process("registry").start()  # its relay publishes the office's grant
    await asyncio.gather(certification.wait_ready(), registry.wait_ready())
    product_id, evaluation_id = str(uuid.uuid4()), str(uuid.uuid4())
    result = new_event(Scored, ScoredPayload(
        evaluation_id=evaluation_id, product_id=product_id, submission_id=str(uuid.uuid4()),
        round_id="AG-2026-R1", case=EvaluationCase.FIRST, regulation="26/2026/QĐ-TTg", level=Level.PROVINCE,
        recognising=True, stars=4, mean_score=Decimal("75.50"), part_scores={"A": Decimal(30)},
        council_decision_ref="QĐ 12/QĐ-UBND", product_name="Đường thốt nốt Tri Tôn", product_set_no=8,
        entity_id=str(uuid.uuid4()), entity_name="HTX Thốt nốt Tri Tôn", commune_code="30316",
        province_code="91"), aggregate_id=evaluation_id, aggregate_version=1, producer="scoring",
        clock=SystemClock())
    producer = AIOKafkaProducer(**settings.kafka_access(None).aiokafka(), enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(deployment.namespace + topics.EVALUATION, result.to_json_bytes(),
                                     key=result.aggregate_id.encode(),
                                     headers=[(k, v.encode()) for k, v in message_headers(result).items()])
    finally:
        await producer.stop()
    async with httpx.AsyncClient(base_url=certification.url, timeout=30) as c:
        office = await api(c).office()
        await api(c).decide_when_awaiting(product_id)  # the province signs its recognition decision

        async def issued() -> str | None:
            items = (await c.get("/certification/certificates", headers=office,
                                 params={"product_id": product_id})).json()["items"]
            return str(items[0]["number"]) if items and items[0]["pdf_sha256"] else None

        number = await wait_until(issued, timeout=60, what="the certificate and its PDF")
        page = (await c.get(f"/certification/verify/{number}")).json()
        assert page["status"] == "active" and page["entity_name"] == "HTX Thốt nốt Tri Tôn"
        await deployment.fetchval("certification", "UPDATE certificates SET entity_name = 'HTX đổi tên' "
                                  "WHERE number = $1 RETURNING 1", number)
        assert (await c.get(f"/certification/verify/{number}")).json() == page

        r = await c.post(f"/certification/certificates/{number}/revocation", headers=office,
                         json={"grounds": [3], "decision_no": "88/QĐ-UBND", "reason": "Vi phạm ghi nhãn"})
        assert r.status_code == 204, r.text
        page = (await c.get(f"/certification/verify/{number}")).json()
        assert page["status"] == "revoked" and page["entity_name"] == "HTX đổi tên"
    certification.terminate()
