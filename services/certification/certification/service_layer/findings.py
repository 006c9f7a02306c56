"""Inspection findings, evidence and revocation (26/2026 Articles 8 and 9).

A finding arrives from a department system (`InspectionReported` on the topic) or from an
inspector over HTTP. A confirmed finding on a valid certificate opens a revocation case for
the competent authority (the certificate's issuer or its successor) with the 15-day deadline; an
unconfirmed one is recorded and waits (the same finding id reported again as confirmed
opens the case). The authority's decision revokes the certificate and emits
`CertificateRevoked` with its grounds; a dismissal closes the case.

Over HTTP every refusal is an error the caller sees (404, 409, 422). On the topic the
reporter cannot be answered, so a finding that cannot open a case is still recorded, with
the reason, for the office to see; malformed events go to the dead-letter topic.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from ocop_shared.contracts import InspectionReported
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import ApplicationError, Conflict, Invalid, Text, UnsupportedContent
from ocop_shared.i18n import message
from ocop_shared.storage import uploads
from ocop_shared.storage.filetypes import FileRejected
from ocop_shared.storage.port import ObjectStore

from ..adapters.findings import EvidenceItem, FindingsRepository, StoredCase
from ..adapters.repository import CertificateRecord, CertificateRepository
from ..domain.errors import DomainError
from ..domain.evidence import SNIFF_BYTES, check_evidence, safe_filename
from ..domain.grounds import validate_grounds
from ..domain.inspection import Inspection, InspectionKind
from ..domain.revocation import CaseStatus, RevocationCase, case_opened, dismiss, revoke_by_case
from ..domain.validity import local_day
from .context import Context
from .problems import no_case, no_certificate, problem
from .publishing import publish

SOURCE_HTTP = "http"
SOURCE_TOPIC = "topic"


@dataclass(frozen=True)
class FindingReport:
    finding_id: str
    certificate_number: str
    grounds: Sequence[int]
    conclusion: str
    concluded_by: str
    concluded_on: date
    confirmed: bool
    kind: InspectionKind
    evidence: Sequence[EvidenceItem]
    source: str
    reported_by: str
    department: str | None = None


@dataclass(frozen=True)
class FindingOutcome:
    inspection_id: str
    created: bool  # False: the finding was already known (a repeat, or its confirmation)
    outcome: str  # open (awaiting confirmation), violation, rejected
    case_id: str | None
    note: str | None


def _text(problem: ApplicationError) -> str:
    return f"{problem.message.vi} / {problem.message.en}"


async def report_finding(uow: UnitOfWork, ctx: Context, report: FindingReport) -> FindingOutcome:
    """Record a finding (and open a case when it is confirmed); idempotent per finding id."""
    findings = uow.repository(FindingsRepository)
    existing = await findings.inspection_by_finding(report.finding_id, for_update=True)
    if existing is not None and not (existing.outcome == "open" and report.confirmed):
        return FindingOutcome(existing.id, False, existing.outcome, existing.case_id, existing.note)
    inspection_id = existing.id if existing is not None else str(uuid.uuid4())
    new = existing is None
    now = uow.clock.now()
    try:
        record, grounds = await _certificate_and_grounds(uow, report, now)
    except (DomainError, ApplicationError) as error:  # refused: to the caller, or noted from a topic
        refused = problem(error) if isinstance(error, DomainError) else error
        if report.source == SOURCE_HTTP:
            raise refused from None
        await _record(findings, report, inspection_id, new, certificate_id=None,
                      outcome="rejected", note=_text(refused), case_id=None, now=now)
        return FindingOutcome(inspection_id, new, "rejected", None, _text(refused))
    cert = record.certificate
    if not report.confirmed:
        await _record(findings, report, inspection_id, new, certificate_id=cert.id,
                      outcome="open", note=None, case_id=None, now=now, grounds=grounds)
        return FindingOutcome(inspection_id, new, "open", None, None)
    case_id, note = await _open_case(uow, ctx, report, record, inspection_id, grounds, now)
    await _record(findings, report, inspection_id, new, certificate_id=cert.id,
                  outcome="violation", note=note, case_id=case_id, now=now, grounds=grounds)
    return FindingOutcome(inspection_id, new, "violation", case_id, note)


async def _certificate_and_grounds(uow: UnitOfWork, report: FindingReport,
                                   now: datetime) -> tuple[CertificateRecord, tuple[int, ...]]:
    """The reported certificate (locked) and the checked grounds, or why the finding is refused."""
    grounds = validate_grounds(report.grounds)
    record = await uow.repository(CertificateRepository).by_number(report.certificate_number,
                                                                   for_update=True)
    if record is None:
        raise no_certificate(report.certificate_number)
    if report.concluded_on > local_day(now):
        raise Invalid(message("certification.conclusion_cannot_dated_future"), field="concluded_on")
    return record, grounds


async def _open_case(uow: UnitOfWork, ctx: Context, report: FindingReport, record: CertificateRecord,
                     inspection_id: str, grounds: tuple[int, ...],
                     now: datetime) -> tuple[str | None, str | None]:
    """A confirmed finding opens a case on a valid certificate, or joins the one already open:
    (case id, note). Over HTTP a certificate that is no longer valid is refused."""
    cert = record.certificate
    today = local_day(now)
    if not cert.is_valid_on(today):
        status = cert.status_on(today) or cert.status
        refused = Conflict(message(
            "certification.certificate_not_valid_no_case", number=cert.number,
            status=Text(status.label_vi, status.label_en.lower())),
            slug="certificate-not-valid")
        if report.source == SOURCE_HTTP:
            raise refused
        return None, _text(refused)
    findings = uow.repository(FindingsRepository)
    open_case = await findings.open_case_of(cert.id, for_update=True)
    if open_case is not None:
        case_id = open_case.case.id
        return case_id, (f"Đã có hồ sơ thu hồi {case_id} đang chờ quyết định; kết luận được bổ sung vào "
                         f"hồ sơ đó / Revocation case {case_id} is already open; this finding joins it")
    inspection = Inspection(id=inspection_id, certificate_number=cert.number, stars=cert.stars,
                            kind=report.kind, started_on=report.concluded_on, issuer=cert.issuer)
    case = inspection.confirm_finding(
        grounds=grounds, conclusion=report.conclusion, concluded_by=report.concluded_by,
        on=report.concluded_on, case_id=str(uuid.uuid4()), at=now, opened_on=today)
    case_opened(cert, case, concluded_by=report.concluded_by, finding_id=report.finding_id)
    await findings.add_case(case, cert.id, now)
    await publish(uow, ctx.wall_clock, cert)
    await uow.repository(CertificateRepository).save(record)
    return case.id, None


async def _record(findings: FindingsRepository, report: FindingReport, inspection_id: str, new: bool, *,
                  certificate_id: str | None, outcome: str, note: str | None, case_id: str | None,
                  now: datetime, grounds: Sequence[int] | None = None) -> None:
    values = dict(certificate_id=certificate_id, kind=report.kind.value,
                  grounds=list(grounds if grounds is not None else [g for g in report.grounds
                                                                    if isinstance(g, int)]),
                  conclusion=report.conclusion, concluded_by=report.concluded_by,
                  concluded_on=report.concluded_on, confirmed=report.confirmed, outcome=outcome,
                  note=note, case_id=case_id)
    if new:
        await findings.add_inspection(list(report.evidence), id=inspection_id, finding_id=report.finding_id,
                                      source=report.source, certificate_number=report.certificate_number,
                                      reported_by=report.reported_by, reported_at=now,
                                      department=report.department, **values)
    else:
        await findings.update_inspection(inspection_id, **values)
        await findings.add_inspection_evidence(inspection_id, list(report.evidence))


async def on_inspection_reported(event: InspectionReported, uow: UnitOfWork, ctx: Context) -> None:
    p = event.payload
    await report_finding(uow, ctx, FindingReport(
        finding_id=p.finding_id, certificate_number=p.certificate_number, grounds=p.grounds,
        conclusion=p.conclusion, concluded_by=p.authority,
        concluded_on=p.concluded_on or local_day(event.occurred_at), confirmed=p.confirmed,
        kind=InspectionKind(p.inspection_kind or InspectionKind.AD_HOC.value),
        evidence=[EvidenceItem(sha256=d.sha256, kind=d.kind, filename=d.filename,
                               content_type="application/octet-stream", size=d.size) for d in p.evidence],
        source=SOURCE_TOPIC, reported_by=event.producer,
        department=p.department.value if p.department else None))


async def evidence_for_http(uow: UnitOfWork, hashes: Sequence[str]) -> list[EvidenceItem]:
    """Evidence named by sha256 must have been uploaded first (POST /certification/evidence)."""
    wanted = list(dict.fromkeys(hashes))
    known = await uow.repository(FindingsRepository).evidence_files(wanted)
    missing = [h for h in wanted if h not in known]
    if missing:
        raise Invalid(message("certification.evidence_not_uploaded", missing=', '.join(missing)), field="evidence")
    return [EvidenceItem(sha256=h, kind="evidence", filename=known[h].filename,
                         content_type=known[h].content_type, size=known[h].size) for h in wanted]


async def upload_evidence(uow: UnitOfWork, store: ObjectStore, stream: BinaryIO, filename: str,
                          uploaded_by: str) -> EvidenceItem:
    """Store an evidence file by content hash after checking what it really is."""
    name = safe_filename(filename)
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    try:
        kind = check_evidence(head, name)
        await asyncio.to_thread(uploads.check_inside, stream, kind, name)
    except DomainError as error:
        raise UnsupportedContent(Text(error.vi, error.en), slug=error.code, field="file") from error
    except FileRejected as rejected:
        raise UnsupportedContent(Text(rejected.vi, rejected.en), field="file") from rejected
    stored = await store.put(stream, kind.content_type)
    await uow.repository(FindingsRepository).add_evidence_file(
        sha256=stored.sha256, size=stored.size, content_type=kind.content_type, filename=name,
        uploaded_by=uploaded_by, at=uow.clock.now())
    await uow.commit()
    return EvidenceItem(sha256=stored.sha256, kind="evidence", filename=name,
                        content_type=kind.content_type, size=stored.size)


# -- decisions ---------------------------------------------------------------------------------


async def _case_and_certificate(uow: UnitOfWork, case_id: str) -> tuple[StoredCase, CertificateRecord]:
    stored = await uow.repository(FindingsRepository).case(case_id, for_update=True)
    if stored is None:
        raise no_case(case_id)
    record = await uow.repository(CertificateRepository).by_id(stored.certificate_id, for_update=True)
    assert record is not None
    return stored, record


def _decision_day(uow: UnitOfWork, day: date | None) -> date:
    today = local_day(uow.clock.now())
    if day is not None and day > today:
        raise Invalid(message("certification.decision_cannot_dated_future"), field="decided_on")
    return day or today


async def _revoke(uow: UnitOfWork, ctx: Context, case: RevocationCase, record: CertificateRecord, *,
                  decision_no: str, day: date, note: str) -> None:
    now = uow.clock.now()
    try:
        revoke_by_case(case, record.certificate, decision_no=decision_no, decided_on=day, at=now, note=note)
    except DomainError as error:
        raise problem(error) from error
    await uow.repository(FindingsRepository).save_case(case, now)
    await publish(uow, ctx.wall_clock, record.certificate)  # CertificateRevoked
    record.rerating_submission_id = None
    await uow.repository(CertificateRepository).save(record)


async def decide_case(uow: UnitOfWork, ctx: Context, case_id: str, *, decision_no: str,
                      decided_on: date | None, note: str) -> StoredCase:
    """The competent authority's decision on a case: the certificate is revoked."""
    stored, record = await _case_and_certificate(uow, case_id)
    day = _decision_day(uow, decided_on)
    await _revoke(uow, ctx, stored.case, record, decision_no=decision_no, day=day, note=note)
    await uow.commit()
    return stored


async def dismiss_case(uow: UnitOfWork, ctx: Context, case_id: str, *, reason: str,
                       dismissed_on: date | None) -> StoredCase:
    stored, record = await _case_and_certificate(uow, case_id)
    day = _decision_day(uow, dismissed_on)
    now = uow.clock.now()
    try:
        dismiss(stored.case, record.certificate, reason=reason, on=day, at=now)
    except DomainError as error:
        raise problem(error) from error
    await uow.repository(FindingsRepository).save_case(stored.case, now)
    await publish(uow, ctx.wall_clock, record.certificate)
    await uow.repository(CertificateRepository).save(record)
    await uow.commit()
    return stored


async def revoke_directly(uow: UnitOfWork, ctx: Context, number: str, *, grounds: Sequence[int],
                          decision_no: str, reason: str) -> str:
    """The authority's decision recorded without a prior finding here (its conclusion is the
    reason): opens a case and decides it at once, so every revocation has a case."""
    record = await uow.repository(CertificateRepository).by_number(number, for_update=True)
    if record is None:
        raise no_certificate(number)
    now = uow.clock.now()
    today = local_day(now)
    cert = record.certificate
    findings = uow.repository(FindingsRepository)
    existing = await findings.open_case_of(cert.id, for_update=True)
    try:
        case = existing.case if existing is not None else RevocationCase.open(
            id=str(uuid.uuid4()), certificate_number=cert.number, stars=cert.stars, grounds=grounds,
            conclusion=reason, concluded_on=today, at=now, issuer=cert.issuer)
        if existing is not None:
            case.grounds = validate_grounds(grounds)
    except DomainError as error:
        raise problem(error) from error
    if existing is None:
        await findings.add_case(case, cert.id, now)
    await _revoke(uow, ctx, case, record, decision_no=decision_no, day=today, note=reason)
    await uow.commit()
    return case.id


def case_status(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return CaseStatus(value).value
    except ValueError:
        raise Invalid(message("certification.unknown_status", value=value),
                            field="status") from None

