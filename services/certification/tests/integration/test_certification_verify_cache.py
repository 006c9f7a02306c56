"""Public verification answered from the read cache: what the service commits shows at once,
each QR token gets its own answer, and the status is always given for today."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from cert_platform import START, platform
from sqlalchemy import update

from certification.adapters import tables
from certification.adapters.repository import CertificateRepository
from certification.domain.validity import VIETNAM
from ocop_shared.clock import ManualClock


@pytest.fixture(autouse=True)
def entries_outlive_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only an invalidation can change a cached answer here, never its expiry."""
    monkeypatch.setenv("OCOP_READ_CACHE_SECONDS", "3600")


async def test_a_revocation_through_the_api_shows_on_the_next_verification(tmp_path: Path) -> None:
    async with platform(tmp_path, clock=ManualClock(START)) as p:
        cert = await p.issue(stars=4)
        number = cert["number"]
        await p.pdf_of(cert["product_id"])  # the document job's write is a commit of this service too
        page = await p.verify(number)
        assert page["status"] == "active" and page["revocation"] is None

        # A write behind the service's back (as another replica's commit looks from here) is
        # not seen: the answer is the cached one.
        async with p.runtime().sessions() as session:
            await session.execute(update(tables.certificates).where(tables.certificates.c.number == number)
                                  .values(entity_name="HTX đổi tên"))
            await session.commit()
        assert (await p.verify(number))["entity_name"] == page["entity_name"]

        r = await p.client.post(f"/certification/certificates/{number}/revocation", headers=p.office,
                                json={"grounds": [3], "decision_no": "77/QĐ-UBND", "reason": "Vi phạm ghi nhãn"})
        assert r.status_code == 204, r.text
        page = await p.verify(number)
        assert page["status"] == "revoked" and page["revocation"]["decision_no"] == "77/QĐ-UBND"
        assert page["entity_name"] == "HTX đổi tên"


async def test_an_opened_revocation_case_shows_on_the_next_verification(tmp_path: Path) -> None:
    async with platform(tmp_path, clock=ManualClock(START)) as p:
        number = (await p.issue(stars=4))["number"]
        assert (await p.verify(number))["revocation_case_open"] is False
        report = await p.client.post("/certification/inspections", headers=p.inspector, json={
            "certificate_number": number, "grounds": [3], "confirmed": True,
            "conclusion": "Vượt ngưỡng histamine", "concluded_by": "Sở Y tế tỉnh An Giang"})
        assert report.status_code == 201, report.text
        page = await p.verify(number)
        assert page["status"] == "active" and page["revocation_case_open"] is True


async def test_each_qr_token_gets_its_own_answer(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        number = (await p.issue(stars=3, mean_score="55.00"))["number"]
        async with p.runtime().uow() as uow:
            record = await CertificateRepository(uow.session).by_number(number)
        assert record is not None and record.qr_text
        token = record.qr_text.split("?t=")[1]
        for _ in range(2):  # computed, then cached
            assert (await p.verify(number))["qr"] is None
            assert (await p.verify(number, t=token))["qr"]["valid"] is True
            forged = (await p.verify(number, t="v1.not-a.token"))["qr"]
            assert forged["valid"] is False and forged["code"] != "ok"


async def test_the_status_is_given_for_today_even_when_cached(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        number = (await p.issue(stars=4))["number"]  # valid until 14/06/2029
        clock.set(datetime(2029, 6, 14, 23, 59, tzinfo=VIETNAM))
        for _ in range(2):
            page = await p.verify(number)
            assert page["status"] == "active" and page["checked_on"] == "2029-06-14"
        clock.set(datetime(2029, 6, 15, 0, 0, tzinfo=VIETNAM))
        page = await p.verify(number)
        assert page["status"] == "expired" and page["checked_on"] == str(date(2029, 6, 15))


async def test_a_cached_answer_carries_the_correlation_id_and_is_counted_in_the_latency_metric(
        tmp_path: Path) -> None:
    async with platform(tmp_path, clock=ManualClock(START)) as p:
        cert = await p.issue(stars=4)
        number = cert["number"]
        await p.pdf_of(cert["product_id"])
        first = await p.client.get(f"/certification/verify/{number}")
        async with p.runtime().sessions() as session:  # only a cached answer ignores this
            await session.execute(update(tables.certificates).where(tables.certificates.c.number == number)
                                  .values(entity_name="HTX đổi tên"))
            await session.commit()
        before = await verify_count(p)

        hit = await p.client.get(f"/certification/verify/{number}", headers={"X-Correlation-ID": "quay-ban-7"})
        assert hit.status_code == 200 and hit.content == first.content
        assert hit.headers["x-correlation-id"] == "quay-ban-7"
        fresh = await p.client.get(f"/certification/verify/{number}")
        assert fresh.content == first.content and uuid.UUID(fresh.headers["x-correlation-id"])
        assert await verify_count(p) == before + 2


async def verify_count(p: Any) -> float:
    """Requests to the verification route counted by the latency histogram so far."""
    metrics = (await p.client.get("/metrics")).text
    series = ('ocop_http_request_duration_seconds_count'
              '{method="GET",route="/certification/verify/{number}",status="200"}')
    found = [line for line in metrics.splitlines() if line.startswith(series)]
    return float(found[0].rsplit(" ", 1)[1]) if found else 0.0
