"""Evidence files are recognised by their content, never by their name."""

from __future__ import annotations

import pytest

from certification.domain.evidence import JPEG, PDF, PNG, WEBP, UnsupportedFile, check_evidence, safe_filename


@pytest.mark.parametrize(("head", "name", "kind"), [
    (b"%PDF-1.7\n", "bien-ban.pdf", PDF), (b"\xff\xd8\xff\xe0", "anh.JPG", JPEG),
    (b"\x89PNG\r\n\x1a\n", "anh.png", PNG), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "anh.webp", WEBP),
    (b"%PDF-1.4", "khong-duoi", PDF),
])
def test_accepted_types(head: bytes, name: str, kind: object) -> None:
    assert check_evidence(head, name) is kind


@pytest.mark.parametrize(("head", "name"), [
    (b"MZ\x90\x00", "bien-ban.pdf"), (b"PK\x03\x04", "a.docx"), (b"\x89PNG\r\n\x1a\n", "anh.pdf"),
])
def test_refused(head: bytes, name: str) -> None:
    with pytest.raises(UnsupportedFile) as raised:
        check_evidence(head, name)
    assert raised.value.vi and raised.value.en


def test_safe_names_keep_vietnamese_and_drop_folders() -> None:
    assert safe_filename("../../etc/Biên bản kiểm tra.pdf") == "Biên bản kiểm tra.pdf"
    assert safe_filename("C:\\tmp\\a<b>.png") == "a_b_.png"
    assert safe_filename("...") == "bang-chung"
