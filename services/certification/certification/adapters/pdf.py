"""The certificate as a PDF: A4 landscape, Vietnamese with full diacritics, with its QR code.

Fonts: DejaVu Serif (text) and DejaVu Sans (the ★ glyphs), embedded as subsets, from the
Debian package ``fonts-dejavu-core`` (``/usr/share/fonts/truetype/dejavu``). Another
folder can be given with ``font_dir`` or the ``OCOP_FONT_DIR`` environment variable;
without the fonts, rendering fails with `FontsMissing`, naming the package.

The output is deterministic (reportlab's invariant mode: fixed creation date and
document id), so the same certificate and QR text give the same bytes, and the same
content-addressed object in storage.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import zxingcpp
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from ocop_shared.documents import fonts
from ocop_shared.documents.fonts import FONT_DIRS, FONT_PACKAGE, FontsMissing  # noqa: F401 (re-exported)

from ..domain.certificate import Certificate, SignedBy

_FONT_FILES = {
    "OCOP-Serif": "DejaVuSerif.ttf",
    "OCOP-Serif-Bold": "DejaVuSerif-Bold.ttf",
    "OCOP-Sans": "DejaVuSans.ttf",
    "OCOP-Sans-Bold": "DejaVuSans-Bold.ttf",
}
SERIF, SERIF_BOLD, SANS, SANS_BOLD = _FONT_FILES

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
RED = HexColor("#B3141B")
GOLD = HexColor("#C99A06")
GREEN = HexColor("#1F5E3A")
BLACK = HexColor("#000000")
GREY = HexColor("#444444")


@dataclass(frozen=True)
class _Fonts:
    folder: Path


_lock = fonts.LOCK  # reportlab's font registry and TTF subset state are process-global


def find_font_dir(font_dir: Path | str | None = None) -> Path:
    """The folder holding the DejaVu fonts, or FontsMissing naming the Debian package."""
    return fonts.find_font_dir(_FONT_FILES.values(), font_dir)


def _register_fonts(font_dir: Path | str | None) -> None:
    fonts.register(_FONT_FILES, font_dir)


def _vi(text: str) -> str:
    """NFC, so every Vietnamese letter is one precomposed glyph (ắ, not a + ˘ + ´)."""
    return unicodedata.normalize("NFC", text)


def _long_date(day: date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _short_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code of `text` (error correction M) as rows of modules, True where dark, without
    the quiet zone. zxing-cpp encodes in C++: about 1.5 ms where the pure-Python encoder took
    40, most of it choosing the mask."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = code.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape[:2]
    data = memoryview(image).tobytes()  # type: ignore[arg-type]  # a buffer; the stub does not say so
    return [[data[row * width + column] < 128 for column in range(width)]
            for row in range(height)]


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares in a `size` square at (x, y), quiet zone (4 modules)
    included: sharp at any zoom and on any printer, and cheaper than an image, whose pixels
    reportlab would expand to RGB and deflate on every certificate. Each run of dark modules
    in a row is one rectangle, all filled as one path so that no seam shows between them
    (written as PDF operators: reportlab's path methods would format 1,000 rectangles' floats)."""
    rows = qr_modules(text)
    module = size / (len(rows) + 8)
    runs = []
    for index, row in enumerate(rows):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            runs.append(f"{start} {index} {column - start} 1 re")
    canvas.saveState()
    canvas.setFillColor(BLACK)
    # one unit per module, rows downwards from the top left corner inside the quiet zone
    canvas.transform(module, 0, 0, -module, x + 4 * module, y + size - 4 * module)
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()


class _Page:
    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas

    def text(self, x: float, y: float, text: str, font: str, size: float, color: Color = BLACK,
             align: str = "left") -> float:
        """Draw one line; returns its width."""
        text = _vi(text)
        self.c.setFont(font, size)
        self.c.setFillColor(color)
        width: float = pdfmetrics.stringWidth(text, font, size)
        if align == "center":
            self.c.drawCentredString(x, y, text)
        elif align == "right":
            self.c.drawRightString(x, y, text)
        else:
            self.c.drawString(x, y, text)
        return width

    def fitted(self, x: float, y: float, text: str, font: str, size: float, max_width: float,
               color: Color = BLACK) -> None:
        """A centred line, shrunk to fit `max_width`."""
        text = _vi(text)
        while size > 6 and pdfmetrics.stringWidth(text, font, size) > max_width:
            size -= 0.5
        self.text(x, y, text, font, size, color, align="center")

    def wrapped(self, x: float, y: float, text: str, font: str, size: float, width: float,
                leading: float, color: Color = BLACK, align: str = "left") -> float:
        """Draw a paragraph; returns the y below its last line."""
        for line in simpleSplit(_vi(text), font, size, width):
            self.text(x, y, line, font, size, color, align)
            y -= leading
        return y


def render_certificate_pdf(certificate: Certificate, qr_text: str, *,
                           font_dir: Path | str | None = None) -> bytes:
    """The certificate PDF (bytes). `qr_text` is what the QR encodes (the verification URL).

    CPU-bound (about 0.1 s): call it from a worker thread (e.g. `asyncio.to_thread`); calls are
    serialised by a lock because reportlab's font state is shared.
    """
    with _lock:
        _register_fonts(font_dir)
        return _render(certificate, qr_text)


def _render(certificate: Certificate, qr_text: str) -> bytes:
    authority = certificate.authority
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, pageCompression=1)
    canvas.setTitle(_vi(f"Giấy chứng nhận sản phẩm OCOP số {certificate.number}"))
    canvas.setAuthor(_vi(authority.name_vi))
    canvas.setSubject(_vi(f"{certificate.product_name} — {certificate.stars} sao"))
    canvas.setCreator("OCOP platform")
    canvas.setKeywords(["OCOP", certificate.number, certificate.product_code])
    page = _Page(canvas)
    _frame_and_headers(page, certificate)
    y = _title_and_facts(page, certificate)
    _qr_and_signature(page, certificate, qr_text, y)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


RIGHT_X = 590.0  # centre of the right-hand column (motto, signature)


def _frame_and_headers(page: _Page, certificate: Certificate) -> None:
    """The double frame, the authority's header (left) and the national motto (right)."""
    canvas, authority = page.c, certificate.authority
    w, h = PAGE_WIDTH, PAGE_HEIGHT
    # frame
    canvas.setStrokeColor(GREEN)
    canvas.setLineWidth(3)
    canvas.rect(18, 18, w - 36, h - 36)
    canvas.setLineWidth(0.8)
    canvas.rect(26, 26, w - 52, h - 52)

    # headers: the authority (left) and the national motto (right)
    left_x, right_x, top = 215.0, RIGHT_X, h - 62
    y = top
    for line in authority.header_vi:
        page.text(left_x, y, line, SERIF_BOLD, 12, align="center")
        y -= 15
    canvas.setStrokeColor(BLACK)
    canvas.setLineWidth(0.6)
    canvas.line(left_x - 35, y + 9, left_x + 35, y + 9)
    page.text(left_x, y - 8, f"Số: {certificate.number}", SERIF, 11, align="center")

    page.text(right_x, top, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", SERIF_BOLD, 12, align="center")
    motto = "Độc lập - Tự do - Hạnh phúc"
    motto_width = page.text(right_x, top - 15, motto, SERIF_BOLD, 12, align="center")
    canvas.line(right_x - motto_width / 2, top - 19, right_x + motto_width / 2, top - 19)
    page.text(right_x, top - 38, f"{authority.place}, {_long_date(certificate.issued_on)}", SERIF, 11,
              align="center")


def _title_and_facts(page: _Page, certificate: Certificate) -> float:
    """The title, the decision it rests on and the certified facts; returns where they end."""
    authority = certificate.authority
    w, h = PAGE_WIDTH, PAGE_HEIGHT
    # title
    page.fitted(w / 2, h - 150, "GIẤY CHỨNG NHẬN", SERIF_BOLD, 28, w - 120, RED)
    page.fitted(w / 2, h - 176, "KẾT QUẢ ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP", SERIF_BOLD, 16, w - 120, RED)
    basis = (f"Căn cứ Quyết định số {certificate.decision_no} {_long_date(certificate.decision_date)} "
             f"của {authority.decider_vi} về việc công nhận kết quả đánh giá, phân hạng sản phẩm OCOP,")
    y = page.wrapped(w / 2, h - 202, basis, SERIF, 11, w - 200, 14, GREY, align="center")
    y -= 10
    page.text(w / 2, y, "CHỨNG NHẬN", SERIF_BOLD, 13, align="center")

    # the certified facts
    label_x, value_x, value_width = 200.0, 365.0, w - 365.0 - 60
    y -= 26

    def field(label: str, value: str, size: float = 12, font: str = SERIF_BOLD) -> None:
        nonlocal y
        page.text(label_x, y, label, SERIF, 12)
        y = page.wrapped(value_x, y, value, font, size, value_width, max(16.0, size * 1.25))
        y -= 4

    field("Sản phẩm:", certificate.product_name, 15)
    field("Mã số sản phẩm OCOP:", certificate.product_code)
    field("Chủ thể OCOP:", certificate.entity_name)
    if certificate.entity_address:
        field("Địa chỉ:", certificate.entity_address, 11, SERIF)
    page.text(label_x, y, "Đạt hạng:", SERIF, 12)
    star_width = page.text(value_x, y - 1, "★" * certificate.stars, SANS_BOLD, 18, GOLD)
    page.text(value_x + star_width + 8, y, f"{certificate.stars} SAO", SERIF_BOLD, 13, RED)
    y -= 20
    field("Bộ tiêu chí:", f"Quyết định số {certificate.regulation}", 11, SERIF)
    field("Thời hạn hiệu lực:",
          f"36 tháng, từ ngày {_short_date(certificate.issued_on)} "
          f"đến hết ngày {_short_date(certificate.valid_until)}", 12)
    return y


def _qr_and_signature(page: _Page, certificate: Certificate, qr_text: str, y: float) -> None:
    """The QR code and where to check it (bottom left), the signature block (bottom right)."""
    canvas, authority, right_x = page.c, certificate.authority, RIGHT_X
    # QR code and where to check (bottom left)
    qr_size, qr_x, qr_y = 104.0, 46.0, 60.0
    draw_qr(canvas, qr_text, qr_x, qr_y, qr_size)
    page.text(qr_x + qr_size / 2, qr_y - 10, "Quét mã QR để kiểm tra", SANS, 7.5, GREY, align="center")
    page.text(qr_x + qr_size + 10, qr_y + 36, f"Giấy chứng nhận số: {certificate.number}", SERIF_BOLD, 9)
    page.text(qr_x + qr_size + 10, qr_y + 22, "Tra cứu công khai:", SERIF, 8.5, GREY)
    page.text(qr_x + qr_size + 10, qr_y + 11, qr_text.split("?", 1)[0], SANS, 7, GREY)

    # signature block (bottom right)
    sy = max(min(165.0, y - 12), 95.0)  # below the facts, even when long names wrap
    for line in signature_block(authority.signature_vi, certificate.signed_by):
        page.text(right_x + 20, sy, line, SERIF_BOLD, 12, align="center")
        sy -= 15
    page.text(right_x + 20, sy - 4, "(Đã ký và đóng dấu)", SERIF, 9, GREY, align="center")
    if certificate.signed_by is not None:
        page.text(right_x + 20, sy - 22, certificate.signed_by.name, SERIF_BOLD, 12, align="center")


def signature_block(lines: tuple[str, ...], signed_by: SignedBy | None) -> list[str]:
    """The authority's signature block with the signer's own title in place of its last line:
    "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" when a vice-chairman signs for the
    chairman (Decree 30/2020/NĐ-CP, Appendix I: "KT." signing lines)."""
    if signed_by is None or not lines:
        return list(lines)
    own = [part.strip().upper() for part in signed_by.title.split(",") if part.strip()]
    return [*lines[:-1], *own] if own else list(lines)
