"""Registry use cases: each runs in one unit of work and emits its events through the outbox."""

from __future__ import annotations

# Over 400 lines on purpose for now: it splits by aggregate (entities, products, documents,
# dossiers, rounds) with the move of its queries into repositories (issue 21), done once.
import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import BinaryIO

from ocop_shared.auth import Principal, Role
from ocop_shared.contracts import (
    CertificateExpired,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    EntityRegistered,
    EvaluationClosed,
    EvaluationOpened,
    ProductRegistered,
    ProductSubmitted,
    Scored,
    SubmissionWithdrawn,
)
from ocop_shared.contracts.common import (
    DocumentRef,
    EntityFacts,
    EvaluationCase,
    LegalForm,
    SelfAssessmentItem,
)
from ocop_shared.contracts.registry_events import (
    EntityRegisteredPayload,
    ProductRegisteredPayload,
    ProductSubmittedPayload,
    SubmissionWithdrawnPayload,
)
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, Forbidden, Invalid, NotFound, Text, UnsupportedContent
from ocop_shared.messaging.outbox import new_event
from ocop_shared.storage import filetypes, uploads
from ocop_shared.storage.port import NotAsDeclared, ObjectStore, StoredObject
from ocop_shared.storage.streams import peek

from ..adapters.repository import RegistryRepository
from ..domain import files, validation
from ..domain.documents import Document, DocumentKind
from ..domain.dossier import (
    Dossier,
    DossierStatus,
    Form01,
    Form02,
    Form03,
    ProductFacts,
    manifest,
    missing_items,
)
from ..domain.errors import DomainError, Incomplete
from ..domain.model import Entity, Product, ProductStatus, declared_ethnicity
from ..domain.personal_data import ConsentGiven, consent_for, sensitive_kinds
from ..domain.rounds import Round, check_case_allowed, check_round_open
from .ports import Places, SheetCatalogue

SERVICE = "registry"
REGULATION_IN_FORCE = "26/2026/QĐ-TTg"



def problem(error: DomainError) -> Invalid:
    return Invalid(Text(error.vi, error.en), field=error.field)


def not_found(what_vi: str, what_en: str, key: str) -> NotFound:
    return NotFound(Text(f"Không tìm thấy {what_vi} {key}", f"No {what_en} {key}"))


# -- who may act ------------------------------------------------------------------------------
# The guard let the caller in by role (the permission matrix); these check the records: the
# entities they registered or joined, their commune, the products their council evaluates.

def may_act_for(principal: Principal, entity: Entity) -> None:
    """Province office: everything; a producer: only the entities they act for."""
    if principal.has(Role.PROVINCE_OFFICE):
        return
    if principal.has(Role.ENTITY_USER) and entity.id in principal.entities:
        return
    raise Forbidden(Text("Bạn chỉ được thao tác trên hồ sơ của chủ thể mình",
                         "You may only act for your own entity"))


def may_read(principal: Principal, entity: Entity, product_id: str | None = None) -> None:
    """Besides who acts for the entity: its commune's officers, and the members of the council
    evaluating the product (while the evaluation is open)."""
    if principal.has(Role.COMMUNE_OFFICER) and entity.commune_code in principal.communes:
        return
    if product_id is not None and product_id in principal.products:
        return
    may_act_for(principal, entity)


async def may_read_entity(uow: UnitOfWork, principal: Principal, entity: Entity) -> None:
    """An entity is readable by the council evaluating one of its products too."""
    if principal.products and await RegistryRepository(uow.session).entity_has_product(
            entity.id, principal.products):
        return
    may_read(principal, entity)


# -- entities ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EntityData:
    name: str
    legal_form: LegalForm
    registration_no: str
    commune_code: str
    address: str
    phone: str
    email: str
    representative_name: str
    representative_position: str = ""
    representative_female: bool = False
    representative_ethnicity: str = ""
    representative_disabled: bool = False
    consent: ConsentGiven | None = None  # needed with an ethnic minority or a disability


async def register_entity(uow: UnitOfWork, data: EntityData, places: Places,
                          principal: Principal) -> Entity:
    now = uow.clock.now()
    entity_id = str(uuid.uuid4())
    ethnicity = declared_ethnicity(data.representative_ethnicity)
    try:
        registration_no = validation.normalise_registration(data.registration_no,
                                                            data.legal_form)
        phone = validation.normalise_phone(data.phone)
        email = validation.normalise_email(data.email)
        place = places.resolve(data.commune_code, now.date())
        consent = consent_for(sensitive_kinds(ethnicity, data.representative_disabled),
                              data.consent, consent_id=str(uuid.uuid4()), entity_id=entity_id,
                              recorded_by=principal.subject, now=now)
    except DomainError as error:
        raise problem(error) from error
    repo = RegistryRepository(uow.session)
    if await repo.registration_taken(registration_no):
        raise Conflict(Text(f"Mã số đăng ký {registration_no} đã được dùng cho chủ thể khác",
                            f"Registration number {registration_no} is already registered"))
    entity = Entity(
        id=entity_id, name=data.name.strip(), legal_form=data.legal_form,
        registration_no=registration_no, commune_code=place.commune_code,
        province_code=place.province_code, address=data.address.strip(), phone=phone,
        email=email, representative_name=data.representative_name.strip(),
        representative_position=data.representative_position.strip(),
        representative_female=data.representative_female,
        representative_ethnicity=ethnicity,
        representative_disabled=data.representative_disabled,
        owner_subject=principal.subject, version=1,
    )
    await repo.add_entity(entity, now)
    if consent is not None:
        await repo.add_consent(consent)
    await uow.emit(new_event(
        EntityRegistered,
        EntityRegisteredPayload(entity_id=entity.id, name=entity.name,
                                legal_form=entity.legal_form,
                                commune_code=entity.commune_code,
                                province_code=entity.province_code,
                                commune_name=place.commune_name or None,
                                district_code=place.district_code,
                                district_name=place.district_name),
        aggregate_id=entity.id, aggregate_version=1, producer=SERVICE, clock=uow.clock))
    await uow.commit()
    return entity


async def entity_for(uow: UnitOfWork, entity_id: str) -> Entity:
    entity = await RegistryRepository(uow.session).get_entity(entity_id)
    if entity is None:
        raise not_found("chủ thể", "entity", entity_id)
    return entity


# -- products ---------------------------------------------------------------------------------

async def register_product(uow: UnitOfWork, *, entity_id: str, name: str, product_set_no: int,
                           description: str, catalogue: SheetCatalogue, regulation: str,
                           principal: Principal) -> Product:
    entity = await entity_for(uow, entity_id)
    may_act_for(principal, entity)
    info = catalogue.product_set(regulation, product_set_no)
    if info is None:
        raise Invalid(Text(
            f"Bộ sản phẩm số {product_set_no} không có trong {regulation} (hợp lệ: 1–26)",
            f"Product set {product_set_no} does not exist in {regulation} (valid: 1–26)"),
            field="product_set_no")
    product = Product(id=str(uuid.uuid4()), entity_id=entity_id, name=name.strip(),
                      product_set_no=product_set_no, description=description.strip(), version=1)
    product.record(ProductStatus.DRAFT, uow.clock.now(), f"registered ({info.name_vi})")
    repo = RegistryRepository(uow.session)
    await repo.add_product(product, uow.clock.now())
    await uow.emit(new_event(
        ProductRegistered,
        ProductRegisteredPayload(product_id=product.id, entity_id=entity_id, name=product.name,
                                 product_set_no=product_set_no,
                                 commune_code=entity.commune_code,
                                 province_code=entity.province_code),
        aggregate_id=product.id, aggregate_version=1, producer=SERVICE, clock=uow.clock))
    await uow.commit()
    return product


async def product_for(uow: UnitOfWork, product_id: str, *,
                      for_update: bool = False) -> tuple[Product, Entity]:
    repo = RegistryRepository(uow.session)
    product = await repo.get_product(product_id, for_update=for_update)
    if product is None:
        raise not_found("sản phẩm", "product", product_id)
    entity = await repo.get_entity(product.entity_id)
    assert entity is not None
    return product, entity


# -- documents --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Upload:
    """A file: spooled already (a multipart form), or a request body still arriving in chunks,
    with the sha256 and size its sender declared, if any."""

    content: BinaryIO | AsyncIterator[bytes]
    filename: str
    kind: DocumentKind
    valid_from: date | None = None
    valid_until: date | None = None
    replaces_id: str | None = None
    sha256: str | None = None
    size: int | None = None


async def upload_document(uow: UnitOfWork, store: ObjectStore, product_id: str, upload: Upload,
                          principal: Principal) -> Document:
    """Store the file first (by content hash), then record it: a failure never leaves a row
    pointing at nothing, and a retry of a failed upload simply works. Everything is checked
    before the first byte is stored; a body cut off or not as declared stores nothing."""
    product, entity = await product_for(uow, product_id)
    may_act_for(principal, entity)
    name = files.safe_filename(upload.filename)
    if upload.valid_from and upload.valid_until and upload.valid_until < upload.valid_from:
        raise Invalid(Text("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực",
                                 "valid_until must not be before valid_from"),
                            field="valid_until")
    repo = RegistryRepository(uow.session)
    if upload.replaces_id:
        replaced = await repo.get_document(upload.replaces_id)
        if replaced is None or replaced.product_id != product.id:
            raise Invalid(Text(f"Tài liệu cần thay thế {upload.replaces_id} không thuộc "
                                     "sản phẩm này",
                                     f"Document {upload.replaces_id} is not one of this "
                                     "product's"), field="replaces_id")
    if isinstance(upload.content, AsyncIterator):
        head, chunks = await peek(upload.content, filetypes.SNIFF_BYTES)
        kind = _file_type(head, name)
        stored = await _store_streamed(store, chunks, kind, name, upload)
    else:
        upload.content.seek(0)
        head = upload.content.read(filetypes.SNIFF_BYTES)
        kind = _file_type(head, name)
        await _check_inside(upload.content, kind, name)
        stored = await store.put(upload.content, kind.content_type)
    document = Document(
        id=str(uuid.uuid4()), product_id=product.id, kind=upload.kind, sha256=stored.sha256,
        size=stored.size, content_type=kind.content_type, filename=name,
        uploaded_at=uow.clock.now(), valid_from=upload.valid_from,
        valid_until=upload.valid_until, replaces_id=upload.replaces_id)
    await repo.add_document(document, principal.subject)
    await uow.commit()
    return document


async def _store_streamed(store: ObjectStore, chunks: AsyncIterator[bytes], kind: filetypes.FileType,
                         name: str, upload: Upload) -> StoredObject:
    """Photos and videos go straight on to storage as they arrive; documents are opened and
    checked first, so they are held (in a temporary file when large) until complete."""
    try:
        if not uploads.needs_opening(kind):
            return await store.put_stream(chunks, kind.content_type, sha256=upload.sha256,
                                          size=upload.size)
        with await uploads.spool(chunks) as whole:
            await _check_inside(whole, kind, name)
            return await store.put_stream(uploads.chunks_of(whole), kind.content_type,
                                          sha256=upload.sha256, size=upload.size)
    except NotAsDeclared as error:
        raise Invalid(Text("Nội dung nhận được không khớp với mã sha256 hoặc kích "
                                 "thước đã khai", "The bytes received are not the ones "
                                 "declared (sha256 or size)"), field="sha256") from error


def _file_type(head: bytes, name: str) -> filetypes.FileType:
    if not head:
        raise Invalid(Text("Tệp rỗng", "The file is empty"), field="file")
    try:
        return files.check_content(head, name)
    except DomainError as error:
        raise _unsupported(error.vi, error.en) from error


async def _check_inside(stream: BinaryIO, kind: filetypes.FileType, name: str) -> None:
    try:
        await asyncio.to_thread(uploads.check_inside, stream, kind, name)
    except filetypes.FileRejected as rejected:
        raise _unsupported(rejected.vi, rejected.en) from rejected


def _unsupported(vi: str, en: str) -> UnsupportedContent:
    return UnsupportedContent(Text(vi, en), field="file")


# -- rounds -----------------------------------------------------------------------------------

async def create_round(uow: UnitOfWork, round_: Round, catalogue: SheetCatalogue) -> Round:
    if round_.closes_on < round_.opens_on:
        raise Invalid(Text("Ngày kết thúc nhận hồ sơ phải sau ngày bắt đầu",
                                 "closes_on must not be before opens_on"), field="closes_on")
    if catalogue.product_set(round_.regulation, 1) is None and \
            catalogue.criteria(round_.regulation, 1) is None:
        raise Invalid(Text(f"Chưa có quy định {round_.regulation} trong hệ thống",
                                 f"Regulation {round_.regulation} is not loaded"),
                            field="regulation")
    repo = RegistryRepository(uow.session)
    if await repo.get_round(round_.id) is not None:
        raise Conflict(Text(f"Đã có đợt đánh giá {round_.id}", f"Round {round_.id} exists"))
    await repo.add_round(round_)
    await uow.commit()
    return round_


# -- dossiers ---------------------------------------------------------------------------------

async def open_dossier(uow: UnitOfWork, *, product_id: str, case: EvaluationCase, round_id: str,
                       principal: Principal) -> Dossier:
    """Start a dossier; an upgrade or re-rating starts from the last one's forms."""
    product, entity = await product_for(uow, product_id, for_update=True)
    may_act_for(principal, entity)
    repo = RegistryRepository(uow.session)
    round_ = await repo.get_round(round_id)
    if round_ is None:
        raise not_found("đợt đánh giá", "round", round_id)
    try:
        check_case_allowed(case, uow.clock.now().date(), product.certificate_valid_until,
                           product.certificate_active)
    except DomainError as error:
        raise Conflict(Text(error.vi, error.en)) from error
    if await repo.open_dossier_of(product_id) is not None:
        raise Conflict(Text("Sản phẩm đang có một hồ sơ chưa hoàn tất",
                            "The product already has a dossier in progress"))
    previous = await repo.last_evaluated_dossier(product_id)
    dossier = Dossier(
        id=str(uuid.uuid4()), product_id=product_id, case=case, round_id=round_id,
        form01=replace(previous.form01, commitment=False) if previous and previous.form01
        else None,
        form02=replace(previous.form02, changes="") if previous and previous.form02 else None,
    )
    await repo.add_dossier(dossier)
    await uow.commit()
    return dossier


async def dossier_for(uow: UnitOfWork, dossier_id: str, *,
                      for_update: bool = False) -> tuple[Dossier, Product, Entity]:
    dossier = await RegistryRepository(uow.session).get_dossier(dossier_id, for_update=for_update)
    if dossier is None:
        raise not_found("hồ sơ", "dossier", dossier_id)
    product, entity = await product_for(uow, dossier.product_id)
    return dossier, product, entity


def _editable(dossier: Dossier) -> None:
    if dossier.status is not DossierStatus.DRAFT:
        raise Conflict(Text(f"Hồ sơ đã nộp ({dossier.status}); không thể sửa",
                            f"The dossier has been filed ({dossier.status}) and cannot change"))


async def save_form01(uow: UnitOfWork, dossier_id: str, form: Form01,
                      principal: Principal) -> Dossier:
    dossier, _, entity = await dossier_for(uow, dossier_id, for_update=True)
    may_act_for(principal, entity)
    _editable(dossier)
    try:
        form = replace(form, phone=validation.normalise_phone(form.phone),
                       email=validation.normalise_email(form.email))
    except DomainError as error:
        raise problem(error) from error
    dossier.form01 = form
    dossier.version += 1
    await RegistryRepository(uow.session).save_dossier(dossier)
    await uow.commit()
    return dossier


async def save_form02(uow: UnitOfWork, dossier_id: str, form: Form02, catalogue: SheetCatalogue,
                      principal: Principal) -> Dossier:
    dossier, product, entity = await dossier_for(uow, dossier_id, for_update=True)
    may_act_for(principal, entity)
    _editable(dossier)
    round_ = await RegistryRepository(uow.session).get_round(dossier.round_id)
    assert round_ is not None
    criteria = catalogue.criteria(round_.regulation, product.product_set_no) or []
    unknown = sorted({c.criterion_code for c in form.claims} - set(criteria)) if criteria else []
    if unknown:
        raise Invalid(Text(
            f"Tiêu chí không có trong phiếu của bộ sản phẩm {product.product_set_no}: "
            f"{', '.join(unknown)}",
            f"Criteria not in the sheet of product set {product.product_set_no}: "
            f"{', '.join(unknown)}"), field="claims")
    dossier.form02 = form
    dossier.version += 1
    await RegistryRepository(uow.session).save_dossier(dossier)
    await uow.commit()
    return dossier


async def missing_for(uow: UnitOfWork, dossier: Dossier, product: Product,
                      catalogue: SheetCatalogue) -> list[tuple[str, str]]:
    repo = RegistryRepository(uow.session)
    round_ = await repo.get_round(dossier.round_id)
    assert round_ is not None
    info = catalogue.product_set(round_.regulation, product.product_set_no)
    category = info.category if info else "I"
    criteria = catalogue.criteria(round_.regulation, product.product_set_no) or []
    documents = await repo.documents_of(product.id)
    return missing_items(dossier, ProductFacts(product.product_set_no, category), documents,
                         criteria, uow.clock.now().date())


async def file_dossier(uow: UnitOfWork, dossier_id: str, catalogue: SheetCatalogue,
                       principal: Principal) -> Dossier:
    """The entity files its dossier with the commune (step 1 of the procedure)."""
    dossier, product, entity = await dossier_for(uow, dossier_id, for_update=True)
    may_act_for(principal, entity)
    _editable(dossier)
    repo = RegistryRepository(uow.session)
    round_ = await repo.get_round(dossier.round_id)
    assert round_ is not None
    today = uow.clock.now().date()
    try:
        check_round_open(round_, today)
        check_case_allowed(dossier.case, today, product.certificate_valid_until,
                           product.certificate_active)
    except DomainError as error:
        raise Conflict(Text(error.vi, error.en), slug="outside-window") from error
    missing = await missing_for(uow, dossier, product, catalogue)
    if missing:
        incomplete = Incomplete(missing)
        raise Invalid(Text(incomplete.vi, incomplete.en), slug="incomplete-dossier",
                            missing=[{"vi": vi, "en": en} for vi, en in missing])
    dossier.status = DossierStatus.AWAITING_COMMUNE
    dossier.version += 1
    await repo.save_dossier(dossier, filed_at=uow.clock.now())
    before = len(product.timeline)
    product.record(ProductStatus.SUBMITTED, uow.clock.now(),
                   f"dossier filed ({dossier.case.value}, round {round_.name})")
    await repo.save_product(product, before)
    await uow.commit()
    return dossier


async def record_commune_report(uow: UnitOfWork, dossier_id: str, form: Form03,
                                principal: Principal) -> Dossier:
    """The commune's report (Form 03) completes the dossier; it goes to the province."""
    dossier, product, entity = await dossier_for(uow, dossier_id, for_update=True)
    if not (principal.has(Role.PROVINCE_OFFICE) or (
            principal.has(Role.COMMUNE_OFFICER) and entity.commune_code in principal.communes)):
        raise Forbidden(Text("Chỉ cán bộ xã nơi chủ thể đăng ký mới lập được báo cáo Mẫu 03",
                             "Only an officer of the entity's commune may file Form 03"))
    if dossier.status is not DossierStatus.AWAITING_COMMUNE:
        raise Conflict(Text(f"Hồ sơ không chờ xã xem xét (trạng thái: {dossier.status})",
                            f"The dossier is not awaiting the commune ({dossier.status})"))
    repo = RegistryRepository(uow.session)
    round_ = await repo.get_round(dossier.round_id)
    assert round_ is not None and dossier.form02 is not None and dossier.form01 is not None
    documents = manifest(await repo.documents_of(product.id), uow.clock.now().date())
    dossier.form03 = form
    dossier.status = DossierStatus.FORWARDED
    dossier.manifest = [d.id for d in documents]
    dossier.version += 1
    await repo.save_dossier(dossier, forwarded_at=uow.clock.now())
    product.version += 1
    await repo.save_product(product, len(product.timeline))
    await uow.emit(new_event(
        ProductSubmitted,
        ProductSubmittedPayload(
            product_id=product.id, submission_id=dossier.id, round_id=round_.id,
            case=dossier.case, product_name=product.name,
            product_set_no=product.product_set_no, regulation=round_.regulation,
            entity=EntityFacts(
                entity_id=entity.id, name=entity.name, legal_form=entity.legal_form,
                commune_code=entity.commune_code, province_code=entity.province_code,
                representative_priority_group=entity.representative_priority_group),
            self_assessment=[SelfAssessmentItem(
                criterion_code=c.criterion_code, option_index=c.option_index,
                evidence=[d.sha256 for d in documents if d.id in c.evidence])
                for c in dossier.form02.claims],
            documents=[DocumentRef(kind=d.kind.value, sha256=d.sha256, size=d.size,
                                   filename=d.filename,
                                   valid_until=d.valid_until.isoformat() if d.valid_until
                                   else None) for d in documents],
            current_certificate_number=product.certificate_number
            if product.certificate_active else None),
        aggregate_id=product.id, aggregate_version=product.version, producer=SERVICE,
        clock=uow.clock))
    await uow.commit()
    return dossier


async def withdraw_dossier(uow: UnitOfWork, dossier_id: str, reason: str,
                           principal: Principal) -> Dossier:
    dossier, product, entity = await dossier_for(uow, dossier_id, for_update=True)
    may_act_for(principal, entity)
    if dossier.status not in (DossierStatus.DRAFT, DossierStatus.AWAITING_COMMUNE,
                              DossierStatus.FORWARDED):
        raise Conflict(Text("Hồ sơ đã được đánh giá hoặc đã rút, không thể rút nữa",
                            "The dossier was already evaluated or withdrawn"))
    if any(e.status is ProductStatus.UNDER_EVALUATION and e.at >= _filed_at(product)
           for e in product.timeline) and dossier.status is DossierStatus.FORWARDED:
        raise Conflict(Text("Hội đồng đã bắt đầu đánh giá; không thể rút hồ sơ",
                            "The council has started evaluating; the dossier can't be withdrawn"))
    was_forwarded = dossier.status is DossierStatus.FORWARDED
    dossier.status = DossierStatus.WITHDRAWN
    dossier.version += 1
    repo = RegistryRepository(uow.session)
    await repo.save_dossier(dossier)
    before = len(product.timeline)
    product.record(ProductStatus.WITHDRAWN, uow.clock.now(), f"dossier withdrawn: {reason}")
    if was_forwarded:
        product.version += 1
        await uow.emit(new_event(
            SubmissionWithdrawn,
            SubmissionWithdrawnPayload(product_id=product.id, submission_id=dossier.id,
                                       reason=reason),
            aggregate_id=product.id, aggregate_version=product.version, producer=SERVICE,
            clock=uow.clock))
    await repo.save_product(product, before)
    await uow.commit()
    return dossier


def _filed_at(product: Product) -> datetime:
    filed = [e.at for e in product.timeline if e.status is ProductStatus.SUBMITTED]
    return max(filed) if filed else datetime.min.replace(tzinfo=product.timeline[0].at.tzinfo)


# -- what scoring and certification tell us --------------------------------------------------

async def _timeline(uow: UnitOfWork, product_id: str, status: ProductStatus, at: datetime,
                    note: str) -> Product | None:
    repo = RegistryRepository(uow.session)
    product = await repo.get_product(product_id, for_update=True)
    if product is None:
        return None
    before = len(product.timeline)
    product.record(status, at, note)
    await repo.save_product(product, before)
    return product


async def on_evaluation_opened(event: EvaluationOpened, uow: UnitOfWork) -> None:
    p = event.payload
    await _timeline(uow, p.product_id, ProductStatus.UNDER_EVALUATION, event.occurred_at,
                    f"{p.level.value} council evaluating")


async def on_evaluation_closed(event: EvaluationClosed, uow: UnitOfWork) -> None:
    p = event.payload
    await RegistryRepository(uow.session).end_council_reading(p.evaluation_id)
    status = ProductStatus.NOT_RECOGNISED if p.knocked_out else ProductStatus.WITHDRAWN
    await _timeline(uow, p.product_id, status, event.occurred_at,
                    f"evaluation closed: {p.reason}")
    if p.knocked_out:
        repo = RegistryRepository(uow.session)
        dossier = await repo.get_dossier(p.submission_id, for_update=True)
        if dossier is not None and dossier.status is DossierStatus.FORWARDED:
            dossier.status = DossierStatus.EVALUATED
            await repo.save_dossier(dossier)


async def on_scored(event: Scored, uow: UnitOfWork) -> None:
    p = event.payload
    await RegistryRepository(uow.session).end_council_reading(p.evaluation_id)
    await _timeline(uow, p.product_id, ProductStatus.SCORED, event.occurred_at,
                    f"{p.level.value} council: {p.mean_score} points, {p.stars}★")
    repo = RegistryRepository(uow.session)
    dossier = await repo.get_dossier(p.submission_id, for_update=True)
    if dossier is not None and dossier.status is DossierStatus.FORWARDED and p.recognising:
        dossier.status = DossierStatus.EVALUATED
        await repo.save_dossier(dossier)


async def on_certified(event: Certified, uow: UnitOfWork) -> None:
    p = event.payload
    repo = RegistryRepository(uow.session)
    product = await repo.get_product(p.product_id, for_update=True)
    if product is None:
        return
    before = len(product.timeline)
    product.record(ProductStatus.CERTIFIED, event.occurred_at,
                   f"certificate {p.number}, {p.stars}★, valid until {p.valid_until}")
    newest = await repo.certificate_event_at(product.id)
    if newest is None or event.occurred_at >= newest:
        product.product_code = product.product_code or p.product_code
        product.certificate_number = p.number
        product.certificate_stars = p.stars
        product.certificate_valid_until = p.valid_until
        product.certificate_active = True
        await repo.save_product(product, before, certificate_event_at=event.occurred_at)
    else:
        await repo.save_product(product, before)


async def _certificate_ended(uow: UnitOfWork, product_id: str, number: str,
                             status: ProductStatus, at: datetime, note: str) -> None:
    repo = RegistryRepository(uow.session)
    product = await repo.get_product(product_id, for_update=True)
    if product is None:
        return
    # Only the certificate the product currently holds can end it; a late event about an
    # older certificate (e.g. the one an upgrade superseded) is history, not state.
    if product.certificate_number != number:
        return
    before = len(product.timeline)
    product.record(status, at, note)
    product.certificate_active = False
    await repo.save_product(product, before, certificate_event_at=at)


async def on_certificate_revoked(event: CertificateRevoked, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate_ended(uow, p.product_id, p.number, ProductStatus.REVOKED,
                             event.occurred_at, f"certificate {p.number} revoked: {p.reason}")


async def on_certificate_expired(event: CertificateExpired, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate_ended(uow, p.product_id, p.number, ProductStatus.EXPIRED,
                             event.occurred_at, f"certificate {p.number} expired {p.expired_on}")


async def on_certificate_superseded(event: CertificateSuperseded, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate_ended(uow, p.product_id, p.number, ProductStatus.SUPERSEDED,
                             event.occurred_at,
                             f"certificate {p.number} superseded by {p.superseded_by}")
