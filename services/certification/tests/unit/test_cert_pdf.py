"""The certificate PDF: Vietnamese text that survives extraction, A4 landscape, a readable QR."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cert_builders import ISSUED_AT, issue
from pypdf import PdfReader

from certification.adapters.pdf import (
    FontsMissing,
    find_font_dir,
    qr_modules,
    render_certificate_pdf,
    signature_block,
)
from certification.adapters.signing import KeyRing, qr_text_for, verify_token
from certification.domain.certificate import SignedBy
from helpers import qr_codes_in

BASE = "https://ocop.angiang.gov.vn"


def render(**overrides: object) -> tuple[bytes, str, KeyRing]:
    ring = KeyRing.generate()
    certificate = issue(entity_address="Phường Châu Đốc, tỉnh An Giang", **overrides)
    qr_text = qr_text_for(ring, certificate, base_url=BASE, issued_at=ISSUED_AT)
    return render_certificate_pdf(certificate, qr_text), qr_text, ring


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_has_the_vietnamese_certificate_text() -> None:
    pdf, _, _ = render()
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for expected in (
        "ỦY BAN NHÂN DÂN", "TỈNH AN GIANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc", "GIẤY CHỨNG NHẬN", "KẾT QUẢ ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP",
        "Mắm cá linh Châu Đốc", "Hợp tác xã Thủy sản Bà Giáo Khỏe", "89-30301-1-2026",
        "Số: 89-2026-00001", "★★★★", "4 SAO", "Quyết định số 1234/QĐ-UBND ngày 15 tháng 06 năm 2026",
        "Chủ tịch UBND tỉnh An Giang", "từ ngày 15/06/2026 đến hết ngày 14/06/2029",
        "Quyết định số 26/2026/QĐ-TTg", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH",
        f"{BASE}/certification/verify/89-2026-00001",
    ):
        assert expected in text, expected
    assert "★★★★★" not in text


def test_the_decision_s_signer_signs_the_certificate_with_their_own_title() -> None:
    text = text_of(render(signed_by=SignedBy("Hồ Văn Mừng", "KT. Chủ tịch, Phó Chủ tịch"))[0])
    assert "TM. ỦY BAN NHÂN DÂN" in text and "KT. CHỦ TỊCH" in text and "PHÓ CHỦ TỊCH" in text
    assert "Hồ Văn Mừng" in text
    unsigned = text_of(render()[0])
    assert "KT. CHỦ TỊCH" not in unsigned and "Hồ Văn Mừng" not in unsigned


def test_the_signature_block_takes_the_signer_s_title_in_place_of_its_last_line() -> None:
    block = ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert signature_block(block, None) == list(block)
    assert signature_block(block, SignedBy("A", "Chủ tịch")) == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert signature_block(block, SignedBy("A", "KT. Chủ tịch, Phó Chủ tịch")) == [
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert signature_block(("BỘ TRƯỞNG",), SignedBy("B", "KT. Bộ trưởng, Thứ trưởng")) == [
        "KT. BỘ TRƯỞNG", "THỨ TRƯỞNG"]


def test_a_five_star_certificate_comes_from_the_ministry() -> None:
    text = text_of(render(stars=5)[0])
    assert "BỘ NÔNG NGHIỆP" in text and "VÀ MÔI TRƯỜNG" in text and "BỘ TRƯỞNG" in text
    assert "★★★★★" in text and "Hà Nội, ngày 15 tháng 06 năm 2026" in text
    assert "ỦY BAN NHÂN DÂN" not in text


def test_the_page_is_a4_landscape() -> None:
    page = PdfReader(io.BytesIO(render()[0])).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)


def test_the_same_certificate_gives_the_same_bytes() -> None:
    ring = KeyRing.generate()
    certificate = issue()
    qr_text = qr_text_for(ring, certificate, base_url=BASE, issued_at=ISSUED_AT)
    first = render_certificate_pdf(certificate, qr_text)
    assert render_certificate_pdf(certificate, qr_text) == first
    later = qr_text_for(ring, certificate, base_url=BASE, issued_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert render_certificate_pdf(certificate, later) != first


def test_decomposed_input_is_printed_as_precomposed_letters() -> None:
    decomposed = unicodedata.normalize("NFD", "Khô cá lóc Tri Tôn")
    assert decomposed != "Khô cá lóc Tri Tôn"
    assert "Khô cá lóc Tri Tôn" in text_of(render(product_name=decomposed)[0])


def test_long_names_wrap_instead_of_running_off_the_page() -> None:
    name = "Bánh phồng sữa dừa nước cốt lá dứa truyền thống làng nghề Chợ Mới " * 2
    text = text_of(render(product_name=name.strip())[0])
    assert "Bánh phồng sữa dừa" in text and "Chợ Mới" in text


def test_the_printed_qr_decodes_to_a_token_that_verifies() -> None:
    pdf, qr_text, ring = render()
    decoded = qr_codes_in(pdf)
    assert decoded == [qr_text]
    assert verify_token(ring, decoded[0]).number == "89-2026-00001"
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0, "vector squares, not an image"


def test_qr_modules_are_a_square_of_dark_and_light() -> None:
    rows = qr_modules("OCOP")
    assert len(rows) == 21 and all(len(row) == 21 for row in rows)  # version 1
    assert rows[0][:7] == [True] * 7 and rows[1][1:6] == [False] * 5  # the finder pattern


def test_missing_fonts_name_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(FontsMissing) as raised:
        render_certificate_pdf(issue(), "x", font_dir=tmp_path)
    assert "fonts-dejavu-core" in str(raised.value) and str(tmp_path) in str(raised.value)
    with pytest.raises(FontsMissing):
        find_font_dir(tmp_path)


def test_the_font_folder_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("OCOP_FONT_DIR", str(tmp_path))
    with pytest.raises(FontsMissing, match=str(tmp_path)):
        find_font_dir()
    monkeypatch.delenv("OCOP_FONT_DIR")
    installed = find_font_dir()
    monkeypatch.setenv("OCOP_FONT_DIR", str(installed))
    assert find_font_dir() == installed
