"""Registry HTTP API (thin: parse, authorise, call the service layer)."""

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import FormData
from starlette.requests import ClientDisconnect

from ocop_shared.access import GrantRow
from ocop_shared.auth import Principal, Role
from ocop_shared.auth.logins import shown
from ocop_shared.contracts.common import EvaluationCase, LegalForm
from ocop_shared.http.dates import IsoDate, IsoDateTime
from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.problems import NotFound, Problem, Text
from ocop_shared.http.text import Code, Line, Paragraph, RecordId
from ocop_shared.runtime import ServiceRuntime

from ..adapters.repository import RegistryRepository, Scope
from ..domain.documents import KINDS, Document, DocumentKind, reusable_on
from ..domain.dossier import Claim, Dossier, Form01, Form02, Form03
from ..domain.rounds import Round
from ..service_layer import access, services
from .deps import Caller, Edge, RegistryEdge, Runtime, router
from .personal_data import ConsentIn


class EntityIn(BaseModel):
    name: str = Field(min_length=2, max_length=300, examples=["HTX Nông nghiệp Mắm Châu Đốc"])
    legal_form: LegalForm
    registration_no: str = Field(min_length=4, max_length=40)
    commune_code: str = Field(pattern=r"^[0-9]{5}$", description="Commune code (5 digits)")
    address: str = Field(min_length=2, max_length=500)
    phone: str = Field(min_length=9, max_length=20)
    email: str = Field(min_length=5, max_length=254)
    representative_name: str = Field(min_length=2, max_length=200)
    representative_position: Line = ""
    representative_female: bool = Field(default=False, description="For criterion 3.2")
    representative_ethnicity: str = Field(
        default="", max_length=60, description="For criterion 3.2, only an ethnic minority "
        "(Kinh or empty: not declared). Sensitive personal data: needs sensitive_data_consent")
    representative_disabled: bool = Field(
        default=False, description="For criterion 3.2. Sensitive personal data: needs "
        "sensitive_data_consent")
    sensitive_data_consent: ConsentIn | None = Field(
        default=None, description="The representative's consent, required with an ethnic "
        "minority or a disability (422 without it, and nothing is stored)")


class EntityOut(BaseModel):
    id: str
    name: str
    legal_form: LegalForm
    registration_no: str
    commune_code: str
    province_code: str
    address: str
    phone: str
    email: str
    representative_name: str


class Created(BaseModel):
    id: str


class ProductIn(BaseModel):
    entity_id: RecordId
    name: str = Field(min_length=2, max_length=300)
    product_set_no: int = Field(description="Product set (bộ sản phẩm) 1–26 of 26/2026")
    description: str = Field(default="", max_length=5000)


class TimelineOut(BaseModel):
    at: IsoDateTime
    status: str
    note: str


class CertificateOut(BaseModel):
    number: str
    stars: int | None
    valid_until: IsoDate | None
    active: bool


class DocumentOut(BaseModel):
    id: str
    kind: DocumentKind
    kind_vi: str
    filename: str
    sha256: str
    size: int
    content_type: str
    valid_from: IsoDate | None
    valid_until: IsoDate | None
    expired: bool
    replaces_id: str | None
    uploaded_at: IsoDateTime


class ProductOut(BaseModel):
    id: str
    entity_id: str
    name: str
    product_set_no: int
    description: str
    product_code: str | None
    status: str
    certificate: CertificateOut | None
    timeline: list[TimelineOut]


class ProductSummary(BaseModel):
    id: str
    name: str
    entity_id: str
    entity_name: str
    commune_code: str
    product_set_no: int
    product_code: str | None
    certificate_number: str | None
    stars: int | None
    certified: bool


class RoundIn(BaseModel):
    id: str = Field(pattern=r"^[A-Za-z0-9\-_.]{3,60}$", examples=["AG-2026-R1"])
    name: str = Field(min_length=3, max_length=200)
    regulation: Code = "26/2026/QĐ-TTg"
    opens_on: IsoDate
    closes_on: IsoDate


class DossierIn(BaseModel):
    case: EvaluationCase = EvaluationCase.FIRST
    round_id: RecordId


class Form01In(BaseModel):
    applicant: Line = Field(min_length=2)
    representative: Line = Field(min_length=2)
    representative_position: Line = ""
    address: Line = Field(min_length=2)
    phone: str = Field(max_length=20)
    email: str = Field(max_length=254)
    product_name: Line = Field(min_length=2)
    samples: int = Field(ge=0, le=100)
    commitment: bool


class ClaimIn(BaseModel):
    criterion_code: Code
    option_index: int = Field(ge=0)
    description: Paragraph = ""
    evidence: list[RecordId] = Field(default_factory=list, max_length=100, description="Document ids")


class Form02In(BaseModel):
    specification: Paragraph = ""
    plan_results: Paragraph = ""
    next_plan: Paragraph = ""
    claims: list[ClaimIn] = Field(max_length=200)
    changes: Paragraph = ""


class Form03In(BaseModel):
    local_raw_materials: Paragraph = Field(min_length=2)
    local_labour: Paragraph = Field(min_length=2)
    idea_origin: Paragraph = Field(min_length=2)
    local_identity: Paragraph = Field(min_length=2)
    officer: Line = Field(min_length=2)
    signed_on: IsoDate


class MissingItem(BaseModel):
    vi: str
    en: str


class DossierOut(BaseModel):
    id: str
    product_id: str
    case: EvaluationCase
    round_id: str
    status: str
    form01: Form01In | None
    form02: Form02In | None
    form03: Form03In | None
    reused_documents: list[DocumentOut]
    missing: list[MissingItem]
    complete: bool


class DossierSummary(BaseModel):
    id: str
    case: EvaluationCase
    round_id: str
    status: str


class WithdrawalIn(BaseModel):
    reason: str = Field(min_length=3, max_length=1000)


class CommuneOut(BaseModel):
    code: str = Field(description="What commune_code takes")
    name: str
    province_code: str
    district_code: str | None = Field(description="None since the 2025 reform (two-level local government)")
    district_name: str | None
    path: str = Field(description="Commune, (district,) province")


class ProductSetOut(BaseModel):
    no: int
    name_vi: str
    name_en: str
    category: str


class OptionOut(BaseModel):
    label_vi: str
    points: int
    min_star: int | None


class CriterionOut(BaseModel):
    part: str
    code: str
    name_vi: str
    max_points: int
    knockout: bool
    note_vi: str | None
    options: list[OptionOut]


class MemberIn(BaseModel):
    login: str = Field(min_length=3, max_length=254, description="E-mail address or phone number")


class MemberOut(BaseModel):
    id: str
    login: str
    added_by: str
    added_at: IsoDateTime


GrantRole = Literal["province_office", "commune_officer", "inspector", "showroom_operator"]


class GrantIn(BaseModel):
    login: str = Field(min_length=3, max_length=254, description="E-mail address or phone number "
                       "the person signs in with (they need no account yet)")
    role: GrantRole
    scope: str | None = Field(default=None, max_length=100, description="Commune code (commune "
                              "officer), department (inspector: health, industry_trade, "
                              "science_technology, agriculture_environment, market_surveillance) "
                              "or showroom id (showroom operator)")
    name: str = Field(default="", max_length=200, description="Who the person is, for the list")


class GrantOut(BaseModel):
    id: str
    login: str
    role: str
    scope: str | None
    name: str
    granted_by: str
    granted_at: IsoDateTime
    revoked_at: IsoDateTime | None
    revoked_by: str | None


class DownloadOut(BaseModel):
    url: str
    expires_in: int


UPLOAD_DESCRIPTION = """The file comes in one of two forms:

- `multipart/form-data` (browsers, the web console): the file in `file`, the other fields beside it.
- the file itself as the request body (`Content-Type` the file's type or
  `application/octet-stream`, with `Content-Length`), the fields in the query (`kind`
  required). With `sha256` (hex, of the whole file) a photo or video streams straight to object
  storage and is checked against it before anything is stored (422 if it differs); without
  it, it is spooled to a temporary file while hashed, then stored. Large files should use this
  form.

Either way the type is decided from the content (PDF, JPEG, PNG, WebP, MP4, Office and
OpenDocument files), not from the declared type; a name whose extension contradicts the content
is refused (415). Documents are then opened before they are accepted (415 otherwise), so they
are held until complete: a PDF must be readable by a PDF library, not password protected, with
no JavaScript, launch actions, attached programs or data after its end; an Office or
OpenDocument file (a zip archive) must open, hold at most 10,000 entries and no program, and
unpack to at most 512 MiB (and, above 16 MiB, to at most 100 times its size). The size limit is
checked before and while reading (413); a refused or interrupted upload stores nothing."""


class UploadForm(BaseModel):
    file: Annotated[UploadFile, Field(description="The document")]
    kind: DocumentKind
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    replaces_id: RecordId | None = None


def upload_form(form: FormData) -> UploadForm:
    """The multipart fields validated as FastAPI validates forms (empty inputs count as absent)."""
    given = {key: value for key, value in form.items()
             if value != "" and not (isinstance(value, UploadFile) and not value.filename
                                     and not value.size)}
    try:
        return UploadForm.model_validate(given)
    except ValidationError as error:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in error.errors(include_url=False)]) from error


def upload_body() -> dict[str, Any]:
    """Both forms of the upload's request body, for the OpenAPI document."""
    form = UploadForm.model_json_schema(ref_template="#/components/schemas/{model}")
    form.pop("$defs", None)  # DocumentKind is among the document's schemas already
    return {"required": True, "content": {
        "multipart/form-data": {"schema": form},
        "application/octet-stream": {"schema": {"type": "string",
                                                "contentMediaType": "application/octet-stream"}},
    }}


async def body_of(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The request body as it arrives: 413 past `limit` bytes, and 400 if the client goes
    away (it will not see the answer, but a dropped connection is not a server error)."""
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit:
                raise too_large(limit)
            yield chunk
    except ClientDisconnect as error:
        raise Problem(Text("Tải lên bị ngắt giữa chừng", "The upload was cut off"),
                      status=400, slug="upload-interrupted") from error


def document_out(document: Document, today: IsoDate) -> DocumentOut:
    return DocumentOut(
        id=document.id, kind=document.kind, kind_vi=KINDS[document.kind].vi,
        filename=document.filename, sha256=document.sha256, size=document.size,
        content_type=document.content_type, valid_from=document.valid_from,
        valid_until=document.valid_until, expired=document.expired_on(today),
        replaces_id=document.replaces_id, uploaded_at=document.uploaded_at)


def today(runtime: ServiceRuntime) -> date:
    return runtime.clock.now().date()


# -- entities -----------------------------------------------------------------------------
@router.post("/entities", status_code=201, response_model=EntityOut,
             summary="Register an OCOP entity (chủ thể)")
async def create_entity(body: EntityIn, principal: Caller, runtime: Runtime, edge: Edge) -> EntityOut:
    consent = body.sensitive_data_consent
    data = services.EntityData(**body.model_dump(exclude={"sensitive_data_consent"}),
                               consent=consent.given_consent() if consent else None)
    async with runtime.uow() as uow:
        entity = await services.register_entity(uow, data, edge.places, principal)
    return EntityOut(**{k: getattr(entity, k) for k in EntityOut.model_fields})


@router.get("/entities", response_model=Page[EntityOut], summary="Entities you may see")
async def list_entities(principal: Caller, runtime: Runtime, limit: Limit = 50,
                        offset: Offset = 0) -> Page[EntityOut]:
    async with runtime.uow() as uow:
        entities, total = await RegistryRepository(uow.session).list_entities(
            scope(principal), limit=limit, offset=offset)
    return Page(items=[EntityOut(**{k: getattr(e, k) for k in EntityOut.model_fields})
                       for e in entities], total=total, limit=limit, offset=offset)


def scope(principal: Principal) -> Scope:
    if principal.has(Role.PROVINCE_OFFICE):
        return Scope()
    if principal.has(Role.COMMUNE_OFFICER):
        return Scope(communes=tuple(sorted(principal.communes)))
    return Scope(entity_ids=tuple(sorted(principal.entities)))


@router.get("/entities/{entity_id}", response_model=EntityOut)
async def get_entity(entity_id: RecordId, principal: Caller, runtime: Runtime) -> EntityOut:
    async with runtime.uow() as uow:
        entity = await services.entity_for(uow, entity_id)
        await services.may_read_entity(uow, principal, entity)
    return EntityOut(**{k: getattr(entity, k) for k in EntityOut.model_fields})


# -- products -----------------------------------------------------------------------------
@router.post("/products", status_code=201, response_model=Created,
             summary="Register a product of an entity")
async def create_product(body: ProductIn, principal: Caller, runtime: Runtime, edge: Edge) -> Created:
    async with runtime.uow() as uow:
        product = await services.register_product(
            uow, entity_id=body.entity_id, name=body.name,
            product_set_no=body.product_set_no, description=body.description,
            catalogue=edge.catalogue, regulation=services.REGULATION_IN_FORCE,
            principal=principal)
    return Created(id=product.id)


@router.get("/products", response_model=Page[ProductSummary],
            summary="Products you may see (yours, your commune's, or all)")
async def list_products(principal: Caller, runtime: Runtime, limit: Limit = 50,
                        offset: Offset = 0) -> Page[ProductSummary]:
    async with runtime.uow() as uow:
        rows, total = await RegistryRepository(uow.session).list_products(
            scope(principal), limit=limit, offset=offset)
    return Page(items=[ProductSummary(
        id=r.id, name=r.name, entity_id=r.entity_id, entity_name=r.entity_name,
        commune_code=r.commune_code, product_set_no=r.product_set_no,
        product_code=r.product_code, certificate_number=r.certificate_number,
        stars=r.certificate_stars, certified=r.certificate_active) for r in rows],
        total=total, limit=limit, offset=offset)


@router.get("/products/{product_id}", response_model=ProductOut,
            summary="A product with its certificate and status timeline")
async def get_product(product_id: RecordId, principal: Caller, runtime: Runtime) -> ProductOut:
    async with runtime.uow() as uow:
        product, entity = await services.product_for(uow, product_id)
    services.may_read(principal, entity, product_id)
    certificate = CertificateOut(
        number=product.certificate_number, stars=product.certificate_stars,
        valid_until=product.certificate_valid_until, active=product.certificate_active,
    ) if product.certificate_number else None
    return ProductOut(
        id=product.id, entity_id=product.entity_id, name=product.name,
        product_set_no=product.product_set_no, description=product.description,
        product_code=product.product_code, status=product.status.value,
        certificate=certificate,
        timeline=[TimelineOut(at=e.at, status=e.status.value, note=e.note)
                  for e in sorted(product.timeline, key=lambda e: e.at)])


# -- documents ----------------------------------------------------------------------------
@router.post("/products/{product_id}/documents", status_code=201, response_model=DocumentOut,
             summary="Upload an evidence file (streamed to object storage, stored by sha256)",
             description=UPLOAD_DESCRIPTION, openapi_extra={"requestBody": upload_body()})
async def upload(
    product_id: RecordId, request: Request, principal: Caller,
    runtime: Runtime, kind: Annotated[DocumentKind | None, Query(
        description="Raw body: the document's kind (required)")] = None,
    filename: Annotated[str | None, Query(max_length=255,
                                          description="Raw body: the file's name")] = None,
    sha256: Annotated[str | None, Query(
        pattern=r"^[0-9a-fA-F]{64}$",
        description="Raw body: the file's sha256 (hex); lets it stream straight to storage, "
                    "checked before anything is stored")] = None,
    valid_from: Annotated[IsoDate | None, Query(description="Raw body")] = None,
    valid_until: Annotated[IsoDate | None, Query(description="Raw body")] = None,
    replaces_id: Annotated[RecordId | None, Query(description="Raw body")] = None,
) -> DocumentOut:
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            fields = upload_form(form)
            spooled = fields.file.size
            if (spooled if spooled is not None else _size_of(fields.file)) > runtime.settings.max_upload_bytes:
                raise too_large(runtime.settings.max_upload_bytes)
            return await save(runtime, product_id, services.Upload(
                content=fields.file.file, filename=fields.file.filename or "tep",
                kind=fields.kind, valid_from=fields.valid_from, valid_until=fields.valid_until,
                replaces_id=fields.replaces_id or None), principal)
    if media == "application/x-www-form-urlencoded":
        raise Problem(Text("Hãy gửi tệp dạng multipart/form-data hoặc gửi chính tệp làm "
                           "nội dung yêu cầu", "Send the file as multipart/form-data or as "
                           "the request body itself"), status=415, slug="unsupported-file")
    if kind is None:
        raise RequestValidationError([{"type": "missing", "loc": ("query", "kind"),
                                       "msg": "Field required", "input": None}])
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise Problem(Text("Thiếu Content-Length: hãy gửi kích thước tệp",
                           "Content-Length is required with the file as the body"),
                      status=411, slug="length-required")
    if int(declared) > runtime.settings.max_upload_bytes:
        raise too_large(runtime.settings.max_upload_bytes)
    return await save(runtime, product_id, services.Upload(
        content=body_of(request, runtime.settings.max_upload_bytes), filename=filename or "tep", kind=kind,
        valid_from=valid_from, valid_until=valid_until, replaces_id=replaces_id or None,
        sha256=sha256.lower() if sha256 else None, size=int(declared)), principal)


async def save(runtime: ServiceRuntime, product_id: str, upload: services.Upload, principal: Principal) -> DocumentOut:
    async with runtime.uow() as uow:
        document = await services.upload_document(uow, runtime.store, product_id, upload,
                                                  principal)
    return document_out(document, today(runtime))


@router.get("/products/{product_id}/documents", response_model=list[DocumentOut],
            summary="The product's documents, flagged when expired")
async def documents(product_id: RecordId, principal: Caller, runtime: Runtime) -> list[DocumentOut]:
    async with runtime.uow() as uow:
        _, entity = await services.product_for(uow, product_id)
        services.may_read(principal, entity, product_id)
        found = await RegistryRepository(uow.session).documents_of(product_id)
    return [document_out(d, today(runtime)) for d in found]


@router.get("/documents/{document_id}/download", response_model=DownloadOut,
            summary="A short-lived download link (council members, the office, the owner)")
async def download(document_id: RecordId, principal: Caller, runtime: Runtime) -> DownloadOut:
    async with runtime.uow() as uow:
        document = await RegistryRepository(uow.session).get_document(document_id)
        if document is None:
            raise NotFound(Text(f"Không tìm thấy tài liệu {document_id}",
                                f"No document {document_id}"))
        _, entity = await services.product_for(uow, document.product_id)
        services.may_read(principal, entity, document.product_id)
        seconds = 300
        url = await runtime.store.presigned_url(document.sha256, seconds, document.filename)
        uow.record_change("document", document_id,
                          f"download link to {document.filename} ({document.kind.value})",
                          product_id=document.product_id, entity_id=entity.id,
                          document_id=document_id)
        await uow.commit()  # the audit record of who took the file
    return DownloadOut(url=url, expires_in=seconds)


# -- reference data -----------------------------------------------------------------------
@router.get("/communes", response_model=list[CommuneOut],
            summary="The communes in force on a day (default today), whose codes commune_code takes (public)")
async def communes(runtime: Runtime, edge: Edge, on: IsoDate | None = None,
                   name: Line | None = Query(default=None, max_length=100,
                                            description="Part of the name, accents ignored")) -> list[CommuneOut]:
    day = on or runtime.clock.now().date()
    return [CommuneOut(code=p.commune_code, name=p.commune_name, province_code=p.province_code,
                       district_code=p.district_code, district_name=p.district_name, path=p.path)
            for p in edge.places.communes(day, name)]


@router.get("/product-sets", response_model=list[ProductSetOut],
            summary="The 26 product sets of the regulation in force (public)")
async def product_sets(edge: Edge, regulation: Code = services.REGULATION_IN_FORCE) -> list[ProductSetOut]:
    return [ProductSetOut(**info.__dict__) for info in edge.catalogue.product_sets(regulation)]


@router.get("/product-sets/{set_no}/criteria", response_model=list[CriterionOut],
            summary="The scoring sheet's criteria and options, for the self-assessment (public)")
async def criteria(set_no: int,
                   edge: Edge, regulation: Code = services.REGULATION_IN_FORCE) -> list[CriterionOut]:
    leaves = edge.catalogue.leaf_criteria(regulation, set_no)
    if leaves is None:
        raise NotFound(Text(f"Không có phiếu đánh giá cho bộ sản phẩm {set_no} ({regulation})",
                            f"No scoring sheet for product set {set_no} ({regulation})"))
    return [CriterionOut(part=c.part, code=c.code, name_vi=c.name_vi,
                         max_points=c.max_points, knockout=c.knockout, note_vi=c.note_vi,
                         options=[OptionOut(**o.__dict__) for o in c.options])
            for c in leaves]


# -- rounds -------------------------------------------------------------------------------
@router.post("/rounds", status_code=201, response_model=RoundIn,
             summary="Open an evaluation round (provincial office)")
async def create_round(body: RoundIn, principal: Caller, runtime: Runtime, edge: Edge) -> RoundIn:
    async with runtime.uow() as uow:
        await services.create_round(uow, Round(**body.model_dump()), edge.catalogue)
    return body


@router.get("/rounds", response_model=list[RoundIn])
async def list_rounds(principal: Caller, runtime: Runtime) -> list[RoundIn]:
    async with runtime.uow() as uow:
        rounds = await RegistryRepository(uow.session).list_rounds()
    return [RoundIn(**r.__dict__) for r in rounds]


# -- dossiers -----------------------------------------------------------------------------
async def dossier_view(runtime: ServiceRuntime, edge: RegistryEdge, dossier_id: str) -> DossierOut:
    async with runtime.uow() as uow:
        dossier, product, _ = await services.dossier_for(uow, dossier_id)
        missing = await services.missing_for(uow, dossier, product, edge.catalogue)
        found = await RegistryRepository(uow.session).documents_of(product.id)
    return dossier_out(dossier, [document_out(d, today(runtime)) for d in reusable_on(found, today(runtime))],
                       missing)


@router.post("/products/{product_id}/dossiers", status_code=201, response_model=DossierOut,
             summary="Start a dossier (first evaluation, upgrade or re-rating)")
async def open_dossier(product_id: RecordId, body: DossierIn, principal: Caller, runtime: Runtime,
                       edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        dossier = await services.open_dossier(uow, product_id=product_id, case=body.case,
                                              round_id=body.round_id, principal=principal)
    return await dossier_view(runtime, edge, dossier.id)


@router.get("/products/{product_id}/dossiers", response_model=list[DossierSummary],
            summary="The product's dossiers, the one not yet filed first, then newest first")
async def dossiers(product_id: RecordId, principal: Caller, runtime: Runtime) -> list[DossierSummary]:
    async with runtime.uow() as uow:
        _, entity = await services.product_for(uow, product_id)
        services.may_read(principal, entity, product_id)
        found = await RegistryRepository(uow.session).dossiers_of(product_id)
    return [DossierSummary(id=d.id, case=d.case, round_id=d.round_id, status=d.status.value)
            for d in found]


@router.get("/dossiers/{dossier_id}", response_model=DossierOut,
            summary="A dossier with what is still missing")
async def get_dossier(dossier_id: RecordId, principal: Caller, runtime: Runtime, edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        _, product, entity = await services.dossier_for(uow, dossier_id)
    services.may_read(principal, entity, product.id)
    return await dossier_view(runtime, edge, dossier_id)


@router.put("/dossiers/{dossier_id}/form-01", response_model=DossierOut,
            summary="Form 01: registration")
async def put_form01(dossier_id: RecordId, body: Form01In, principal: Caller, runtime: Runtime,
                     edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        await services.save_form01(uow, dossier_id, Form01(**body.model_dump()), principal)
    return await dossier_view(runtime, edge, dossier_id)


@router.put("/dossiers/{dossier_id}/form-02", response_model=DossierOut,
            summary="Form 02: self-assessment, criterion by criterion, with evidence")
async def put_form02(dossier_id: RecordId, body: Form02In, principal: Caller, runtime: Runtime,
                     edge: Edge) -> DossierOut:
    form = Form02(specification=body.specification, plan_results=body.plan_results,
                  next_plan=body.next_plan, changes=body.changes,
                  claims=tuple(Claim(criterion_code=c.criterion_code,
                                     option_index=c.option_index,
                                     description=c.description,
                                     evidence=tuple(c.evidence)) for c in body.claims))
    async with runtime.uow() as uow:
        await services.save_form02(uow, dossier_id, form, edge.catalogue, principal)
    return await dossier_view(runtime, edge, dossier_id)


@router.post("/dossiers/{dossier_id}/filing", response_model=DossierOut,
             summary="File the dossier with the commune (422 lists what is missing)")
async def file(dossier_id: RecordId, principal: Caller, runtime: Runtime, edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        await services.file_dossier(uow, dossier_id, edge.catalogue, principal)
    return await dossier_view(runtime, edge, dossier_id)


@router.put("/dossiers/{dossier_id}/form-03", response_model=DossierOut,
            summary="Form 03: the commune's report; forwards the dossier to the province")
async def put_form03(dossier_id: RecordId, body: Form03In, principal: Caller, runtime: Runtime,
                     edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        await services.record_commune_report(uow, dossier_id, Form03(**body.model_dump()),
                                             principal)
    return await dossier_view(runtime, edge, dossier_id)


@router.post("/dossiers/{dossier_id}/withdrawal", response_model=DossierOut,
             summary="Withdraw the dossier before the council evaluates it")
async def withdraw(dossier_id: RecordId, body: WithdrawalIn, principal: Caller, runtime: Runtime,
                   edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        await services.withdraw_dossier(uow, dossier_id, body.reason, principal)
    return await dossier_view(runtime, edge, dossier_id)


# -- who acts for an entity ---------------------------------------------------------------
async def acted_for(uow: Any, entity_id: str, principal: Principal) -> None:
    services.may_act_for(principal, await services.entity_for(uow, entity_id))


@router.get("/entities/{entity_id}/members", response_model=list[MemberOut],
            summary="People who act for the entity besides whoever registered it")
async def members(entity_id: RecordId, principal: Caller, runtime: Runtime) -> list[MemberOut]:
    async with runtime.uow() as uow:
        await acted_for(uow, entity_id, principal)
        rows = await RegistryRepository(uow.session).members(entity_id)
    return [MemberOut(id=r.id, login=shown(r.login), added_by=r.added_by, added_at=r.added_at)
            for r in rows]


@router.post("/entities/{entity_id}/members", status_code=201, response_model=MemberOut,
             summary="Let someone act for the entity (by e-mail or phone; they sign up with it)")
async def add_member(entity_id: RecordId, body: MemberIn, principal: Caller, runtime: Runtime) -> MemberOut:
    async with runtime.uow() as uow:
        await acted_for(uow, entity_id, principal)
        member_id = await access.add_member(uow, entity_id, body.login, principal)
    return MemberOut(id=member_id, login=body.login.strip(), added_by=principal.subject,
                     added_at=runtime.clock.now())


@router.delete("/entities/{entity_id}/members/{member_id}", status_code=204)
async def remove_member(entity_id: RecordId, member_id: RecordId, principal: Caller, runtime: Runtime) -> Response:
    async with runtime.uow() as uow:
        await acted_for(uow, entity_id, principal)
        await access.remove_member(uow, entity_id, member_id)
    return Response(status_code=204)


# -- grants: who may do what (the office) -------------------------------------------------
@router.get("/access-grants", response_model=Page[GrantOut],
            summary="Roles the office granted (?role=, ?login=, ?include_revoked=true)")
async def list_grants(principal: Caller, runtime: Runtime, role: Code | None = None, login: Line | None = None,
                      include_revoked: bool = False, limit: Limit = 50,
                      offset: Offset = 0) -> Page[GrantOut]:
    async with runtime.uow() as uow:
        rows, total = await access.list_grants(uow, role=role, login=login,
                                               include_revoked=include_revoked,
                                               limit=limit, offset=offset)
    return Page(items=[grant_out(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("/access-grants", status_code=201, response_model=GrantOut,
             summary="Grant a role: office staff, a commune's officer, a department's "
                     "inspector or a showroom's operator (by e-mail or phone)")
async def grant(body: GrantIn, principal: Caller, runtime: Runtime, edge: Edge) -> GrantOut:
    async with runtime.uow() as uow:
        row = await access.grant(uow, access.GrantRequest(
            login=body.login, role=body.role, scope=body.scope, name=body.name),
            principal, edge.places)
    return grant_out(row)


@router.delete("/access-grants/{grant_id}", response_model=GrantOut,
               summary="Revoke a grant: it stops working in every service at once")
async def revoke(grant_id: RecordId, principal: Caller, runtime: Runtime) -> GrantOut:
    async with runtime.uow() as uow:
        row = await access.revoke(uow, grant_id, principal)
    return grant_out(row)


def grant_out(row: GrantRow) -> GrantOut:
    return GrantOut(id=row.grant_id, login=shown(row.login), role=row.role, scope=row.scope,
                    name=row.name, granted_by=row.granted_by, granted_at=row.granted_at,
                    revoked_at=row.revoked_at, revoked_by=row.revoked_by)


def dossier_out(dossier: Dossier, reused: list[DocumentOut],
                missing: list[tuple[str, str]]) -> DossierOut:
    form02 = None
    if dossier.form02 is not None:
        form02 = Form02In(
            specification=dossier.form02.specification, plan_results=dossier.form02.plan_results,
            next_plan=dossier.form02.next_plan, changes=dossier.form02.changes,
            claims=[ClaimIn(criterion_code=c.criterion_code, option_index=c.option_index,
                            description=c.description, evidence=list(c.evidence))
                    for c in dossier.form02.claims])
    return DossierOut(
        id=dossier.id, product_id=dossier.product_id, case=dossier.case,
        round_id=dossier.round_id, status=dossier.status.value,
        form01=Form01In(**dossier.form01.__dict__) if dossier.form01 else None,
        form02=form02,
        form03=Form03In(**dossier.form03.__dict__) if dossier.form03 else None,
        reused_documents=reused,
        missing=[MissingItem(vi=vi, en=en) for vi, en in missing],
        complete=not missing,
    )


def _size_of(file: UploadFile) -> int:
    file.file.seek(0, 2)
    size = file.file.tell()
    file.file.seek(0)
    return size


def too_large(limit: int) -> Problem:
    mib = limit // (1024 * 1024)
    return Problem(Text(f"Tệp vượt quá giới hạn {mib} MB", f"The file exceeds the {mib} MB limit"),
                   status=413, slug="file-too-large", field="file")

