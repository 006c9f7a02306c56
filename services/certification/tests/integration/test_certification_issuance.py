"""A council result becomes a certificate: once, with its PDF in the object store and a QR that verifies."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date, timedelta
from pathlib import Path

from cert_platform import START, platform, scored
from pypdf import PdfReader
from sqlalchemy import func, select, update

from certification.adapters.tables import certificates, results
from certification.domain.validity import valid_until
from helpers import qr_codes_in, run_chain, tax_code
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import topics


def pdf_text_and_qr(pdf: bytes) -> tuple[str, list[str]]:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text(), qr_codes_in(pdf)


async def test_a_four_star_result_becomes_an_active_certificate_with_its_pdf_and_qr(tmp_path: Path) -> None:
    async with platform(tmp_path, names=["registry", "scoring", "certification", "trade"]) as p:
        ids = await run_chain(p.client, p.settings, registration_no=tax_code(701), mean_score="72.50")
        summary = await p.certificate_of(ids["product_id"])
        number = summary["number"]
        assert summary["stars"] == 4 and summary["status"] == summary["effective_status"] == "active"

        page = await p.verify(number)
        today = page["checked_on"]
        assert page["status"] == "active" and page["status_label"] == "Còn hiệu lực"
        assert page["product_name"] == "Mắm cá linh Châu Đốc"
        assert page["entity_name"] == "HTX Nông nghiệp Mắm Châu Đốc"
        [decision] = await p.decisions()  # the recognition decision the certificate cites
        assert decision["status"] == "signed" and decision["authority"] == "UBND tỉnh An Giang"
        assert [i["certificate_number"] for i in decision["items"]] == [number]
        assert page["authority"] == "UBND tỉnh An Giang" and page["decision_no"] == decision["number"]
        decided = await p.wait_for_event("RecognitionDecided")
        assert [e.payload.number for e in decided] == [decision["number"]]
        assert page["issued_on"] == today
        issued = date.fromisoformat(today)
        assert date.fromisoformat(page["valid_until"]) == valid_until(issued)  # 36 months
        assert number.startswith(f"91-{issued.year}-") and page["product_code"].startswith("91-30316-")
        assert [h["status"] for h in page["history"]] == ["active"]
        assert "Cấp giấy chứng nhận sản phẩm OCOP 4 sao" in page["history"][0]["reason"]

        # the PDF: rendered after issue by the document job, kept in the object store under its
        # sha256, reachable through a short-lived link
        stored = await p.pdf_of(ids["product_id"])
        assert await p.runtime().store.exists(stored)
        link = await p.client.get(f"/certification/certificates/{number}/pdf")
        assert link.status_code == 307 and "/files/" in link.headers["location"]
        pdf = (await p.client.get(link.headers["location"])).content
        assert pdf.startswith(b"%PDF-")
        assert hashlib.sha256(pdf).hexdigest() == stored
        text, codes = pdf_text_and_qr(pdf)
        for expected in ("GIẤY CHỨNG NHẬN", "Mắm cá linh Châu Đốc", page["product_code"], f"Số: {number}",
                         "★★★★", "4 SAO", "TỈNH AN GIANG", page["valid_until"][:4],
                         decision["signer_name"], "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"):
            assert expected in text, expected

        # its QR: the verification URL with a signed token, genuine for this certificate
        assert len(codes) == 1 and codes[0].startswith(f"{p.settings.base_url()}/certification/verify/{number}?t=")
        scanned = await p.client.post("/certification/verify-qr", json={"text": codes[0]})
        assert scanned.status_code == 200, scanned.text
        assert scanned.json()["qr"]["valid"] is True and scanned.json()["number"] == number
        opened = await p.verify(number, t=codes[0].split("?t=")[1])
        assert opened["qr"] == {**opened["qr"], "valid": True, "code": "ok", "signed_status": "active"}

        certified = await p.wait_for_event("Certified")
        assert certified[0].payload.qr_text == codes[0]
        assert certified[0].payload.verification_url == f"{p.settings.base_url()}/certification/verify/{number}"
        assert certified[0].payload.authority == "UBND tỉnh An Giang"


async def test_the_pdf_link_renders_a_pdf_the_document_job_has_not_reached_yet(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        product = str(uuid.uuid4())
        summary = await p.issue(product)
        rendered_by_job = await p.pdf_of(product)
        async with p.runtime().uow() as uow:  # as if the job had not got there yet
            await uow.session.execute(update(certificates).where(certificates.c.id == summary["id"])
                                      .values(pdf_sha256=None, pdf_size=None))
            await uow.commit()
        assert (await p.certificate_of(product))["pdf_sha256"] is None
        assert (await p.verify(summary["number"]))["pdf_url"]  # offered all the same

        link = await p.client.get(f"/certification/certificates/{summary['number']}/pdf")
        assert link.status_code == 307
        pdf = (await p.client.get(link.headers["location"])).content
        assert hashlib.sha256(pdf).hexdigest() == rendered_by_job  # the same document, byte for byte
        assert (await p.certificate_of(product))["pdf_sha256"] == rendered_by_job


async def test_a_two_star_result_makes_no_certificate(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        product = str(uuid.uuid4())
        await p.inject(scored(product, stars=2, mean_score="48.00"))
        async with p.runtime().uow() as uow:
            count = await uow.session.scalar(select(func.count()).select_from(certificates))
            outcome = await uow.session.scalar(select(results.c.outcome).where(results.c.product_id == product))
        assert count == 0 and outcome == "below_three_stars"
        assert await p.events() == []


async def test_the_same_scored_delivered_twice_yields_one_certificate(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        product = str(uuid.uuid4())
        event = scored(product)
        await p.inject(event)
        await p.inject(event, event)  # the broker delivers it again, twice
        # the scoring service re-emits the same result as a new event (another event id)
        again = scored(product, evaluation_id=event.payload.evaluation_id)
        await p.inject(again)
        await p.decide()
        assert await p.decide() == [], "nothing awaits a second decision"
        async with p.runtime().uow() as uow:
            count = await uow.session.scalar(select(func.count()).select_from(certificates)
                                             .where(certificates.c.product_id == product))
        assert count == 1
        await p.wait_for_event("Certified")
        assert [e.type for e in await p.events()] == ["Certified"]


async def test_a_five_star_certificate_is_issued_by_the_ministry(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        product = str(uuid.uuid4())
        await p.inject(scored(product, stars=5, level="province", mean_score="92.00"))  # forwarded, not final
        await p.inject(scored(product, stars=5, level="central", mean_score="91.50"))
        summary = await p.certificate_of(product)
        page = await p.verify(summary["number"])
        assert page["authority"] == "Bộ Nông nghiệp và Môi trường" and page["stars"] == 5
        assert summary["number"].startswith("BNNMT-")
        link = await p.client.get(f"/certification/certificates/{summary['number']}/pdf", follow_redirects=True)
        text, _ = pdf_text_and_qr(link.content)
        assert "BỘ NÔNG NGHIỆP" in text and "KT. BỘ TRƯỞNG" in text and "THỨ TRƯỞNG" in text
        async with p.runtime().uow() as uow:
            outcomes = list(await uow.session.scalars(select(results.c.outcome)
                                                       .where(results.c.product_id == product)))
        assert sorted(outcomes) == ["issued", "not_recognising"]


async def test_an_upgrade_supersedes_the_old_certificate_and_keeps_the_product_code(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        product = str(uuid.uuid4())
        first = await p.issue(product, stars=3, mean_score="61.00")
        clock.advance(timedelta(days=200))
        await p.inject(scored(product, stars=4, case="upgrade", mean_score="78.00", clock=clock))
        await p.decide()

        async def both() -> list[dict[str, object]]:
            r = await p.client.get("/certification/certificates", headers=p.office, params={"product_id": product})
            return list(r.json()["items"])

        listed = await both()
        assert len(listed) == 2
        newer = next(c for c in listed if c["number"] != first["number"])
        assert newer["product_code"] == first["product_code"], "the product keeps its OCOP code"
        old_page = await p.verify(first["number"])
        assert old_page["status"] == "superseded" and old_page["superseded_by"] == newer["number"]
        assert [(h["from_status"], h["status"]) for h in old_page["history"]] == [
            (None, "active"), ("active", "superseded")]
        assert f"Được thay thế bằng giấy chứng nhận số {newer['number']}" in old_page["history"][1]["reason"]
        new_page = await p.verify(newer["number"])
        assert new_page["status"] == "active" and new_page["stars"] == 4
        assert new_page["supersedes"] == first["number"]

        await p.wait_for_event("Certified", count=2)
        await p.wait_for_event("CertificateSuperseded")
        events = await p.events()
        assert [e.type for e in events] == ["Certified", "CertificateSuperseded", "Certified"]
        assert events[1].payload.superseded_by == newer["number"] and events[1].aggregate_version == 2
        assert events[2].payload.supersedes == first["number"] and events[2].aggregate_version == 1

        # no star change outside re-rating: a weaker "upgrade" or a new first evaluation changes nothing
        await p.inject(scored(product, stars=3, case="upgrade", mean_score="65.00", clock=clock),
                       scored(product, stars=5, case="first", level="central", mean_score="95.00", clock=clock))
        assert len(await both()) == 2
        assert len(await p.events()) == 3
        async with p.runtime().uow() as uow:
            outcomes = list(await uow.session.scalars(select(results.c.outcome)
                                                       .where(results.c.product_id == product)
                                                       .order_by(results.c.recorded_at)))
        assert sorted(outcomes) == ["already_certified", "issued", "issued", "upgrade_not_achieved"]
        assert topics.CERTIFICATE == events[0].topic
