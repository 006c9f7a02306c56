"""The report as a PDF: A4 landscape, Vietnamese with full diacritics, charts where a reader would
rather look than read (stars by group, districts, trend by round).

Fonts: DejaVu Sans, embedded as subsets, from the Debian package ``fonts-dejavu-core``
(``/usr/share/fonts/truetype/dejavu``); another folder can be given with ``font_dir`` or the
``OCOP_FONT_DIR`` environment variable. Without the fonts, rendering fails with `FontsMissing`
naming the package. (The same approach as the certification service's certificate PDF; the
code is this service's own.)
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from ocop_shared.documents import fonts
from ocop_shared.documents.fonts import FONT_DIRS, FONT_PACKAGE, FontsMissing  # noqa: F401 (re-exported)

from ..domain.layout import Sheet, sheets, title
from ..domain.report import Report
from .pdf_table import RuledTable, TableStyle, column_widths

_FONT_FILES = {"RPT-Sans": "DejaVuSans.ttf", "RPT-Sans-Bold": "DejaVuSans-Bold.ttf"}
SANS, SANS_BOLD = _FONT_FILES
TABLE_STYLE = TableStyle(font=SANS, header_font=SANS_BOLD, size=7.5, leading=9, padding=6,
                         rule=colors.HexColor("#888888"), header_fill=colors.HexColor("#E8F0EA"))
STAR_COLOURS = ("#9E9E9E", "#BDBDBD", "#1F5E3A", "#C99A06", "#B3141B")


_lock = fonts.LOCK  # reportlab's font registry and TTF subset state are process-global


def find_font_dir(font_dir: Path | str | None = None) -> Path:
    return fonts.find_font_dir(_FONT_FILES.values(), font_dir)


def _register_fonts(font_dir: Path | str | None) -> None:
    fonts.register(_FONT_FILES, font_dir)


def _vi(text: object) -> str:
    """NFC, so every Vietnamese letter is one precomposed glyph (ắ, not a + ˘ + ´)."""
    return unicodedata.normalize("NFC", str(text))


def _escape(text: object) -> str:
    return _vi(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bar_chart(categories: list[str], series: list[tuple[str, str, list[int]]], footnote: str = "", *,
              width: float = 240 * mm, height: float = 80 * mm) -> Drawing:
    """Grouped vertical bars: one bar per series in each category, with a legend."""
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 40
    chart.width, chart.height = width - 200, height - 60
    chart.data = [values for _, _, values in series]
    chart.categoryAxis.categoryNames = [_vi(c) for c in categories]
    chart.categoryAxis.labels.fontName = SANS
    chart.categoryAxis.labels.fontSize = 6 if len(categories) > 8 else 8
    if len(categories) > 8:
        chart.categoryAxis.labels.angle = 30
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = SANS
    chart.valueAxis.valueMin = 0
    top = max((max(values) for _, _, values in series if values), default=0)
    chart.valueAxis.valueMax = max(top + 1, 4)
    chart.valueAxis.valueStep = max(1, (top + 1) // 5 or 1)
    for index, (_, colour, _) in enumerate(series):
        chart.bars[index].fillColor = colors.HexColor(colour)
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 150, height - 20
    legend.fontName = SANS
    legend.fontSize = 8
    legend.columnMaximum = 5
    legend.colorNamePairs = [(colors.HexColor(colour), _vi(label)) for label, colour, _ in series]
    drawing.add(legend)
    if footnote:
        drawing.add(String(40, 4, _vi(footnote)[:170], fontName=SANS, fontSize=6))
    return drawing


def stars_by_group_chart(report: Report, lang: str) -> Drawing:
    """Products per star (1-5) in each product group."""
    groups = report.by_group
    names = "; ".join(f"{row.category}: {row.name_en if lang == 'en' else row.name_vi}" for row in groups)
    return bar_chart([row.category for row in groups],
                     [(f"{star} ★", colour, [row.stars[str(star)] for row in groups])
                      for star, colour in enumerate(STAR_COLOURS, 1)], names)


def _short(name: str) -> str:
    for word in ("Thành phố ", "Thị xã ", "Huyện "):
        if name.startswith(word):
            return name[len(word):]
    return name


def districts_chart(report: Report, lang: str) -> Drawing:
    """Entities and products at 3★+ per district, town or city."""
    rows = report.by_district
    en = lang == "en"
    return bar_chart([_short(r.district_name) for r in rows],
                     [("Entities" if en else "Chủ thể", "#4A7A96", [r.entities for r in rows]),
                      ("Products 3★+" if en else "Sản phẩm 3★+", "#1F5E3A", [r.three_plus for r in rows])])


def trend_chart(report: Report, lang: str) -> Drawing:
    """Products evaluated and at 3★+ in every round so far."""
    rows = report.trend
    en = lang == "en"
    return bar_chart([r.round_id for r in rows],
                     [("Evaluated" if en else "Tham gia", "#9E9E9E", [r.evaluated for r in rows]),
                      ("3★+" if en else "Từ 3 sao", "#1F5E3A", [r.three_plus for r in rows])])


CHARTS = {
    "by_group": (stars_by_group_chart, "Stars by product group", "Hạng sao theo nhóm sản phẩm"),
    "by_district": (districts_chart, "Entities and 3★+ products by district",
                    "Chủ thể và sản phẩm từ 3 sao theo huyện, thị xã, thành phố"),
    "trend": (trend_chart, "Trend by round", "Kết quả qua các đợt đánh giá"),
}


def _table(sheet: Sheet, available: float) -> RuledTable:
    header = [_vi(h) for h in sheet.headers]
    rows = [[_vi(v) for v in row] for row in sheet.rows]
    return RuledTable.of(header, rows, column_widths(header, rows, available, TABLE_STYLE), TABLE_STYLE)


def render_report_pdf(report: Report, lang: str = "vi", *, font_dir: Path | str | None = None) -> bytes:
    """The report PDF (bytes). CPU-bound: call it from a worker thread."""
    with _lock:
        _register_fonts(font_dir)
        return _render(report, lang)


def _render(report: Report, lang: str) -> bytes:
    buffer = io.BytesIO()
    heading = _vi(title(report, lang))
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=heading,
                            author="OCOP platform", invariant=1)
    h1 = ParagraphStyle("h1", fontName=SANS_BOLD, fontSize=14, leading=18, spaceAfter=4)
    h2 = ParagraphStyle("h2", fontName=SANS_BOLD, fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=4,
                        keepWithNext=1)
    body = ParagraphStyle("body", fontName=SANS, fontSize=8.5, leading=11)
    en = lang == "en"
    story: list[Any] = [Paragraph(_escape(heading), h1)]
    span = (f"Period {report.start:%d/%m/%Y}–{report.end:%d/%m/%Y}; due {report.due:%d/%m/%Y}; "
            f"figures as of {report.generated_at:%d/%m/%Y %H:%M} UTC" if en else
            f"Kỳ báo cáo từ {report.start:%d/%m/%Y} đến {report.end:%d/%m/%Y}; hạn nộp {report.due:%d/%m/%Y}; "
            f"số liệu tính đến {report.generated_at:%d/%m/%Y %H:%M} UTC")
    story.append(Paragraph(_escape(span), body))
    plan_text = report.plan_en if en else report.plan_vi
    if plan_text:
        story.append(Paragraph(_escape(("Targets: " if en else "Chỉ tiêu theo ") + plan_text), body))
    all_sheets = sheets(report, lang)
    for sheet in all_sheets:
        story.append(Paragraph(_escape(sheet.title), h2))
        if sheet.key in CHARTS and sheet.rows:
            draw, caption_en, caption_vi = CHARTS[sheet.key]
            caption = ParagraphStyle("caption", parent=body, keepWithNext=1)
            story.append(Paragraph(_escape(caption_en if en else caption_vi), caption))
            story.append(draw(report, lang))
            story.append(Spacer(1, 4 * mm))
        if sheet.rows:
            story.append(_table(sheet, doc.width))
        else:
            story.append(Paragraph(_escape("(none)" if en else "(không có)"), body))
    doc.build(story)
    return buffer.getvalue()
