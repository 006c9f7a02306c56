"""Exports: a member's sheet and the council minutes with the aggregation, as PDF and XLSX,
in Vietnamese with full diacritics."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader
from scoring_desk import EIGHTY, FOUR70, SIXTY_NINE, VOTERS, Desk, problem

from helpers import as_role, running_platform
from ocop_shared.auth import Role
from ocop_shared.settings import Settings

PRODUCT = "Mắm cá linh Châu Đốc"
PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return nfc("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def xlsx_values(content: bytes) -> dict[str, list[list[object]]]:
    book = load_workbook(io.BytesIO(content))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


# Over 60 lines: one scored evaluation and each of its documents checked.
async def test_member_sheet_and_minutes_as_pdf_and_xlsx(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["scoring"]) as (client, _):
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8, product_name=PRODUCT,
                                       entity_name="HTX Nông nghiệp Mắm Châu Đốc")
        await desk.council()
        eid = evaluation["id"]
        for member_id, choices in zip(VOTERS, (EIGHTY, FOUR70, FOUR70, SIXTY_NINE), strict=True):
            await desk.hand_in_ok(eid, member_id, choices)
        problem(await client.get(f"/scoring/evaluations/{eid}/minutes", headers=desk.office), 409,
                "not-finalised")
        problem(await client.get(f"/scoring/evaluations/{eid}/sheets/tv-ct/export",
                                 headers=desk.office), 403, "blind")
        # a member exports their own sheet at any time
        r = await client.get(f"/scoring/evaluations/{eid}/sheets/tv-ct/export",
                             headers=await desk.as_("tv-ct"), params={"format": "pdf"})
        assert r.status_code == 200 and r.headers["content-type"] == PDF_TYPE
        text = pdf_text(r.content)
        assert PRODUCT in text and "PHIẾU ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP" in text
        assert "Lê Thị Cúc" in text and "Tổng điểm: 70/100" in text
        assert "Bộ số 8" in text and "Sở Công Thương" in text
        await desk.finalise_ok(eid, override_reason="Hội đồng đã thảo luận, giữ nguyên điểm")

        r = await client.get(f"/scoring/evaluations/{eid}/sheets/tv-ct/export",
                             headers=desk.office, params={"format": "xlsx"})
        assert r.status_code == 200 and r.headers["content-type"] == XLSX_TYPE
        sheet = xlsx_values(r.content)["Phiếu chấm"]
        assert ["Sản phẩm", PRODUCT] in [row[:2] for row in sheet]
        assert ["Tổng điểm", None, None, 70, 100] in [row[:5] for row in sheet]
        assert ["4.1"] in [row[:1] for row in sheet]

        r = await client.get(f"/scoring/evaluations/{eid}/minutes", headers=desk.office)
        assert r.status_code == 200 and r.headers["content-type"] == PDF_TYPE
        assert 'filename="bien-ban-' in r.headers["content-disposition"]
        text = pdf_text(r.content)
        assert PRODUCT in text and "BIÊN BẢN HỌP HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP" in text
        assert "72.25" in text and "Nguyễn Thị Hồng" in text and "giữ nguyên điểm" in text
        assert "Đề nghị công nhận 4 sao" in text

        r = await client.get(f"/scoring/evaluations/{eid}/minutes", headers=await desk.as_("tv-yt"),
                             params={"format": "xlsx"})
        assert r.status_code == 200 and r.headers["content-type"] == XLSX_TYPE
        book = xlsx_values(r.content)
        summary = {row[0]: row[1] for row in book["Tổng hợp"] if row and row[0]}
        assert summary["Sản phẩm"] == PRODUCT
        assert summary["Điểm trung bình"].startswith("72.25")  # type: ignore[union-attr]
        assert summary["Chênh lệch điểm"].startswith("11")  # type: ignore[union-attr]
        members = book["Thành viên"]
        assert [row[0] for row in members[1:]] == ["Nguyễn Thị Hồng", "Trần Văn Bình", "Lê Thị Cúc",
                                                   "Phạm Văn Dũng", "Võ Thị Em"]
        assert [row[9] for row in members[1:5]] == [80, 70, 70, 69]

        stranger = await as_role(client, Role.ENTITY_USER, subject="chu-the")
        assert (await client.get(f"/scoring/evaluations/{eid}/minutes",
                                 headers=stranger)).status_code == 403
        await desk.council(level="central", members=[  # a seat on another council
            {"member_id": "tv-hoi-dong-khac", "name": "Chủ tịch khác", "role": "chair"},
            {"member_id": "tw-tv1", "name": "Thành viên 1", "role": "member"},
            {"member_id": "tw-tv2", "name": "Thành viên 2", "role": "member"}])
        outsider = await as_role(client, Role.COUNCIL_MEMBER, subject="tv-hoi-dong-khac")
        problem(await client.get(f"/scoring/evaluations/{eid}/minutes", headers=outsider), 403,
                "not-assigned")
