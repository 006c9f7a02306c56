"""Report tables in the PDF: every value printed, long cells wrapped inside their column, rows
kept whole, the header on each page."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import SimpleDocTemplate

from reporting.adapters import pdf
from reporting.adapters.pdf_table import ELLIPSIS, column_widths, lay_out
from reporting.domain.layout import Sheet

LONG = ("Hợp tác xã Nông nghiệp Dịch vụ Thương mại Sản xuất Mắm và Khô cá đồng "
        "Châu Đốc - Tịnh Biên - Tri Tôn tỉnh An Giang, chi nhánh Long Xuyên, Châu Phú, Thoại Sơn, "
        "Chợ Mới, Phú Tân, An Phú, Tân Châu và các xã ven sông Hậu")


def build(sheet: Sheet) -> list[str]:
    """The text of each page of a PDF holding just the sheet's table."""
    pdf.find_font_dir()
    pdf._register_fonts(None)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4))
    doc.build([pdf._table(sheet, doc.width)])
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(buffer.getvalue())).pages]


def test_every_value_is_printed_with_the_header_on_each_page() -> None:
    rows: list[list[object]] = [[f"Sản phẩm {i}", "HTX Ba Chúc", 4] for i in range(300)]
    rows.append(["Mắm thái", LONG, 5])
    pages = build(Sheet("products", "Danh sách sản phẩm", ["Tên sản phẩm", "Chủ thể", "Sao"], rows))

    assert len(pages) > 1
    assert all(page.startswith("Tên sản phẩm Chủ thể Sao") for page in pages)
    text = " ".join(pages)
    assert [f"Sản phẩm {i} " in text for i in range(300)] == [True] * 300
    assert "Mắm thái" in text and "Châu Đốc - Tịnh Biên" in text and text.endswith("ven sông Hậu 5")


def test_a_long_cell_wraps_within_its_column_and_its_row_stays_on_one_page() -> None:
    pdf._register_fonts(None)
    page = SimpleDocTemplate(io.BytesIO(), pagesize=landscape(A4))  # as `build` lays it out
    widths = column_widths(["Tên sản phẩm", "Chủ thể", "Sao"], [["Mắm thái", LONG, "5"]], page.width,
                           pdf.TABLE_STYLE)
    row = lay_out(["Mắm thái", LONG, "5"], widths, pdf.SANS, pdf.TABLE_STYLE)
    entity_lines = row.cells[1]
    assert len(entity_lines) > 1 and " ".join(entity_lines) == LONG
    assert row.cells[0] == ("Mắm thái",) and row.cells[2] == ("5",)
    assert row.height > 2 * pdf.TABLE_STYLE.leading

    # short rows up to where one more short row fits on the first page, but not the long one
    frame = page.height - 12  # less the frame's padding
    short = lay_out(["Sản phẩm 0", "HTX", "3"], widths, pdf.SANS, pdf.TABLE_STYLE).height
    header = lay_out(["Tên sản phẩm", "Chủ thể", "Sao"], widths, pdf.SANS_BOLD, pdf.TABLE_STYLE).height
    count = int((frame - header) // short) - 1
    assert frame - header - count * short < row.height  # the long row does not fit there whole
    filler: list[list[object]] = [[f"Sản phẩm {i}", "HTX", 3] for i in range(count)]
    pages = build(Sheet("products", "x", ["Tên sản phẩm", "Chủ thể", "Sao"], [*filler, ["Mắm thái", LONG, 5]]))
    assert f"Sản phẩm {count - 1}" in pages[0] and "Mắm thái" not in pages[0] and "Hợp tác xã" not in pages[0]
    assert "Mắm thái" in pages[1] and "ven sông Hậu" in pages[1]  # the whole row, on the next page


def test_a_cell_too_long_for_a_page_is_shortened_visibly() -> None:
    pdf._register_fonts(None)
    huge = " ".join([LONG] * 40)
    row = lay_out([huge], [120], pdf.SANS, pdf.TABLE_STYLE)
    assert len(row.cells[0]) == pdf.TABLE_STYLE.max_lines and row.cells[0][-1].endswith(ELLIPSIS)
    pages = build(Sheet("x", "x", ["Chủ thể"], [[huge], ["sau"]]))
    assert "sau" in pages[-1]


def test_columns_fit_their_widest_word_and_a_word_wider_than_its_column_is_cut() -> None:
    pdf._register_fonts(None)
    style = pdf.TABLE_STYLE
    header = ["Sản phẩm", "Chủ thể", "Mã xã", "Đợt", "Nhóm"]
    rows = [["Mắm thái", LONG, "30316", "AG-2026-R1", "I"]]
    widths = column_widths(header, rows, 500, style)
    assert abs(sum(widths) - 500) < 1e-6
    for column, width in enumerate(widths):
        words = [*header[column].split(), *rows[0][column].split()]
        widest = max(stringWidth(w, style.header_font if w in header[column] else style.font, style.size)
                     for w in words)
        assert width >= widest + 2 * style.padding - 1e-6, header[column]

    narrow = lay_out(["AG-2026-R1-ĐẶC-BIỆT"], [40], style.font, style)
    room = 40 - 2 * style.padding
    assert len(narrow.cells[0]) > 1 and "".join(narrow.cells[0]) == "AG-2026-R1-ĐẶC-BIỆT"
    assert all(stringWidth(line, style.font, style.size) <= room for line in narrow.cells[0])
