"""The report as an XLSX workbook: one sheet per table, headers in Vietnamese (or English)."""

from __future__ import annotations

import io

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]

from ..domain.layout import sheets, title
from ..domain.report import Report

_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="E8F0EA")


def render_report_xlsx(report: Report, lang: str = "vi") -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets(report, lang):
        ws = book.create_sheet(sheet.title[:31])
        ws.append([title(report, lang)])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append([])
        ws.append(sheet.headers)
        for cell in ws[3]:
            cell.font = _HEAD
            cell.fill = _FILL
        for row in sheet.rows:
            ws.append([value if isinstance(value, int | float | str) else str(value) for value in row])
        for index, header in enumerate(sheet.headers, start=1):
            width = max([len(str(header)), *(len(str(r[index - 1])) for r in sheet.rows)] or [10])
            ws.column_dimensions[ws.cell(row=3, column=index).column_letter].width = min(60, width + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
