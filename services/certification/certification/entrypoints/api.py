"""Certification HTTP API (thin: parse, authorise, call the service layer, shape the answer).

Who may call what:

- public, no login: verification by number or QR, the certificate PDF, the signing keys;
- inspectors (and the provincial office): evidence uploads, findings, the inspection list;
- the provincial office: certificates, revocation cases and decisions, key rotation, the
  scheduler, webhook subscriptions and their delivery log.
"""


import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ocop_shared.auth import Principal, Role
from ocop_shared.http.cached import Reply
from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.problems import Forbidden, NotFound, Problem, Unprocessable
from ocop_shared.http.text import Code, RecordId
from ocop_shared.http.webhook_models import DeliveryDetail, DeliveryOut, delivery_detail, delivery_out
from ocop_shared.i18n import message
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.webhooks import DeliveryStatus
from ocop_shared.webhooks import service as hooks

from ..adapters.findings import FindingsRepository
from ..adapters.repository import CertificateRepository, Listing
from ..adapters.signing import TokenError, verify_token
from ..domain.certificate import CertificateStatus
from ..domain.validity import local_day
from ..service_layer import documents, findings, scheduler, verification, webhooks
from ..service_layer.context import Context
from ..service_layer.problems import no_case, no_certificate, token_problem
from . import deps, schemas, views
from .deps import Caller, Edge, Runtime, router


def department_of(principal: Principal, named: str | None) -> str | None:
    """The department a finding is reported for: an inspector's own (named, or their only
    one); the office may name any or none."""
    if principal.has(Role.PROVINCE_OFFICE):
        return named
    if named is not None:
        if named not in principal.departments:
            raise Forbidden(message("certification.you_do_not_inspect", named=named))
        return named
    if len(principal.departments) == 1:
        return next(iter(principal.departments))
    raise Unprocessable(message("certification.say_which_department_inspection_department"),
                        field="department")


def today(runtime: ServiceRuntime) -> date:
    return local_day(runtime.clock.now())


def pdf_path(number: str) -> str:
    return f"/certification/certificates/{number}/pdf"


# -- public ---------------------------------------------------------------------------------

def wire(runtime: ServiceRuntime, ctx: Context) -> None:
    """The public verification answers, from a read cache answered before routing."""
    verifications = deps.wire(runtime, ctx).verifications

    def cached_verification(request: Request, params: dict[str, str]) -> Reply | None:
        token = request.query_params.get("t") if request.scope["query_string"] else None
        return verifications.get((params["number"], token, today(runtime)))

    runtime.answer_from_cache("/certification/verify/{number}", cached_verification)


@router.get("/verify/{number}", response_model=schemas.VerificationOut,
            summary="Public verification of a certificate (no login); ?t= checks the QR token")
async def verify(number: Code, runtime: Runtime, edge: Edge,
                 t: Annotated[str | None, Query(max_length=4096)] = None) -> Response:
    day = today(runtime)

    async def answer() -> Reply:  # also what renews the entry: always for `day`
        ring = await edge.ctx.keys.loaded()
        async with runtime.uow() as uow:
            result = await verification.verify(uow, ring, number, t, on=day)
        return Reply.of(views.verification_out(result, pdf_url=pdf_path(number)).model_dump_json().encode())

    return (await edge.verifications.get_or_load((number, t, day), answer)).response()


@router.post("/verify-qr", response_model=schemas.VerificationOut,
             summary="Verify a scanned QR code (no login); 422 says why a QR is not genuine")
async def verify_qr(body: schemas.QrIn, runtime: Runtime, edge: Edge) -> schemas.VerificationOut:
    ring = await edge.ctx.keys.loaded()
    try:
        claims = verify_token(ring, body.text)
    except TokenError as error:
        raise token_problem(error) from error
    async with runtime.uow() as uow:
        result = await verification.verify(uow, ring, claims.number, body.text)
    return views.verification_out(result, pdf_url=pdf_path(claims.number))


@router.get("/certificates/{number}/pdf", status_code=307, response_class=RedirectResponse,
            summary="The certificate PDF (no login): a redirect to a short-lived download link",
            responses={307: {"description": "The PDF is at Location (a link valid for minutes)",
                             "headers": {"Location": {"description": "The download link",
                                                      "schema": {"type": "string", "format": "uri-reference"}}}}})
async def pdf(number: Code, runtime: Runtime, edge: Edge) -> RedirectResponse:
    async with runtime.uow() as uow:
        record = await uow.repository(CertificateRepository).by_number(number)
    if record is None:
        raise no_certificate(number)
    if not record.has_pdf:
        raise NotFound(message("certification.certificate_has_no_pdf", number=number),
                       slug="no-pdf")
    sha256 = await documents.store_pdf(edge.ctx, record)  # the job may not have reached it yet
    url = await runtime.store.presigned_url(sha256, edge.ctx.config.pdf_link_seconds,
                                            views.record_pdf_name(record))
    return RedirectResponse(url, status_code=307)


@router.get("/certificates/{number}/qr", response_model=schemas.QrTextOut,
            summary="The text of the certificate's QR code (no login): what a verifier checks")
async def qr(number: Code, runtime: Runtime) -> schemas.QrTextOut:
    async with runtime.uow() as uow:
        record = await uow.repository(CertificateRepository).by_number(number)
    if record is None:
        raise no_certificate(number)
    if record.qr_text is None:
        raise NotFound(message("certification.certificate_has_no_qr_code", number=number), slug="no-qr")
    return schemas.QrTextOut(number=number, text=record.qr_text)


@router.get("/keys", summary="Public keys that verify QR signatures (JWKS, RFC 8037 Ed25519; no login)")
async def keys(edge: Edge) -> dict[str, Any]:
    return await edge.ctx.keys.jwks()


# -- the provincial office: certificates, cases, keys, scheduler -----------------------------

@router.get("/certificates", response_model=Page[schemas.CertificateSummary],
            summary="Certificates, newest first (filter by recorded status, product or entity)")
async def list_certificates(principal: Caller, runtime: Runtime, limit: Limit = 50, offset: Offset = 0,
                            status: CertificateStatus | None = None, product_id: RecordId | None = None,
                            entity_id: RecordId | None = None) -> Page[schemas.CertificateSummary]:
    async with runtime.uow() as uow:
        rows, total = await uow.repository(CertificateRepository).page(
            Listing(status=status.value if status else None, product_id=product_id,
                    entity_id=entity_id), limit=limit, offset=offset)
    day = today(runtime)
    return Page(items=[views.summary_out(r, day) for r in rows], total=total, limit=limit, offset=offset)


@router.post("/certificates/{number}/revocation", status_code=204,
             summary="Record the competent authority's revocation decision directly (opens and "
             "decides a case)")
async def revoke(number: Code, body: schemas.RevocationIn, principal: Caller, runtime: Runtime, edge: Edge) -> None:
    async with runtime.uow() as uow:
        await findings.revoke_directly(uow, edge.ctx, number, grounds=body.grounds,
                                       decision_no=body.decision_no, reason=body.reason)


@router.get("/revocation-cases", response_model=Page[schemas.CaseOut],
            summary="Revocation cases by deadline (?status=open, ?overdue=true)")
async def list_cases(principal: Caller, runtime: Runtime, limit: Limit = 50, offset: Offset = 0,
                     status: Code | None = None, overdue: bool = False) -> Page[schemas.CaseOut]:
    day = today(runtime)
    async with runtime.uow() as uow:
        cases, total = await uow.repository(FindingsRepository).list_cases(
            status=findings.case_status(status), overdue_on=day if overdue else None,
            limit=limit, offset=offset)
    return Page(items=[views.case_out(c, c.certificate_id, day) for c in cases], total=total,
                limit=limit, offset=offset)


@router.get("/revocation-cases/{case_id}", response_model=schemas.CaseOut)
async def get_case(case_id: RecordId, principal: Caller, runtime: Runtime) -> schemas.CaseOut:
    async with runtime.uow() as uow:
        stored = await uow.repository(FindingsRepository).case(case_id)
    if stored is None:
        raise no_case(case_id)
    return views.case_out(stored, stored.certificate_id, today(runtime))


@router.post("/revocation-cases/{case_id}/decision", response_model=schemas.CaseOut,
             summary="The competent authority revoked the certificate (emits CertificateRevoked)")
async def decide(case_id: RecordId, body: schemas.DecisionIn, principal: Caller, runtime: Runtime,
                 edge: Edge) -> schemas.CaseOut:
    async with runtime.uow() as uow:
        stored = await findings.decide_case(uow, edge.ctx, case_id, decision_no=body.decision_no,
                                            decided_on=body.decided_on, note=body.note)
    return views.case_out(stored, stored.certificate_id, today(runtime))


@router.post("/revocation-cases/{case_id}/dismissal", response_model=schemas.CaseOut,
             summary="The competent authority decided not to revoke")
async def dismiss(case_id: RecordId, body: schemas.DismissalIn, principal: Caller, runtime: Runtime,
                  edge: Edge) -> schemas.CaseOut:
    async with runtime.uow() as uow:
        stored = await findings.dismiss_case(uow, edge.ctx, case_id, reason=body.reason,
                                             dismissed_on=body.dismissed_on)
    return views.case_out(stored, stored.certificate_id, today(runtime))


@router.post("/keys/rotation", response_model=schemas.KeysOut,
             summary="Sign new QR codes with a fresh key; older keys keep verifying")
async def rotate(principal: Caller, runtime: Runtime, edge: Edge) -> schemas.KeysOut:
    kid = await edge.ctx.keys.rotate()
    async with runtime.uow() as uow:  # the key folder is not the database: record it here
        uow.record_change("signing_key", kid, f"QR signing key {kid} made active")
        await uow.commit()
    return schemas.KeysOut(active_kid=kid, key_ids=(await edge.ctx.keys.loaded()).key_ids)


@router.post("/scheduler/run", response_model=schemas.SchedulerRunOut,
             summary="Run the notice and expiry scheduler now (it also runs by itself)")
async def run_scheduler(principal: Caller, runtime: Runtime, edge: Edge) -> schemas.SchedulerRunOut:
    report = await scheduler.run_once(edge.ctx)
    async with runtime.uow() as uow:  # who ran it, even when nothing was due
        uow.record_change("scheduler", report.at.isoformat(),
                          f"scheduler run: {report.certificates} certificate(s), "
                          f"{len(report.notices)} notice(s)")
        await uow.commit()
    return schemas.SchedulerRunOut(at=report.at, certificates=report.certificates, notices=[
        schemas.NoticeOut(kind=n.kind.value, certificate_number=n.certificate_number, due_on=n.due_on,
                          key=n.key) for n in report.notices])


# -- inspections ----------------------------------------------------------------------------

@router.post("/evidence", status_code=201, response_model=schemas.EvidenceOut,
             summary="Upload an evidence file (PDF, JPEG, PNG, WebP; checked by content, stored by sha256)")
async def upload_evidence(principal: Caller, runtime: Runtime,
                          file: Annotated[UploadFile, File(description="The evidence")]) -> schemas.EvidenceOut:
    size = file.size if file.size is not None else _size_of(file)
    if size > runtime.settings.max_upload_bytes:
        mib = runtime.settings.max_upload_bytes // (1024 * 1024)
        raise Problem(message("certification.file_exceeds_mb_limit", mib=mib),
                      status=413, slug="file-too-large", field="file")
    if size == 0:
        raise Unprocessable(message("certification.file_empty"), field="file")
    async with runtime.uow() as uow:
        item = await findings.upload_evidence(uow, runtime.store, file.file, file.filename or "bang-chung",
                                              principal.subject)
    return views.evidence_out(item)


@router.post("/inspections", status_code=201, response_model=schemas.FindingOut,
             responses={200: {"model": schemas.FindingOut,
                              "description": "The finding was already known (repeat or confirmation)"}},
             summary="Report an inspection finding; a confirmed one opens a revocation case")
async def report(body: schemas.FindingIn, principal: Caller, runtime: Runtime, edge: Edge) -> Any:
    department = department_of(principal, body.department.value if body.department else None)
    finding_id = body.finding_id or f"http:{principal.subject}:{_new_id()}"
    async with runtime.uow() as uow:
        evidence = await findings.evidence_for_http(uow, body.evidence)
        outcome = await findings.report_finding(uow, edge.ctx, findings.FindingReport(
            finding_id=finding_id, certificate_number=body.certificate_number, grounds=body.grounds,
            conclusion=body.conclusion, concluded_by=body.concluded_by,
            concluded_on=body.concluded_on or today(runtime), confirmed=body.confirmed, kind=body.kind,
            evidence=evidence, source=findings.SOURCE_HTTP, reported_by=principal.subject,
            department=department))
        await uow.commit()
    out = schemas.FindingOut(inspection_id=outcome.inspection_id, finding_id=finding_id,
                             created=outcome.created, outcome=outcome.outcome, case_id=outcome.case_id,
                             note=outcome.note)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if outcome.created else 200)


@router.get("/inspections", response_model=Page[schemas.InspectionOut],
            summary="Inspection findings (from department systems and inspectors), newest first")
async def list_inspections(principal: Caller, runtime: Runtime, limit: Limit = 50, offset: Offset = 0,
                           certificate_number: Code | None = None) -> Page[schemas.InspectionOut]:
    async with runtime.uow() as uow:
        repo = uow.repository(FindingsRepository)
        rows, total = await repo.list_inspections(
            certificate_number=certificate_number, limit=limit, offset=offset,
            departments=None if principal.has(Role.PROVINCE_OFFICE) else principal.departments)
        evidence = await repo.evidence_of([r.id for r in rows])
    return Page(items=[views.inspection_out(r, evidence[r.id]) for r in rows], total=total, limit=limit,
                offset=offset)


# -- webhooks -------------------------------------------------------------------------------

@router.post("/webhooks", status_code=201, response_model=schemas.SubscriptionCreated,
             summary="Subscribe an endpoint to certificate events (HMAC-signed, retried)")
async def subscribe(body: schemas.SubscriptionIn, principal: Caller, runtime: Runtime,
                    edge: Edge) -> schemas.SubscriptionCreated:
    async with runtime.uow() as uow:
        s = await webhooks.subscribe(uow, edge.ctx, url=body.url, event_types=body.event_types,
                                     description=body.description, secret=body.secret,
                                     created_by=principal.subject)
    return schemas.SubscriptionCreated(**views.subscription_out(s).model_dump(), secret=s.secret)


@router.get("/webhooks", response_model=Page[schemas.SubscriptionOut])
async def list_subscriptions(principal: Caller, runtime: Runtime, edge: Edge, limit: Limit = 50,
                             offset: Offset = 0) -> Page[schemas.SubscriptionOut]:
    async with runtime.uow() as uow:
        items, total = await hooks.list_subscriptions(uow, edge.ctx.webhooks, limit=limit, offset=offset)
    return Page(items=[views.subscription_out(s) for s in items], total=total, limit=limit, offset=offset)


@router.post("/webhooks/{subscription_id}/secret-rotation", response_model=schemas.SubscriptionCreated,
             summary="A new signing secret (shown once; the old one signs nothing more)")
async def rotate_webhook_secret(subscription_id: RecordId,
                                principal: Caller, runtime: Runtime, edge: Edge) -> schemas.SubscriptionCreated:
    async with runtime.uow() as uow:
        s = await hooks.rotate_secret(uow, edge.ctx.webhooks, subscription_id)
    return schemas.SubscriptionCreated(**views.subscription_out(s).model_dump(), secret=s.secret)


@router.delete("/webhooks/{subscription_id}", status_code=204,
               summary="Unsubscribe (pending deliveries are dropped; the log stays)")
async def unsubscribe(subscription_id: RecordId, principal: Caller, runtime: Runtime, edge: Edge) -> None:
    async with runtime.uow() as uow:
        await webhooks.unsubscribe(uow, edge.ctx, subscription_id)


@router.get("/webhooks/{subscription_id}/deliveries", response_model=Page[DeliveryOut],
            summary="The delivery log of a subscription, newest first (?status=failed)")
async def deliveries(subscription_id: RecordId, principal: Caller, runtime: Runtime, edge: Edge,
                     limit: Limit = 50, offset: Offset = 0,
                     status: DeliveryStatus | None = None) -> Page[DeliveryOut]:
    async with runtime.uow() as uow:
        rows, total = await hooks.list_deliveries(uow, edge.ctx.webhooks, subscription_id, status=status,
                                                  limit=limit, offset=offset)
    return Page(items=[delivery_out(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/webhook-deliveries/{delivery_id}", response_model=DeliveryDetail,
            summary="One delivery with every attempt (status code or error, duration)")
async def delivery(delivery_id: RecordId, principal: Caller, runtime: Runtime, edge: Edge) -> DeliveryDetail:
    async with runtime.uow() as uow:
        found, attempts = await hooks.delivery_detail(uow, edge.ctx.webhooks, delivery_id)
    return delivery_detail(found, attempts)


@router.post("/webhook-deliveries/{delivery_id}/redelivery", status_code=202,
             response_model=DeliveryOut, summary="Send a delivery again (a new round of attempts)")
async def redeliver(delivery_id: RecordId, principal: Caller, runtime: Runtime, edge: Edge) -> DeliveryOut:
    async with runtime.uow() as uow:
        found = await webhooks.redeliver(uow, edge.ctx, delivery_id)
    return delivery_out(found)


def _new_id() -> str:
    return uuid.uuid4().hex


def _size_of(file: UploadFile) -> int:
    file.file.seek(0, 2)
    size = file.file.tell()
    file.file.seek(0)
    return size
