"""The report as an XLSX workbook: one sheet per table, headers in Vietnamese (or English)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from ..domain.layout import sheets, title
from ..domain.report import Report

_TITLE = Font(bold=True, size=12)
_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="E8F0EA")


def render_report_xlsx(report: Report, lang: str = "vi") -> bytes:
    """Written row by row (openpyxl's write-only mode): a national product list is 240,000
    cells, which a workbook held in memory cell by cell takes several times longer to save."""
    book = Workbook(write_only=True)
    heading = title(report, lang)
    for sheet in sheets(report, lang):
        ws = book.create_sheet(sheet.title[:31])
        for index, header in enumerate(sheet.headers, start=1):  # widths go before the rows
            width = max([len(str(header)), *(len(str(r[index - 1])) for r in sheet.rows)] or [10])
            ws.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
        ws.append([_styled(ws, heading, _TITLE)])
        ws.append([])
        ws.append([_styled(ws, header, _HEAD, _FILL) for header in sheet.headers])
        for row in sheet.rows:
            ws.append([value if isinstance(value, int | float | str) else str(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _styled(ws: Any, value: object, font: Font, fill: PatternFill | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell
