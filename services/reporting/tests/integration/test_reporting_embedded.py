"""Reporting on the embedded platform: events of every topic in, the report out as JSON, XLSX, PDF.

Only the reporting service runs here; the events are written to the bus the way the other
services would publish them, deliberately out of order across topics (certificates and catalog
changes before the council results, entities last) and some twice.
"""

from __future__ import annotations

import asyncio
import io
import subprocess
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from helpers import as_role, running_platform, wait_until
from ocop_shared.auth import Role
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import (
    CatalogEntryAdded,
    CertificateRevoked,
    Certified,
    EntityRegistered,
    EvaluationEscalated,
    ProductRegistered,
    ProductSubmitted,
    RecognitionDecided,
    Scored,
)
from ocop_shared.contracts.certification_events import (
    CertificateRevokedPayload,
    CertifiedPayload,
    RecognisedProduct,
    RecognitionDecidedPayload,
)
from ocop_shared.contracts.common import EntityFacts, EvaluationCase, LegalForm, Level
from ocop_shared.contracts.registry_events import (
    EntityRegisteredPayload,
    ProductRegisteredPayload,
    ProductSubmittedPayload,
)
from ocop_shared.contracts.scoring_events import EvaluationEscalatedPayload, ScoredPayload
from ocop_shared.contracts.trade_events import CatalogEntryAddedPayload
from ocop_shared.messaging.embedded import EmbeddedLog
from ocop_shared.messaging.outbox import new_event
from ocop_shared.messaging.transport import OutboundMessage
from ocop_shared.settings import Settings

REG = "1048/QĐ-TTg"

# (name, set no, legal form, commune, stars, escalated to central)
PRODUCTS = [
    ("Mắm cá linh Châu Đốc", 9, LegalForm.COOPERATIVE, "30316", 4, False),
    ("Khô cá lóc Sáu Tâm", 8, LegalForm.HOUSEHOLD, "30316", 3, False),
    ("Đường thốt nốt Tri Tôn", 4, LegalForm.ENTERPRISE_LLC, "30337", 5, True),
    ("Trà khổ qua rừng", 12, LegalForm.HOUSEHOLD, "30337", 3, False),
    ("Rượu nếp Phú Tân", 14, LegalForm.ENTERPRISE_JSC, "30340", 2, False),
    ("Khăn rằn thổ cẩm Văn Giáo", 22, LegalForm.COOPERATIVE_GROUP, "30340", 3, False),
]


# the district-level unit of each commune in 2021 (codes of An Giang 89)
DISTRICTS = {"30316": ("884", "Thành phố Châu Đốc"), "30337": ("886", "Huyện An Phú"),
             "30340": ("887", "Thị xã Tân Châu")}


class Bus:
    """Writes events onto the embedded log as their producers would."""

    def __init__(self, data_dir: Path) -> None:
        self.log = EmbeddedLog(data_dir / "bus.sqlite3")
        self.clock = ManualClock(datetime(2021, 4, 20, 3, tzinfo=UTC))

    def event(self, cls: Any, payload: Any, aggregate_id: str, producer: str) -> Any:
        return new_event(cls, payload, aggregate_id=aggregate_id, aggregate_version=1, producer=producer,
                         clock=self.clock)

    async def publish(self, *events: Any) -> None:
        await self.log.open()
        await self.log.append([OutboundMessage(e.topic, e.aggregate_id, e.to_json_bytes()) for e in events])


def build_events(bus: Bus) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {"entities": [], "products": [], "scores": [], "certs": [], "catalog": []}
    decided: list[RecognisedProduct] = []
    for index, (name, set_no, form, commune, stars, central) in enumerate(PRODUCTS):
        entity_id, product_id, submission_id = (str(uuid.uuid4()) for _ in range(3))
        evaluation_id = str(uuid.uuid4())
        facts = EntityFacts(entity_id=entity_id, name=f"Chủ thể {index}", legal_form=form,
                            commune_code=commune, province_code="89")
        out["entities"].append(bus.event(EntityRegistered, EntityRegisteredPayload(
            entity_id=entity_id, name=facts.name, legal_form=form, registration_no=f"R{index}",
            commune_code=commune, province_code="89", district_code=DISTRICTS[commune][0],
            district_name=DISTRICTS[commune][1]), entity_id, "registry"))
        out["products"] += [
            bus.event(ProductRegistered, ProductRegisteredPayload(
                product_id=product_id, entity_id=entity_id, name=name, product_set_no=set_no,
                commune_code=commune, province_code="89"), product_id, "registry"),
            bus.event(ProductSubmitted, ProductSubmittedPayload(
                product_id=product_id, submission_id=submission_id, round_id="AG-2021-R1",
                case=EvaluationCase.FIRST, product_name=name, product_set_no=set_no, regulation=REG,
                entity=facts), product_id, "registry")]
        out["scores"].append(bus.event(Scored, ScoredPayload(
            evaluation_id=evaluation_id, product_id=product_id, submission_id=submission_id,
            round_id="AG-2021-R1", case=EvaluationCase.FIRST, regulation=REG, level=Level.PROVINCE,
            recognising=not central, stars=stars, mean_score=Decimal(18 * stars + 1),
            part_scores={"A": Decimal(30)}, council_decision_ref="QĐ 1/QĐ-UBND", product_name=name,
            product_set_no=set_no, entity_id=entity_id, entity_name=facts.name, commune_code=commune,
            province_code="89", escalated_to=Level.CENTRAL if central else None), evaluation_id, "scoring"))
        if central:
            out["scores"].append(bus.event(EvaluationEscalated, EvaluationEscalatedPayload(
                evaluation_id=evaluation_id, product_id=product_id, submission_id=submission_id,
                round_id="AG-2021-R1", from_level=Level.PROVINCE, to_level=Level.CENTRAL,
                next_evaluation_id=str(uuid.uuid4()), mean_score=Decimal(91), stars=5), evaluation_id,
                "scoring"))
        elif stars >= 3:
            certificate_id, number = str(uuid.uuid4()), f"89-2021-{index:05d}"
            decided.append(RecognisedProduct(evaluation_id=evaluation_id, product_id=product_id,
                                             product_name=name, stars=stars, certificate_number=number))
            out["certs"].append(bus.event(Certified, CertifiedPayload(
                certificate_id=certificate_id, number=number, product_id=product_id, product_code=f"P{index}",
                product_name=name, entity_id=entity_id, entity_name=facts.name, stars=stars, regulation=REG,
                decision_no="QĐ 2/QĐ-UBND", issued_on=date(2021, 4, 25), valid_until=date(2024, 4, 24),
                authority="UBND tỉnh An Giang", verification_url=f"http://x/{number}"), certificate_id,
                "certification"))
            out["catalog"].append(bus.event(CatalogEntryAdded, CatalogEntryAddedPayload(
                catalog_id="province", catalog_version=len(out["catalog"]) + 1, product_id=product_id,
                product_name=name, product_code=f"P{index}", entity_name=facts.name, stars=stars,
                certificate_number=number, valid_until=date(2024, 4, 24), verification_url="http://x"),
                "province", "trade"))
            if name.startswith("Khô"):
                out["certs"].append(bus.event(CertificateRevoked, CertificateRevokedPayload(
                    certificate_id=certificate_id, number=number, product_id=product_id, grounds=[3],
                    decision_no="QĐ 9/QĐ-UBND", revoked_on=date(2021, 9, 1), reason="Vi phạm ghi nhãn"),
                    certificate_id, "certification"))
    out["certs"].insert(0, bus.event(RecognitionDecided, RecognitionDecidedPayload(
        decision_id="d1", round_id="AG-2021-R1", number="512/QĐ-UBND", signed_on=date(2021, 4, 24),
        signer_name="Trần Văn B", signer_title="KT. Chủ tịch, Phó Chủ tịch", issuer_id="province-committee",
        authority="UBND tỉnh An Giang", products=decided, document_sha256="a" * 64), "d1", "certification"))
    return out


def png_pages(pdf: Path) -> list[Path]:
    """The PDF's pages rendered with poppler (pdftoppm), as PNG files."""
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(pdf.parent / "page")], check=True)
    return sorted(pdf.parent.glob("page*.png"))


# Over 60 lines: one set of events, shuffled, and the same report in its three formats.
async def test_the_annual_report_from_events_in_any_order_as_json_xlsx_and_pdf(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    bus = Bus(tmp_path)
    events = build_events(bus)
    async with running_platform(settings, ["reporting"]) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        # certificates and catalog changes first, then results, products, entities last; some twice
        await bus.publish(*events["certs"], *events["catalog"])
        await bus.publish(*events["scores"], *events["scores"][:2])
        await bus.publish(*events["products"])
        await bus.publish(*events["entities"])
        url = "/reporting/reports/2021/annual"

        async def complete() -> dict[str, Any] | None:
            r = await client.get(url, headers=office)
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            types = {t["entity_type"] for t in body["by_entity_type"] if t["entities"]}
            located = sum(d["entities"] for d in body["by_district"]) == len(PRODUCTS)  # registrations in
            done = body["summary"]["revocations"] == 1 and "unknown" not in types and len(types) == 4 and located
            return body if done and body["showrooms"] else None

        body = await wait_until(complete, what="every event projected")
        s = body["summary"]
        assert (s["evaluated"], s["three_plus"], s["entities"], s["national_evaluation"]) == (6, 5, 6, 1)
        assert s["share_three_plus"] == round(5 / 6, 4)
        assert [(r["products"], r["recognised"], r["awaiting_decision"], r["pending_central"])
                for r in body["by_star"]] == [(0, 0, 0, 0), (1, 0, 0, 0), (3, 3, 0, 0), (1, 1, 0, 0), (1, 0, 0, 1)]
        groups = {g["category"]: (g["evaluated"], g["three_plus"]) for g in body["by_group"]}
        assert groups == {"I": (4, 4), "II": (1, 0), "III": (0, 0), "IV": (1, 1), "V": (0, 0), "VI": (0, 0)}
        types = {t["entity_type"]: t["entities"] for t in body["by_entity_type"]}
        assert types == {"household": 2, "enterprise": 2, "cooperative": 1, "cooperative_group": 1, "other": 0}
        assert {c["commune_code"]: c["entities"] for c in body["by_commune"]} == {
            "30316": 2, "30337": 2, "30340": 2}
        assert body["showrooms"] == [{"catalog_id": "province", "products": 4, "three_star": 3,
                                      "four_star": 1, "five_star": 0}]
        assert [(c["kind"], c["product_name"]) for c in body["changes"]] == [("revoked", "Khô cá lóc Sáu Tâm")]
        targets = {t["metric"]: (t["actual"], t["met"]) for t in body["targets"]}
        assert targets == {"products_3_star_plus": (5, False), "share_3_star_plus": (round(5 / 6, 4), True),
                           "min_entities_per_unit": (0, False), "national_evaluation": (1, False),
                           "upgrades": (0, False)}
        # the plan's 11 districts, towns and cities, those without participants included
        districts = {d["district_name"]: (d["entities"], d["three_plus"]) for d in body["by_district"]}
        assert len(districts) == 11 and districts["Huyện Thoại Sơn"] == (0, 0)
        assert districts["Thành phố Châu Đốc"] == (2, 2) and districts["Thị xã Tân Châu"] == (2, 1)
        assert [(r["round_id"], r["evaluated"], r["three_plus"]) for r in body["trend"]] == [("AG-2021-R1", 6, 5)]
        half = (await client.get("/reporting/reports/2021/half-year", headers=office)).json()
        assert half["end"] == "2021-05-30" and half["summary"]["revocations"] == 0
        assert half["summary"]["evaluated"] == 6

        # XLSX: one sheet per table, Vietnamese headers (English on request)
        r = await client.get(url, headers=office, params={"format": "xlsx"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml")
        book = load_workbook(io.BytesIO(r.content))
        assert "Theo nhóm sản phẩm" in book.sheetnames and "Chỉ tiêu kế hoạch" in book.sheetnames
        assert [c.value for c in book["Theo hạng sao"][3]] == ["Hạng sao", "Số sản phẩm", "Được công nhận",
                                                               "Chờ quyết định công nhận", "Đề xuất trung ương"]
        stars = book["Theo hạng sao"]
        assert stars["A1"].font.bold and stars["A3"].font.bold and stars["A3"].fill.fgColor.rgb.endswith("E8F0EA")
        assert stars.column_dimensions["E"].width == len("Đề xuất trung ương") + 2
        names = [row[0].value for row in book["Danh sách sản phẩm"].iter_rows(min_row=4)]
        assert "Mắm cá linh Châu Đốc" in names
        r = await client.get(url, headers=office, params={"format": "xlsx", "lang": "en"})
        assert "By product group" in load_workbook(io.BytesIO(r.content)).sheetnames

        # PDF: renders, with its chart, and keeps the diacritics
        r = await client.get(url, headers=office, params={"format": "pdf"})
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(r.content)
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())
        assert "Mắm cá linh Châu Đốc" in text and "Theo nhóm sản phẩm" in text
        assert text.startswith("Báo cáo năm 2021 — Chương trình OCOP tỉnh An Giang")
        assert await asyncio.to_thread(png_pages, pdf)
        en = await client.get(url, headers=office, params={"format": "pdf", "lang": "en"})
        assert "By product group" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(en.content)).pages)

        # only the coordination office reads reports; periods are half-year or annual
        assert (await client.get(url)).status_code == 401
        producer = await as_role(client, Role.ENTITY_USER)
        assert (await client.get(url, headers=producer)).status_code == 403
        assert (await client.get("/reporting/reports/2021/quarter", headers=office)).status_code == 422
