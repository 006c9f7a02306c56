"""Report tables in the PDF: short cells as plain text, long ones wrapped, every value printed."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import Paragraph, SimpleDocTemplate

from reporting.adapters import pdf
from reporting.domain.layout import Sheet

LONG = ("Hợp tác xã Nông nghiệp Dịch vụ Thương mại Sản xuất Mắm và Khô cá đồng "
        "Châu Đốc - Tịnh Biên - Tri Tôn tỉnh An Giang, chi nhánh Long Xuyên, Châu Phú, Thoại Sơn, "
        "Chợ Mới, Phú Tân, An Phú, Tân Châu và các xã ven sông Hậu")


def test_short_cells_are_plain_text_and_long_ones_wrap_with_every_value_printed() -> None:
    rows: list[list[object]] = [[f"Sản phẩm {i}", "HTX Ba Chúc", 4] for i in range(300)]
    rows.append(["Mắm thái", LONG, 5])
    sheet = Sheet("products", "Danh sách sản phẩm", ["Sản phẩm", "Chủ thể", "Sao"], rows)
    pdf.find_font_dir()
    pdf._register_fonts(None)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4))
    table = pdf._table(sheet, doc.width)
    cells = table._cellvalues
    assert cells[1] == ["Sản phẩm 0", "HTX Ba Chúc", "4"]
    assert isinstance(cells[-1][1], Paragraph) and cells[-1][0] == "Mắm thái"

    doc.build([table])
    reader = PdfReader(io.BytesIO(buffer.getvalue()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert len(reader.pages) > 1 and text.count("Sản phẩm ") >= 300 + len(reader.pages)  # header on each page
    assert "Sản phẩm 299" in text and "Châu Đốc - Tịnh Biên" in text
