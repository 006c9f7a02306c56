"""A member's score sheet and the council minutes as PDF (reportlab) and XLSX (openpyxl).

Fonts: DejaVu Sans / Sans Bold (Vietnamese with full diacritics, and the ★ glyph), embedded as
subsets, from the Debian package ``fonts-dejavu-core``; another folder can be given with the
``OCOP_FONT_DIR`` environment variable. Without the fonts, rendering fails with
`FontsMissing`, naming the package. (Same approach as the certificate PDF; the scoring
service keeps its own copy so that services do not import each other.)

openpyxl is imported when an XLSX is asked for, so the service starts without it.
Rendering is CPU-bound: call these from a worker thread. Calls are serialised by a lock
because reportlab's font registry is process-global.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ocop_shared.documents import fonts
from ocop_shared.documents.fonts import FONT_DIRS, FONT_PACKAGE, FontsMissing  # noqa: F401 (re-exported)

from ..domain.reports import DECISION_VI, LEVEL_VI, ROLE_VI, MinutesReport, SheetReport

_FONT_FILES = {"OCOPScoring-Sans": "DejaVuSans.ttf", "OCOPScoring-Sans-Bold": "DejaVuSans-Bold.ttf"}
SANS, SANS_BOLD = _FONT_FILES
PDF_MEDIA_TYPE = "application/pdf"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_lock = fonts.LOCK  # reportlab's font registry and TTF subset state are process-global


def find_font_dir() -> Path:
    return fonts.find_font_dir(_FONT_FILES.values())


def _register_fonts() -> None:
    fonts.register(_FONT_FILES)


def _vi(text: Any) -> str:
    """NFC, so every Vietnamese letter is one precomposed glyph; XML-escaped for Paragraph."""
    value = unicodedata.normalize("NFC", "" if text is None else str(text))
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: Any) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text))


_STYLES = {
    "title": ParagraphStyle("title", fontName=SANS_BOLD, fontSize=13, leading=17, alignment=1),
    "subtitle": ParagraphStyle("subtitle", fontName=SANS, fontSize=10, leading=13, alignment=1),
    "body": ParagraphStyle("body", fontName=SANS, fontSize=9, leading=12),
    "bold": ParagraphStyle("bold", fontName=SANS_BOLD, fontSize=9, leading=12),
    "cell": ParagraphStyle("cell", fontName=SANS, fontSize=7.5, leading=9.5),
    "cellbold": ParagraphStyle("cellbold", fontName=SANS_BOLD, fontSize=7.5, leading=9.5),
    "h2": ParagraphStyle("h2", fontName=SANS_BOLD, fontSize=10, leading=14, spaceBefore=6),
}


def _p(text: Any, style: str = "body") -> Paragraph:
    return Paragraph(_vi(text), _STYLES[style])


def _grid(rows: list[list[Any]], widths: list[float], header: bool = True,
          bold_rows: Sequence[int] = ()) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")))
    for row in bold_rows:
        style.append(("BACKGROUND", (0, row), (-1, row), colors.HexColor("#F4F4F4")))
    table.setStyle(TableStyle(style))
    return table


def _build(story: list[Any], title: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                                 topMargin=14 * mm, bottomMargin=14 * mm, title=_plain(title),
                                 author="OCOP", creator="OCOP platform", invariant=1)
    document.build(story)
    return buffer.getvalue()


def _info(pairs: list[tuple[str, Any]]) -> Table:
    rows = [[_p(k, "bold"), _p(v)] for k, v in pairs]
    table = Table(rows, colWidths=[45 * mm, 137 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                               ("TOPPADDING", (0, 0), (-1, -1), 1)]))
    return table


# ------------------------------------------------------------------------------ sheet


def render_sheet_pdf(report: SheetReport) -> bytes:
    with _lock:
        _register_fonts()
        return _sheet_pdf(report)


def _sheet_pdf(r: SheetReport) -> bytes:
    story: list[Any] = [
        _p("PHIẾU ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP", "title"),
        _p(f"{r.product_set} — theo {r.regulation}", "subtitle"), Spacer(1, 4 * mm),
        _info([("Sản phẩm", r.product_name), ("Chủ thể OCOP", r.entity_name),
               ("Hội đồng", f"{r.council_name} ({r.level})"),
               ("Người chấm", f"{r.member_name} — {r.member_role}"
                              + (f", {r.member_department}" if r.member_department else "")),
               ("Trạng thái phiếu", r.status + (f", nộp lúc {r.submitted_at:%d/%m/%Y %H:%M} (UTC)"
                                                if r.submitted_at else "")),
               ("Mã phiên đánh giá", r.evaluation_id)]),
        Spacer(1, 4 * mm),
    ]
    rows: list[list[Any]] = [[_p("Mã", "cellbold"), _p("Tiêu chí", "cellbold"),
                              _p("Lựa chọn của thành viên", "cellbold"), _p("Điểm", "cellbold"),
                              _p("Tối đa", "cellbold"), _p("Mức tối thiểu theo hạng sao", "cellbold")]]
    bold: list[int] = []
    for line in r.lines:
        if line.kind == "part":
            bold.append(len(rows))
            rows.append([_p(line.code, "cellbold"), _p(line.name, "cellbold"), "",
                         _p(line.points, "cellbold"), _p(line.maximum, "cellbold"), ""])
        elif line.kind == "group":
            rows.append([_p(line.code, "cellbold"), _p(line.name, "cellbold"), _p(line.note, "cell"),
                         "", _p(line.maximum, "cell"), ""])
        else:
            name = line.name + (f" — {line.note}" if line.note else "")
            rows.append([_p(line.code, "cell"), _p(name, "cell"), _p(line.chosen, "cell"),
                         _p("" if line.points is None else line.points, "cell"),
                         _p(line.maximum, "cell"), _p(line.marks, "cell")])
    story.append(_grid(rows, [12 * mm, 62 * mm, 58 * mm, 11 * mm, 11 * mm, 28 * mm], bold_rows=bold))
    story.append(Spacer(1, 3 * mm))
    parts = ", ".join(f"phần {k}: {v}" for k, v in r.part_totals.items())
    story.append(_p(f"Tổng điểm: {r.total}/{r.maximum} ({parts})", "bold"))
    if r.knockout:
        story.append(_p(f"Đề nghị loại sản phẩm — {r.knockout}", "bold"))
    story += [Spacer(1, 10 * mm), _p("Người chấm (ký, ghi rõ họ tên)", "bold"), Spacer(1, 14 * mm),
              _p(r.member_name)]
    return _build(story, f"Phiếu đánh giá {r.product_name} — {r.member_name}")


def render_sheet_xlsx(r: SheetReport) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]  # only the XLSX exports need it
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

    book = Workbook()
    ws = book.active
    ws.title = "Phiếu chấm"
    bold = Font(bold=True)
    head = [("PHIẾU ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP", ""), ("Bộ sản phẩm", r.product_set),
            ("Văn bản", r.regulation), ("Sản phẩm", r.product_name), ("Chủ thể OCOP", r.entity_name),
            ("Hội đồng", f"{r.council_name} ({r.level})"), ("Người chấm", r.member_name),
            ("Vai trò", r.member_role), ("Đơn vị", r.member_department), ("Trạng thái", r.status),
            ("Mã phiên đánh giá", r.evaluation_id)]
    for label, value in head:
        ws.append([_plain(label), _plain(value)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append(["Mã", "Tiêu chí", "Lựa chọn của thành viên", "Điểm", "Tối đa",
               "Mức tối thiểu theo hạng sao", "Ghi chú"])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for line in r.lines:
        ws.append([line.code, _plain(line.name), _plain(line.chosen), line.points, line.maximum,
                   _plain(line.marks), _plain(line.note)])
        if line.kind != "leaf":
            for cell in ws[ws.max_row]:
                cell.font = bold
    ws.append([])
    for part, points in r.part_totals.items():
        ws.append([f"Phần {part}", "", "", points])
    ws.append(["Tổng điểm", "", "", r.total, r.maximum])
    for cell in ws[ws.max_row]:
        cell.font = bold
    if r.knockout:
        ws.append(["Đề nghị loại sản phẩm", _plain(r.knockout)])
    for column, width in zip("ABCDEFG", (10, 60, 50, 8, 8, 28, 40), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return _save(book)


def _save(book: Any) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- minutes


def _decision_text(m: MinutesReport) -> str:
    b = m.body
    decision = b.get("decision", "")
    text = str(DECISION_VI.get(decision, decision))
    stars = b.get("stars")
    if decision == "recognised":
        text += f" {stars} sao ({LEVEL_VI.get(b.get('recognised_by') or '', '')} công nhận)"
    elif decision == "escalated":
        text += f" ({LEVEL_VI.get(b.get('escalated_to') or '', '')}); điểm trung bình {b.get('mean_score')}"
    elif decision == "fallback":
        text += (f": {LEVEL_VI.get(b.get('recognised_by') or '', '')} công nhận {stars} sao từ kết quả "
                 f"{LEVEL_VI.get(b.get('fallback_from') or '', '')}")
    elif decision in ("no_certificate", "not_recognised"):
        text += f" — {stars} sao"
    return text


def _member_rows(body: dict[str, Any]) -> list[list[str]]:
    rows = []
    for m in body.get("members", []):
        parts = m.get("part_totals") or {}
        conflicts = "; ".join(c["reason_vi"] for c in m.get("conflicts", []))
        sheet = {"submitted": "Đã nộp", "draft": "Chưa nộp"}.get(m.get("sheet_status") or "", "—")
        if m.get("knockout"):
            ko = m["knockout"]
            sheet += f"; đề nghị loại ({ko.get('criterion_code') or 'hồ sơ'}: {ko.get('reason_vi')})"
        if m.get("sheet_status") == "submitted" and not m.get("counted"):
            sheet += " (không tính)"
        rows.append([_plain(m.get("name")), ROLE_VI.get(m.get("role", ""), m.get("role", "")),
                     _plain(m.get("department") or ""), "Có" if m.get("present") else "Vắng",
                     _plain(conflicts), sheet, *(str(parts.get(k, "")) for k in ("A", "B", "C")),
                     "" if m.get("total") is None else str(m.get("total"))])
    return rows


def _aggregation(body: dict[str, Any]) -> list[tuple[str, str]]:
    q = body.get("quorum", {})
    council = body.get("council", {})
    pairs = [
        ("Túc số", f"{q.get('present')}/{q.get('voting_members')} thành viên có quyền chấm có mặt, "
                   f"cần {q.get('required')} (tỷ lệ {council.get('quorum')}"
                   + (", có chủ tịch" if council.get("quorum_requires_chair") else "") + ")"),
        ("Số phiếu tính điểm", f"{body.get('sheets_scored')}/{body.get('sheets_submitted')}"),
        ("Chênh lệch điểm", f"{body.get('spread')} (tối đa {council.get('max_spread')})"),
    ]
    if body.get("outcome") == "ranked":
        parts = ", ".join(f"phần {k}: {v}" for k, v in (body.get("part_scores") or {}).items())
        pairs += [("Điểm trung bình", f"{body.get('mean_score')} ({parts})"),
                  ("Hạng theo điểm", f"{body.get('band_stars')} sao"),
                  ("Hạng sau mức tối thiểu", f"{body.get('stars')} sao")]
        for cap in body.get("caps", []):
            pairs.append(("Giới hạn hạng sao", cap.get("message_vi", "")))
    for k in body.get("knockouts", []):
        pairs.append(("Đề nghị loại", f"{k.get('member_id')} — {k.get('criterion_code') or 'hồ sơ'}: "
                                      f"{k.get('reason_vi')}"))
    if body.get("override"):
        overridden = "; ".join(b["message_vi"] for b in body.get("overridden", []))
        pairs.append(("Quyết định của chủ tịch", f"{body['override'].get('reason')} ({overridden})"))
    return pairs


def render_minutes_pdf(m: MinutesReport) -> bytes:
    with _lock:
        _register_fonts()
        return _minutes_pdf(m)


def _minutes_pdf(m: MinutesReport) -> bytes:
    b = m.body
    council = b.get("council", {})
    written = b.get("written_opinions")
    title = ("BIÊN BẢN TỔNG HỢP Ý KIẾN BẰNG VĂN BẢN CỦA HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP"
             if written else "BIÊN BẢN HỌP HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP")
    story: list[Any] = [
        _p(title, "title"), _p(f"{council.get('name')} ({m.level})", "subtitle"), Spacer(1, 4 * mm),
        _info([("Sản phẩm", m.product_name), ("Chủ thể OCOP", m.entity_name),
               ("Bộ sản phẩm", f"Bộ số {b.get('product_set_no')}: {b.get('product_set_name')}"),
               ("Văn bản áp dụng", b.get("regulation")), ("Đợt đánh giá", m.round_id),
               ("Quyết định thành lập hội đồng", council.get("establishment_ref") or "—"),
               ("Số quyết định / biên bản", b.get("decision_ref")),
               ("Thời điểm kết thúc", f"{m.finalised_at:%d/%m/%Y %H:%M} (UTC)"),
               ("Mã phiên đánh giá", m.evaluation_id)]),
        _p("I. Thành phần và phiếu chấm", "h2"),
    ]
    header = ["Họ tên", "Vai trò", "Đơn vị", "Có mặt", "Xung đột lợi ích", "Phiếu", "A", "B", "C",
              "Tổng"]
    rows = [[_p(h, "cellbold") for h in header]]
    rows += [[_p(v, "cell") for v in row] for row in _member_rows(b)]
    story.append(_grid(rows, [28 * mm, 18 * mm, 24 * mm, 12 * mm, 28 * mm, 30 * mm, 9 * mm, 9 * mm,
                              9 * mm, 11 * mm]))
    story.append(_p("II. Tổng hợp kết quả", "h2"))
    story.append(_info(_aggregation(b)))
    story.append(_p("III. Kết luận", "h2"))
    story.append(_p(_decision_text(m), "bold"))
    story += [Spacer(1, 10 * mm),
              Table([[_p("THƯ KÝ HỘI ĐỒNG", "bold"), _p("CHỦ TỊCH HỘI ĐỒNG", "bold")]],
                    colWidths=[91 * mm, 91 * mm])]
    return _build(story, f"Biên bản hội đồng — {m.product_name}")


def render_minutes_xlsx(m: MinutesReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    b = m.body
    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    council = b.get("council", {})
    bold = Font(bold=True)
    summary.append(["BIÊN BẢN HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP"])
    summary["A1"].font = Font(bold=True, size=13)
    for label, value in [("Hội đồng", f"{council.get('name')} ({m.level})"),
                         ("Sản phẩm", m.product_name), ("Chủ thể OCOP", m.entity_name),
                         ("Bộ sản phẩm", f"Bộ số {b.get('product_set_no')}: {b.get('product_set_name')}"),
                         ("Văn bản áp dụng", b.get("regulation")), ("Đợt đánh giá", m.round_id),
                         ("Số quyết định / biên bản", b.get("decision_ref")),
                         ("Lấy ý kiến bằng văn bản", "Có" if b.get("written_opinions") else "Không"),
                         ("Mã phiên đánh giá", m.evaluation_id), *_aggregation(b),
                         ("Kết luận", _decision_text(m))]:
        summary.append([_plain(label), _plain(value)])
        summary.cell(summary.max_row, 1).font = bold
    summary.column_dimensions["A"].width = 32
    summary.column_dimensions["B"].width = 100
    members = book.create_sheet("Thành viên")
    members.append(["Họ tên", "Vai trò", "Đơn vị", "Có mặt", "Xung đột lợi ích", "Phiếu", "Phần A",
                    "Phần B", "Phần C", "Tổng"])
    for cell in members[1]:
        cell.font = bold
    for row in _member_rows(b):
        members.append([*row[:6], *(int(v) if v.isdigit() else v for v in row[6:])])
    for column, width in zip("ABCDEFGHIJ", (28, 18, 26, 8, 40, 40, 8, 8, 8, 8), strict=True):
        members.column_dimensions[column].width = width
    return _save(book)
