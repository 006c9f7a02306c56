"""Revocation cases (15-day deadline, competent authority) and the inspections that open them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from cert_builders import VALID_UNTIL, at, issue

from certification.domain.authority import AuthorityLevel, Issuer, legacy_issuer
from certification.domain.certificate import CertificateStatus
from certification.domain.errors import CaseClosed, IllegalTransition, InvalidCertificate, InvalidGrounds
from certification.domain.inspection import Evidence, Inspection, InspectionKind, InspectionOutcome
from certification.domain.revocation import CaseStatus, RevocationCase, revoke_by_case

CONCLUDED = date(2027, 3, 2)
DEADLINE = date(2027, 3, 17)


def open_case(**overrides: object) -> RevocationCase:
    fields: dict[str, object] = {
        "id": "case-1", "certificate_number": "89-2026-00001", "stars": 4, "grounds": [3],
        "conclusion": "Mẫu kiểm nghiệm vượt ngưỡng histamine (Chi cục Thủy sản)",
        "concluded_on": CONCLUDED, "at": at(CONCLUDED),
    }
    fields.update(overrides)
    fields.setdefault("issuer", legacy_issuer(4, "An Giang"))
    return RevocationCase.open(**fields)  # type: ignore[arg-type]


def test_a_case_has_a_15_day_deadline_from_the_conclusion() -> None:
    case = open_case(grounds=[3, 2, 3], opened_on=date(2027, 3, 4))
    assert case.status is CaseStatus.OPEN
    assert case.grounds == (2, 3)
    assert (case.concluded_on, case.opened_on, case.deadline) == (CONCLUDED, date(2027, 3, 4), DEADLINE)
    assert case.days_left(date(2027, 3, 4)) == 13
    assert not case.overdue_on(DEADLINE) and case.days_left(DEADLINE) == 0
    assert case.overdue_on(DEADLINE + timedelta(days=1))
    assert open_case().opened_on == CONCLUDED


@pytest.mark.parametrize(("stars", "level", "decider"), [
    (3, AuthorityLevel.PROVINCE, "Chủ tịch UBND tỉnh An Giang"),
    (4, AuthorityLevel.PROVINCE, "Chủ tịch UBND tỉnh An Giang"),
    (5, AuthorityLevel.MINISTRY, "Bộ trưởng Bộ Nông nghiệp và Môi trường"),
])
def test_the_competent_authority_depends_on_the_stars(stars: int, level: AuthorityLevel,
                                                      decider: str) -> None:
    authority = open_case(stars=stars, issuer=legacy_issuer(stars, "An Giang")).authority
    assert (authority.level, authority.decider_vi) == (level, decider)


def test_a_case_goes_to_the_issuer_or_to_its_successor_after_a_reform() -> None:
    district = Issuer("district-committee", "An Giang", "Huyện Chợ Mới")
    before = open_case(stars=3, issuer=district, concluded_on=date(2025, 5, 2), at=at(date(2025, 5, 2)))
    after = open_case(stars=3, issuer=district)
    assert (before.authority.decider_vi, before.authority.level) == (
        "Chủ tịch UBND huyện Chợ Mới", AuthorityLevel.DISTRICT)
    assert (after.authority.decider_vi, after.authority.level) == (
        "Chủ tịch UBND tỉnh An Giang", AuthorityLevel.PROVINCE)


@pytest.mark.parametrize("grounds", [[], [7], [0, 1]])
def test_a_case_needs_grounds_one_to_six(grounds: list[int]) -> None:
    with pytest.raises(InvalidGrounds) as raised:
        open_case(grounds=grounds)
    assert raised.value.vi and raised.value.en


def test_a_case_needs_a_conclusion_and_cannot_open_before_it() -> None:
    with pytest.raises(InvalidCertificate):
        open_case(conclusion=" ")
    with pytest.raises(IllegalTransition):
        open_case(opened_on=CONCLUDED - timedelta(days=1))
    with pytest.raises(InvalidCertificate):
        open_case(stars=2)


def test_deciding_closes_the_case_and_records_lateness() -> None:
    on_time = open_case()
    on_time.decide(decision_no="77/QĐ-UBND", decided_on=DEADLINE, at=at(DEADLINE))
    assert on_time.status is CaseStatus.DECIDED and not on_time.decided_late
    assert not on_time.overdue_on(DEADLINE + timedelta(days=30))

    late = open_case()
    late.decide(decision_no="78/QĐ-UBND", decided_on=DEADLINE + timedelta(days=1), at=at(DEADLINE))
    assert late.decided_late

    with pytest.raises(CaseClosed):
        late.decide(decision_no="79/QĐ-UBND", decided_on=DEADLINE, at=at(DEADLINE))
    with pytest.raises(CaseClosed):
        late.dismiss(reason="đã khắc phục", on=DEADLINE, at=at(DEADLINE))


def test_dismissing_needs_a_reason() -> None:
    case = open_case()
    with pytest.raises(InvalidCertificate):
        case.dismiss(reason="", on=DEADLINE, at=at(DEADLINE))
    case.dismiss(reason="Chủ thể đã khắc phục, tái kiểm đạt", on=date(2027, 3, 10), at=at(DEADLINE))
    assert case.status is CaseStatus.DISMISSED and not case.overdue_on(DEADLINE + timedelta(days=1))
    with pytest.raises(IllegalTransition):
        open_case().decide(decision_no="1/QĐ", decided_on=CONCLUDED - timedelta(days=1), at=at(CONCLUDED))


def test_revoke_by_case_revokes_the_certificate_on_the_case_grounds() -> None:
    certificate = issue()
    case = open_case(grounds=[3, 4])
    revoke_by_case(case, certificate, decision_no="80/QĐ-UBND", decided_on=date(2027, 3, 12),
                   at=at(date(2027, 3, 12)))
    assert case.status is CaseStatus.DECIDED
    assert certificate.status is CertificateStatus.REVOKED
    assert certificate.revocation is not None and certificate.revocation.grounds == (3, 4)
    assert certificate.history[-1].reason.endswith(case.conclusion)


def test_revoke_by_case_refuses_another_certificate_or_an_expired_one() -> None:
    with pytest.raises(IllegalTransition):
        revoke_by_case(open_case(), issue(number="89-2026-00002"), decision_no="1/QĐ",
                       decided_on=DEADLINE, at=at(DEADLINE))
    expired = issue()
    case = open_case(concluded_on=VALID_UNTIL - timedelta(days=3))
    with pytest.raises(IllegalTransition):
        revoke_by_case(case, expired, decision_no="2/QĐ", decided_on=VALID_UNTIL + timedelta(days=2),
                       at=at(VALID_UNTIL + timedelta(days=2)))
    assert case.status is CaseStatus.OPEN and expired.status is CertificateStatus.ACTIVE


# ---- inspections --------------------------------------------------------------------------


def inspection() -> Inspection:
    return Inspection(id="insp-1", certificate_number="89-2026-00001", stars=4,
                      kind=InspectionKind.AD_HOC, started_on=date(2027, 2, 20),
                      issuer=legacy_issuer(4, "An Giang"))


def test_a_confirmed_finding_opens_a_revocation_case() -> None:
    insp = inspection()
    report = Evidence(sha256="ab" * 32, filename="bien-ban-kiem-tra.pdf", content_type="application/pdf",
                      size=12345)
    insp.add_evidence(report)
    insp.add_evidence(report)
    assert insp.evidence == [report]
    case = insp.confirm_finding(grounds=[4], conclusion="Dán nhãn 5 sao cho sản phẩm 4 sao",
                                concluded_by="Sở Nông nghiệp và Môi trường", on=CONCLUDED,
                                case_id="case-9", at=at(CONCLUDED))
    assert insp.outcome is InspectionOutcome.VIOLATION and insp.grounds == (4,)
    assert (case.inspection_id, case.certificate_number, case.grounds, case.deadline) == (
        "insp-1", "89-2026-00001", (4,), DEADLINE)
    with pytest.raises(CaseClosed):
        insp.add_evidence(report)


def test_a_finding_without_grounds_is_refused_and_the_inspection_stays_open() -> None:
    insp = inspection()
    with pytest.raises(InvalidGrounds):
        insp.confirm_finding(grounds=[], conclusion="vi phạm", concluded_by="Sở", on=CONCLUDED,
                             case_id="c", at=at(CONCLUDED))
    assert insp.outcome is InspectionOutcome.OPEN


def test_a_compliant_inspection_closes_without_a_case() -> None:
    insp = inspection()
    insp.conclude_compliant(conclusion="Duy trì đủ tiêu chí", concluded_by="Sở", on=CONCLUDED)
    assert insp.outcome is InspectionOutcome.COMPLIANT and insp.grounds == ()
    with pytest.raises(CaseClosed):
        insp.conclude_compliant(conclusion="lại", concluded_by="Sở", on=CONCLUDED)
    with pytest.raises(IllegalTransition):
        inspection().conclude_compliant(conclusion="x", concluded_by="Sở", on=date(2027, 1, 1))
    with pytest.raises(InvalidCertificate):
        inspection().conclude_compliant(conclusion="x", concluded_by=" ", on=CONCLUDED)
