"""Turning aggregates and rows into response bodies."""

from __future__ import annotations

from typing import Any

from ocop_shared.http.dates import IsoDate
from ocop_shared.webhooks import Subscription

from ..adapters.findings import EvidenceItem, StoredCase
from ..adapters.repository import CertificateRecord, certificate_from_row, utc
from ..domain.certificate import CertificateStatus
from ..domain.grounds import GROUNDS
from ..service_layer.verification import TokenCheck, Verification
from . import schemas


def grounds_out(grounds: Any) -> list[schemas.GroundOut]:
    return [schemas.GroundOut(number=g, letter=GROUNDS[g].letter, text_vi=GROUNDS[g].vi, text_en=GROUNDS[g].en)
            for g in grounds if g in GROUNDS]


def qr_out(check: TokenCheck) -> schemas.QrCheckOut:
    claims = check.claims
    return schemas.QrCheckOut(
        valid=check.valid, code=check.code, message_vi=check.message_vi, message_en=check.message_en,
        key_id=claims.key_id if claims else None, signed_at=claims.issued_at if claims else None,
        signed_status=claims.status if claims else None)


def verification_out(v: Verification, *, pdf_url: str | None) -> schemas.VerificationOut:
    cert = v.record.certificate
    status = cert.status_on(v.today) or cert.status
    extended = cert.status is CertificateStatus.EXTENDED
    revocation = cert.revocation
    return schemas.VerificationOut(
        number=cert.number, status=status.value, status_label=status.label_vi,
        status_label_en=status.label_en, stars=cert.stars, product_name=cert.product_name,
        product_code=cert.product_code, entity_name=cert.entity_name, issued_on=cert.issued_on,
        valid_until=cert.valid_until, valid_through=cert.valid_through(), rerating_pending=extended,
        extended_until=cert.extension_ends_on if extended else None, authority=cert.authority.name_vi,
        authority_en=cert.authority.name_en, regulation=cert.regulation, decision_no=cert.decision_no,
        decision_date=cert.decision_date, supersedes=cert.supersedes, superseded_by=cert.superseded_by,
        revocation=schemas.RevocationOut(grounds=grounds_out(revocation.grounds),
                                         decision_no=revocation.decision_no,
                                         decided_on=revocation.decided_on) if revocation else None,
        revocation_case_open=v.open_case is not None, checked_on=v.today,
        pdf_url=pdf_url if v.record.has_pdf else None,
        history=[schemas.HistoryOut(at=e.at, on=e.on, from_status=e.from_status.value if e.from_status else None,
                                    status=e.to_status.value, reason=e.reason, reason_en=e.reason_en)
                 for e in cert.history],
        qr=qr_out(v.token) if v.token is not None else None,
    )


def summary_out(row: Any, today: IsoDate) -> schemas.CertificateSummary:
    cert = certificate_from_row(row)
    effective = cert.status_on(today) or cert.status
    return schemas.CertificateSummary(
        id=row.id, number=row.number, product_id=row.product_id, product_name=row.product_name,
        product_code=row.product_code, entity_id=row.entity_id, entity_name=row.entity_name,
        stars=row.stars, status=row.status, effective_status=effective.value, issued_on=row.issued_on,
        valid_until=row.valid_until, authority=row.authority, pdf_sha256=row.pdf_sha256,
        rerating_pending=row.status == CertificateStatus.EXTENDED.value, next_notice_at=utc(row.next_due_at))


def case_out(stored: StoredCase, certificate_id: str, today: IsoDate) -> schemas.CaseOut:
    case = stored.case
    return schemas.CaseOut(
        id=case.id, certificate_id=certificate_id, certificate_number=case.certificate_number,
        stars=case.stars, grounds=grounds_out(case.grounds), conclusion=case.conclusion,
        concluded_on=case.concluded_on, opened_on=case.opened_on, deadline=case.deadline,
        days_left=case.days_left(today), overdue=case.overdue_on(today), status=case.status.value,
        competent_authority=case.authority.decider_vi, authority_level=case.authority.level.value,
        decision_no=case.decision_no, decided_on=case.decided_on, decided_late=case.decided_late,
        dismissal_reason=case.dismissal_reason, inspection_id=case.inspection_id,
        opened_at=stored.opened_at, closed_at=stored.closed_at)


def evidence_out(item: EvidenceItem) -> schemas.EvidenceOut:
    return schemas.EvidenceOut(sha256=item.sha256, filename=item.filename, content_type=item.content_type,
                               size=item.size)


def inspection_out(row: Any, evidence: list[EvidenceItem]) -> schemas.InspectionOut:
    return schemas.InspectionOut(
        id=row.id, finding_id=row.finding_id, source=row.source, certificate_number=row.certificate_number,
        kind=row.kind, grounds=[int(g) for g in row.grounds.split(",") if g], conclusion=row.conclusion,
        concluded_by=row.concluded_by, concluded_on=row.concluded_on, confirmed=row.confirmed,
        outcome=row.outcome, note=row.note, case_id=row.case_id, reported_by=row.reported_by,
        department=row.department, reported_at=utc(row.reported_at) or row.reported_at,
        evidence=[evidence_out(e) for e in evidence])


def subscription_out(s: Subscription) -> schemas.SubscriptionOut:
    return schemas.SubscriptionOut(id=s.id, url=s.url, event_types=list(s.scope),
                                   description=s.description, created_by=s.created_by, created_at=s.created_at)


def record_pdf_name(record: CertificateRecord) -> str:
    return f"giay-chung-nhan-ocop-{record.number}.pdf"
