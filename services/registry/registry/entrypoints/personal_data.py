"""Registry HTTP API: the representative's consent to sensitive data, a copy of the entity's
personal data, withdrawal of consent and erasure (Decree 13/2023/NĐ-CP; PDP Law 2025)."""

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from ocop_shared.auth.logins import shown
from ocop_shared.contracts.common import EvaluationCase, LegalForm
from ocop_shared.http.dates import IsoDate, IsoDateTime
from ocop_shared.http.text import RecordId

from ..adapters.repository import form_json
from ..domain.documents import DocumentKind
from ..domain.personal_data import PURPOSE, PURPOSE_EN, PURPOSE_VI, Consent, ConsentGiven, Note
from ..service_layer import personal_data
from .deps import Caller, Runtime, router


class ConsentIn(BaseModel):
    """The representative's consent to record their ethnicity and disability (sensitive
    personal data), for one purpose only: scoring OCOP criterion 3.2."""

    given: bool = Field(description="The representative (the data subject) consents")
    given_by: str = Field(min_length=2, max_length=200,
                          description="Full name of the representative who consented")
    given_at: AwareDatetime | None = Field(default=None, description="When (default: now)")
    purpose: Literal["ocop-criterion-3.2"] = Field(
        default=PURPOSE, description=f"Fixed: {PURPOSE_EN} ({PURPOSE_VI})")

    def given_consent(self) -> ConsentGiven:
        return ConsentGiven(given=self.given, given_by=self.given_by, given_at=self.given_at)


class ConsentOut(BaseModel):
    id: str
    purpose: str
    purpose_vi: str
    data_kinds: list[str] = Field(description="Empty once erased")
    given_by: str = Field(description="The representative's name; empty once erased")
    given_at: IsoDateTime
    recorded_by: str
    recorded_at: IsoDateTime
    active: bool
    withdrawn_at: IsoDateTime | None
    withdrawn_by: str | None
    erased_at: IsoDateTime | None


class NoteOut(BaseModel):
    what: str
    holder: str = Field(description="Which service (or log) holds it")
    vi: str
    en: str


class RepresentativeOut(BaseModel):
    name: str
    position: str
    female: bool
    ethnicity: str = Field(description="Sensitive; empty: not declared")
    disabled: bool = Field(description="Sensitive")
    priority_group: bool = Field(description="Criterion 3.2's answer: the one fact other services get")


class EntityRecordOut(BaseModel):
    id: str
    name: str
    legal_form: LegalForm
    registration_no: str
    commune_code: str
    province_code: str
    address: str
    phone: str
    email: str
    representative: RepresentativeOut
    owner_subject: str
    registered_at: IsoDateTime | None
    version: int


class MemberRecordOut(BaseModel):
    id: str
    login: str
    added_by: str
    added_at: IsoDateTime


class ProductRecordOut(BaseModel):
    id: str
    name: str
    product_set_no: int
    description: str
    product_code: str | None
    status: str
    certificate_number: str | None
    certificate_stars: int | None
    certificate_valid_until: IsoDate | None
    certificate_active: bool
    timeline: list[dict[str, Any]]


class SubmissionRecordOut(BaseModel):
    id: str
    product_id: str
    case: EvaluationCase
    round_id: str
    status: str
    form01: dict[str, Any] | None
    form02: dict[str, Any] | None
    form03: dict[str, Any] | None
    documents_filed: list[str]


class DocumentRecordOut(BaseModel):
    id: str
    product_id: str
    kind: DocumentKind
    filename: str
    sha256: str
    size: int
    content_type: str
    valid_from: IsoDate | None
    valid_until: IsoDate | None
    replaces_id: str | None
    uploaded_at: IsoDateTime


class PersonalDataOut(BaseModel):
    generated_at: IsoDateTime
    entity: EntityRecordOut
    members: list[MemberRecordOut]
    products: list[ProductRecordOut]
    submissions: list[SubmissionRecordOut]
    documents: list[DocumentRecordOut] = Field(description="Metadata; the files through their "
                                                           "download links")
    consents: list[ConsentOut]
    retained: list[NoteOut] = Field(description="What other services keep, and the legal reason")


class ErasureOut(BaseModel):
    entity_id: str
    erased: list[NoteOut]
    kept: list[NoteOut] = Field(description="What stays, who holds it, and the legal reason")


def consent_out(consent: Consent) -> ConsentOut:
    return ConsentOut(
        id=consent.id, purpose=consent.purpose, purpose_vi=PURPOSE_VI,
        data_kinds=[k.value for k in consent.data_kinds], given_by=consent.given_by,
        given_at=consent.given_at, recorded_by=consent.recorded_by,
        recorded_at=consent.recorded_at, active=consent.active,
        withdrawn_at=consent.withdrawn_at, withdrawn_by=consent.withdrawn_by,
        erased_at=consent.erased_at)


def notes(items: Iterable[Note]) -> list[NoteOut]:
    return [NoteOut(what=n.what, holder=n.holder, vi=n.vi, en=n.en) for n in items]


def personal_data_out(data: personal_data.PersonalData, now: IsoDateTime) -> PersonalDataOut:
    e = data.entity
    return PersonalDataOut(
        generated_at=now,
        entity=EntityRecordOut(
            id=e.id, name=e.name, legal_form=e.legal_form, registration_no=e.registration_no,
            commune_code=e.commune_code, province_code=e.province_code, address=e.address,
            phone=e.phone, email=e.email, owner_subject=e.owner_subject,
            registered_at=data.registered_at, version=e.version,
            representative=RepresentativeOut(
                name=e.representative_name, position=e.representative_position,
                female=e.representative_female, ethnicity=e.representative_ethnicity,
                disabled=e.representative_disabled,
                priority_group=e.representative_priority_group)),
        members=[MemberRecordOut(id=i, login=shown(login), added_by=by, added_at=at)
                 for i, login, by, at in data.members],
        products=[ProductRecordOut(
            id=p.product.id, name=p.product.name, product_set_no=p.product.product_set_no,
            description=p.product.description, product_code=p.product.product_code,
            status=p.product.status.value, certificate_number=p.product.certificate_number,
            certificate_stars=p.product.certificate_stars,
            certificate_valid_until=p.product.certificate_valid_until,
            certificate_active=p.product.certificate_active,
            timeline=[{"at": t.at, "status": t.status.value, "note": t.note}
                      for t in p.product.timeline]) for p in data.products],
        submissions=[SubmissionRecordOut(
            id=d.id, product_id=d.product_id, case=d.case, round_id=d.round_id,
            status=d.status.value, form01=form_json(d.form01), form02=form_json(d.form02),
            form03=form_json(d.form03), documents_filed=d.manifest)
            for p in data.products for d in p.dossiers],
        documents=[DocumentRecordOut(
            id=d.id, product_id=d.product_id, kind=d.kind, filename=d.filename, sha256=d.sha256,
            size=d.size, content_type=d.content_type, valid_from=d.valid_from,
            valid_until=d.valid_until, replaces_id=d.replaces_id, uploaded_at=d.uploaded_at)
            for p in data.products for d in p.documents],
        consents=[consent_out(c) for c in data.consents],
        retained=notes(data.retained))


@router.get("/entities/{entity_id}/personal-data", response_model=PersonalDataOut,
            summary="Everything the registry holds about the entity and its representative, "
                    "and what other services keep (the owner, the office; audited)")
async def personal_data_of(entity_id: RecordId, principal: Caller, runtime: Runtime) -> PersonalDataOut:
    async with runtime.uow() as uow:
        data = await personal_data.export(uow, entity_id, principal)
    return personal_data_out(data, runtime.clock.now())


@router.post("/entities/{entity_id}/consents/{consent_id}/withdrawal",
             response_model=ConsentOut,
             summary="Withdraw the representative's consent: the sensitive data it covered "
                     "is erased at once")
async def withdraw_consent(entity_id: RecordId, consent_id: RecordId, principal: Caller,
                           runtime: Runtime) -> ConsentOut:
    async with runtime.uow() as uow:
        consent = await personal_data.withdraw_consent(uow, entity_id, consent_id, principal)
    return consent_out(consent)


@router.post("/entities/{entity_id}/erasure-request", response_model=ErasureOut,
             summary="Erase the personal data the law lets go; the answer says what is kept "
                     "and why")
async def erasure_request(entity_id: RecordId, principal: Caller, runtime: Runtime) -> ErasureOut:
    async with runtime.uow() as uow:
        result = await personal_data.request_erasure(uow, entity_id, principal)
    return ErasureOut(entity_id=entity_id, erased=notes(result.erased),
                      kept=notes(result.kept))

