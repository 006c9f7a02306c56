"""Council results become certificates; re-rating dossiers keep them valid meanwhile.

- `on_scored`: a recognising 3★+ result that would issue a certificate waits for the
  authority's recognition decision (once per evaluation, however often the event is
  delivered); a re-rating below 3★ ends the extension of the current one.
- `issue_recognised`: the signed decision issues the certificate, superseding the product's
  valid certificate on an upgrade or re-rating.
- `on_product_submitted`: a re-rating dossier for a valid certificate extends it pending the
  decision (at most 180 days after expiry, 26/2026 Article 12).
- `on_submission_withdrawn` / `on_evaluation_closed`: the re-rating ended without a result.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime

from ocop_shared.contracts import EvaluationClosed, ProductSubmitted, Scored, SubmissionWithdrawn
from ocop_shared.contracts.common import EvaluationCase
from ocop_shared.contracts.scoring_events import ScoredPayload
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.messaging.flow import Flow, current_flow, flow_scope

from ..adapters.recognition import RecognitionRepository
from ..adapters.repository import CertificateRecord, CertificateRepository
from ..adapters.signing import public_page_url, qr_text_for
from ..domain import issuance
from ..domain.authority import Issuer
from ..domain.certificate import Certificate, CertificateStatus, SignedBy
from ..domain.errors import DomainError
from ..domain.recognition import Signature
from ..domain.validity import local_day
from .context import Context
from .publishing import publish
from .scheduler import catch_up, reschedule

log = logging.getLogger(__name__)


async def on_scored(event: Scored, uow: UnitOfWork, ctx: Context) -> None:
    """A council's result: one that would issue a certificate waits for the authority's
    recognition decision (`recognition.py`); the others are recorded with their outcome."""
    p = event.payload
    repo = uow.repository(CertificateRepository)
    if await repo.result_seen(p.evaluation_id) or await repo.by_evaluation(p.evaluation_id):
        return  # the same result again (another event id): never a second certificate
    await repo.lock_product(p.product_id)
    now = uow.clock.now()
    current = await _current(uow, ctx, p.product_id, now)
    decision = issuance.decide(case=p.case.value, stars=p.stars, recognising=p.recognising,
                               current=current.certificate if current else None, day=local_day(now))
    outcome = decision.outcome
    if decision.issues:
        await uow.repository(RecognitionRepository).wait_for_decision(p, now, current_flow())
        outcome = issuance.Outcome.AWAITING_DECISION
    elif (p.case is EvaluationCase.RERATING and p.recognising and current is not None
          and current.certificate.status is CertificateStatus.EXTENDED):
        await _end_extension(uow, ctx, current, now,
                             note=f"kết quả đánh giá lại {p.stars} sao ({p.mean_score}/100)")
    else:
        log.info("result %s for product %s: %s", p.evaluation_id, p.product_id, decision.reason_en)
    await repo.record_result(
        evaluation_id=p.evaluation_id, product_id=p.product_id, submission_id=p.submission_id,
        case=p.case.value, level=p.level.value, stars=p.stars, outcome=outcome.value,
        certificate_id=None, recorded_at=now)


async def issue_recognised(uow: UnitOfWork, ctx: Context, p: ScoredPayload, *, issuer: Issuer,
                           signature: Signature, flow: Flow | None = None) -> CertificateRecord | None:
    """The signed decision recognises `p`: its certificate is issued, citing the decision (its
    number, day and signer; none when the product's certificates changed meanwhile so that it
    no longer issues)."""
    repo = uow.repository(CertificateRepository)
    await repo.lock_product(p.product_id)
    now = uow.clock.now()
    current = await _current(uow, ctx, p.product_id, now)
    decision = issuance.decide(case=p.case.value, stars=p.stars, recognising=p.recognising,
                               current=current.certificate if current else None, day=local_day(now))
    record = None
    if decision.issues:
        with flow_scope(_continued(flow)):  # the certificate continues the submission's trace
            record = await _issue(uow, ctx, p, issuer=issuer, signature=signature,
                                  supersede=current if decision.supersede else None, now=now)
    await repo.settle_result(p.evaluation_id, outcome=decision.outcome.value,
                             certificate_id=record.id if record else None)
    return record


def _continued(flow: Flow | None) -> Flow:
    """The flow the result came in (its certificate is caused by the `Scored` event and continues
    the submission's trace), else the request at hand."""
    return flow or current_flow()


async def _current(uow: UnitOfWork, ctx: Context, product_id: str, now: datetime) -> CertificateRecord | None:
    """The product's latest certificate that is not terminal, its lapse by the calendar recorded."""
    repo = uow.repository(CertificateRepository)
    current = await repo.current_of_product(product_id, for_update=True)
    if current is not None and not current.certificate.is_valid_on(local_day(now)):
        await catch_up(uow, ctx, current, now)  # it lapsed by the calendar: record that first
        await repo.save(current)
        current = await repo.current_of_product(product_id, for_update=True)
    return current


async def _issue(uow: UnitOfWork, ctx: Context, p: ScoredPayload, *, issuer: Issuer, signature: Signature,
                 supersede: CertificateRecord | None, now: datetime) -> CertificateRecord:
    repo = uow.repository(CertificateRepository)
    year = local_day(now).year
    code = await repo.product_code(p.product_id)
    if code is None:
        serial = await repo.next_value(f"product-serial:{p.province_code}:{p.commune_code}")
        code = issuance.product_code(p.province_code, p.commune_code, serial, year)
    await repo.keep_product_code(p.product_id, code, now)
    series = issuance.number_series(issuer.body_id, p.province_code)
    number = issuance.certificate_number(series, year, await repo.next_value(f"certificate:{series}:{year}"))
    certificate = Certificate.issue(
        id=str(uuid.uuid4()), number=number, product_id=p.product_id, product_code=code,
        product_name=p.product_name, entity_id=p.entity_id, entity_name=p.entity_name, stars=p.stars,
        regulation=p.regulation, decision_no=signature.number, decision_date=signature.signed_on,
        issuer=issuer, signed_by=SignedBy(signature.signer_name, signature.signer_title),
        at=now, evaluation_id=p.evaluation_id,
        supersedes=supersede.certificate if supersede else None, note=f"{p.mean_score}/100")
    ring = await ctx.keys.loaded()
    qr_text = qr_text_for(ring, certificate, base_url=ctx.base_url, issued_at=now)
    certificate.certify(verification_url=public_page_url(ctx.base_url, number), qr_text=qr_text)
    record = CertificateRecord(
        certificate=certificate, province_code=p.province_code, commune_code=p.commune_code,
        qr_text=qr_text, created_at=now, notices_through=now, is_new=True)
    reschedule(record, ctx.config.reminder_days)
    uow.after_commit("certificate-pdfs", ctx.documents.issued)  # its PDF follows (documents.py)
    if supersede is not None:  # superseded by `Certificate.issue`
        supersede.rerating_submission_id = None
        await publish(uow, ctx.wall_clock, supersede.certificate)
        await repo.save(supersede)
    await publish(uow, ctx.wall_clock, certificate)
    await repo.add(record)
    return record


async def _end_extension(uow: UnitOfWork, ctx: Context, record: CertificateRecord, now: datetime,
                         note: str) -> None:
    cert = record.certificate
    try:
        cert.end_extension(at=now, note=note)
    except DomainError as error:
        log.warning("certificate %s: %s", record.number, error.en)
        return
    record.rerating_submission_id = None
    await publish(uow, ctx.wall_clock, cert)  # CertificateExpired when it ended past the expiry day
    reschedule(record, ctx.config.reminder_days)
    await uow.repository(CertificateRepository).save(record)


async def on_product_submitted(event: ProductSubmitted, uow: UnitOfWork, ctx: Context) -> None:
    """A re-rating dossier reached the province: the certificate stays valid pending the decision."""
    p = event.payload
    if p.case is not EvaluationCase.RERATING:
        return
    repo = uow.repository(CertificateRepository)
    if await repo.results_of_submission(p.submission_id):
        return  # the re-rating was already decided (events of two topics can arrive out of order)
    record = await repo.current_of_product(p.product_id, for_update=True)
    if record is None:
        log.info("re-rating dossier %s: product %s has no certificate", p.submission_id, p.product_id)
        return
    cert = record.certificate
    if record.rerating_submission_id == p.submission_id or cert.status is not CertificateStatus.ACTIVE:
        return
    now = uow.clock.now()
    received = local_day(event.occurred_at)
    opens, closes = cert.rerating_window
    if received < opens:
        log.warning("re-rating dossier %s for %s arrived before its window (%s)", p.submission_id,
                    cert.number, opens)
        return
    in_window = received <= closes
    try:
        cert.extend_pending_rerating(
            at=now, dossier_filed_on=received if in_window else None, transitional=not in_window,
            note="" if in_window else f"hồ sơ do UBND xã chuyển ngày {_fmt(received)}",
            submission_id=p.submission_id)
    except DomainError as error:
        log.warning("re-rating dossier %s: certificate %s: %s", p.submission_id, cert.number, error.en)
        return
    record.rerating_submission_id = p.submission_id
    record.rerating_received_on = received
    reschedule(record, ctx.config.reminder_days)
    await publish(uow, ctx.wall_clock, cert)
    await repo.save(record)


async def _rerating_ended(uow: UnitOfWork, ctx: Context, submission_id: str, note: str) -> None:
    record = await uow.repository(CertificateRepository).by_rerating_submission(submission_id)
    if record is not None and record.certificate.status is CertificateStatus.EXTENDED:
        await _end_extension(uow, ctx, record, uow.clock.now(), note)


async def on_submission_withdrawn(event: SubmissionWithdrawn, uow: UnitOfWork, ctx: Context) -> None:
    await _rerating_ended(uow, ctx, event.payload.submission_id,
                          f"hồ sơ đánh giá lại đã được rút: {event.payload.reason}")


async def on_evaluation_closed(event: EvaluationClosed, uow: UnitOfWork, ctx: Context) -> None:
    p = event.payload
    repo = uow.repository(CertificateRepository)
    if not await repo.result_seen(p.evaluation_id):
        await repo.record_result(
            evaluation_id=p.evaluation_id, product_id=p.product_id, submission_id=p.submission_id,
            case="", level="", stars=0, outcome="closed", certificate_id=None,
            recorded_at=uow.clock.now())
    await _rerating_ended(uow, ctx, p.submission_id, f"đánh giá lại kết thúc: {p.reason}")


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")
