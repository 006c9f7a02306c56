"""The registry API's request and response models."""


from typing import Literal

from pydantic import BaseModel, Field

from ocop_shared.contracts.common import EvaluationCase, LegalForm
from ocop_shared.http.dates import IsoDate, IsoDateTime
from ocop_shared.http.text import Code, Line, Paragraph, RecordId

from ..domain.documents import DocumentKind
from .personal_data import ConsentIn


class EntityIn(BaseModel):
    name: str = Field(min_length=2, max_length=300, examples=["HTX Nông nghiệp Mắm Châu Đốc"])
    legal_form: LegalForm
    registration_no: str = Field(min_length=4, max_length=40)
    commune_code: str | None = Field(
        default=None, pattern=r"^[0-9]{5}$", description="Commune code (5 digits) in force on the day, in "
        "the province the platform runs for (else 422 naming its province). Without it, the commune is "
        "placed from `address`")
    address: str = Field(min_length=2, max_length=500, description="The address as people write it. "
                         "Without commune_code it must name the commune (in force, or as before 1 July 2025 "
                         "with its district) and then the province, e.g. \"Số 12 Trần Hưng Đạo, phường Mỹ "
                         "Bình, thành phố Long Xuyên, tỉnh …\"; a 422 on address names the part not found")
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
