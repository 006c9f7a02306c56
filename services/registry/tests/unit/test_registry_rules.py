"""Pure registry rules: identifiers, file types, dossier completeness, rounds and windows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ocop_shared.contracts.common import EvaluationCase, LegalForm
from ocop_shared.storage import filetypes
from registry.domain import files, validation
from registry.domain.documents import Document, DocumentKind, reusable_on
from registry.domain.dossier import Claim, Dossier, Form01, Form02, ProductFacts, missing_items
from registry.domain.errors import DomainError
from registry.domain.rounds import Round, check_case_allowed, check_round_open, rerating_window


@pytest.mark.parametrize("raw, expected", [
    ("0912 345 678", "0912345678"), ("+84 912.345.678", "0912345678"),
    ("84912345678", "0912345678"), ("02963 852 123", "02963852123")])
def test_phone_numbers_are_normalised(raw: str, expected: str) -> None:
    assert validation.normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "0112345678", "091234567", "+1 415 555 0100"])
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(DomainError) as error:
        validation.normalise_phone(raw)
    assert error.value.field == "phone"


def test_tax_code_check_digit() -> None:
    code = validation.with_check_digit("160054321")
    assert code is not None and validation.tax_code_valid(code)
    wrong = code[:9] + str((int(code[9]) + 1) % 10)
    assert not validation.tax_code_valid(wrong)
    assert validation.tax_code_valid(code + "-001"), "a branch keeps its parent's check digit"


def test_registration_numbers_depend_on_the_legal_form() -> None:
    code = validation.with_check_digit("160054321")
    assert code
    assert validation.normalise_registration(code, LegalForm.COOPERATIVE) == code
    assert validation.normalise_registration("91a8012345", LegalForm.HOUSEHOLD) == "91A8012345"
    with pytest.raises(DomainError):
        validation.normalise_registration("91A8012345", LegalForm.ENTERPRISE_JSC)
    assert validation.normalise_email(" HTX@Example.VN ") == "htx@example.vn"


def test_file_types_come_from_the_content() -> None:
    assert files.check_content(b"%PDF-1.7 ...", "ho-so.pdf") is filetypes.PDF
    assert files.check_content(b"\xff\xd8\xff\xe0....", "anh.JPG") is filetypes.JPEG
    with pytest.raises(DomainError, match="executable"):
        files.check_content(b"\x7fELF\x02\x01", "bao-cao.pdf")
    with pytest.raises(DomainError, match=r"named \.pdf but its content is PNG"):
        files.check_content(b"\x89PNG\r\n\x1a\n....", "ho-so.pdf")
    with pytest.raises(DomainError, match="not an accepted type"):
        files.check_content(b"plain text", "ghi-chu.txt")


def test_safe_file_names_keep_diacritics_and_drop_paths() -> None:
    assert files.safe_filename("C:\\Users\\lan\\Phiếu kiểm nghiệm.pdf") == "Phiếu kiểm nghiệm.pdf"
    assert files.safe_filename("../../etc/passwd") == "passwd"
    assert files.safe_filename("\x00\x1f") == "tep"
    assert len(files.safe_filename("a" * 400 + ".pdf")) <= 150


def doc(kind: DocumentKind, until: date | None = None, doc_id: str = "d",
        replaces: str | None = None) -> Document:
    return Document(id=doc_id, product_id="p", kind=kind, sha256="0" * 64, size=1,
                    content_type="application/pdf", filename="x.pdf",
                    uploaded_at=datetime(2026, 1, 1, tzinfo=UTC), valid_until=until,
                    replaces_id=replaces)


FULL = [doc(DocumentKind.BUSINESS_REGISTRATION, doc_id="a"),
        doc(DocumentKind.PRODUCT_PHOTO, doc_id="b"), doc(DocumentKind.LABEL, doc_id="c"),
        doc(DocumentKind.FOOD_SAFETY_CERTIFICATE, date(2029, 1, 1), "d"),
        doc(DocumentKind.QUALITY_DECLARATION, doc_id="e"),
        doc(DocumentKind.TEST_REPORT, date(2027, 1, 1), "f")]
FORM01 = Form01(applicant="HTX", representative="Lan", representative_position="GĐ",
                address="x", phone="0912345678", email="a@b.vn", product_name="Mắm",
                samples=5, commitment=True)


def dossier(case: EvaluationCase = EvaluationCase.FIRST, claims: tuple[str, ...] = ("1.1", "1.2"),
            samples: int = 5, changes: str = "") -> Dossier:
    return Dossier(id="x", product_id="p", case=case, round_id="r",
                   form01=Form01(**{**FORM01.__dict__, "samples": samples}),
                   form02=Form02(specification="", plan_results="", next_plan="", changes=changes,
                                 claims=tuple(Claim(c, 0) for c in claims)))


def test_a_complete_food_dossier_misses_nothing() -> None:
    assert missing_items(dossier(), ProductFacts(9, "I"), FULL, ["1.1", "1.2"],
                         date(2026, 11, 28)) == []


def test_missing_items_are_listed_one_by_one() -> None:
    missing = missing_items(dossier(claims=("1.1",), samples=3), ProductFacts(9, "I"), FULL[:2],
                            ["1.1", "1.2"], date(2026, 11, 28))
    english = [en for _, en in missing]
    assert english == [
        "5 product samples (3 declared)",
        "Self-scoring of criteria: 1.2",
        "Food-safety facility certificate",
        "Quality declaration",
        "Laboratory test report",
        "Product label",
    ]


def test_tourism_needs_no_samples_no_label_and_no_food_papers() -> None:
    tourism = [FULL[0], FULL[1]]
    assert missing_items(dossier(samples=0), ProductFacts(26, "VI"), tourism, ["1.1", "1.2"],
                         date(2026, 11, 28)) == []


def test_rerating_needs_the_changes_and_valid_time_limited_papers() -> None:
    missing = missing_items(dossier(EvaluationCase.RERATING), ProductFacts(9, "I"), FULL,
                            ["1.1", "1.2"], date(2027, 3, 1))
    english = [en for _, en in missing]
    assert "Changes and results since recognition (Form 02)" in english
    assert any("expired 2027-01-01" in en for en in english)


def test_reuse_takes_current_valid_versions_only() -> None:
    old = doc(DocumentKind.TEST_REPORT, date(2027, 1, 1), "old")
    new = doc(DocumentKind.TEST_REPORT, date(2028, 1, 1), "new", replaces="old")
    expired = doc(DocumentKind.FOOD_SAFETY_CERTIFICATE, date(2026, 1, 1), "fs")
    assert [d.id for d in reusable_on([old, new, expired], date(2026, 6, 1))] == ["new"]


def test_rounds_and_rerating_window() -> None:
    round_ = Round("AG-2026-R1", "Đợt 1", "26/2026/QĐ-TTg", date(2026, 1, 1), date(2026, 4, 30))
    check_round_open(round_, date(2026, 4, 30))
    with pytest.raises(DomainError, match="2026-04-30"):
        check_round_open(round_, date(2026, 5, 1))
    assert rerating_window(date(2029, 11, 27)) == (date(2029, 5, 31), date(2029, 7, 30))
    check_case_allowed(EvaluationCase.RERATING, date(2029, 5, 31), date(2029, 11, 27), True)
    check_case_allowed(EvaluationCase.RERATING, date(2029, 7, 30), date(2029, 11, 27), True)
    for day in (date(2029, 5, 30), date(2029, 7, 31)):
        with pytest.raises(DomainError):
            check_case_allowed(EvaluationCase.RERATING, day, date(2029, 11, 27), True)
    with pytest.raises(DomainError, match="active OCOP certificate"):
        check_case_allowed(EvaluationCase.UPGRADE, date(2027, 1, 1), None, False)
    with pytest.raises(DomainError, match="already holds"):
        check_case_allowed(EvaluationCase.FIRST, date(2027, 1, 1), date(2029, 1, 1), True)
