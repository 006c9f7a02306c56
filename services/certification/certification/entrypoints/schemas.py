"""Request and response bodies of the certification API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ocop_shared.contracts.common import Department
from ocop_shared.http.dates import IsoDate, IsoDateTime
from ocop_shared.http.text import Code, Sha256

from ..domain.inspection import InspectionKind

SHA256 = r"^[0-9a-f]{64}$"


class HistoryOut(BaseModel):
    at: IsoDateTime = Field(description="When the change was recorded.")
    on: IsoDate = Field(description="The calendar day (Vietnam) it takes effect.")
    from_status: str | None = Field(description="None for the issue itself.")
    status: str
    reason: str = Field(description="Why, in Vietnamese.")
    reason_en: str


class GroundOut(BaseModel):
    number: int = Field(description="1-6")
    letter: str = Field(description="Point of Article 8(1) of 26/2026/QĐ-TTg: a, b, c, d, đ, e")
    text_vi: str
    text_en: str


class RevocationOut(BaseModel):
    grounds: list[GroundOut]
    decision_no: str
    decided_on: IsoDate


class QrTextOut(BaseModel):
    number: str
    text: str = Field(description="Exactly what the certificate's QR code encodes: the public "
                      "verification URL with its signed token (OCOP1.<payload>.<signature>); "
                      "verify it offline with GET /certification/keys, or online with "
                      "POST /certification/verify-qr")
    keys_url: str = "/certification/keys"


class QrCheckOut(BaseModel):
    valid: bool = Field(description="Genuine signature, for this certificate, content unchanged.")
    code: str = Field(description="'ok', or why not: malformed-token, unsupported-version, unknown-key, "
                      "signature-mismatch, number-mismatch, content-mismatch")
    message_vi: str
    message_en: str
    key_id: str | None = None
    signed_at: IsoDateTime | None = None
    signed_status: str | None = Field(default=None, description="Status printed in the QR when it was made.")


class VerificationOut(BaseModel):
    number: str
    status: str = Field(description="As of today: active, extended (pending re-rating), superseded, "
                        "revoked or expired.")
    status_label: str
    status_label_en: str
    stars: int
    product_name: str
    product_code: str
    entity_name: str
    issued_on: IsoDate
    valid_until: IsoDate = Field(description="The expiry printed on the certificate (36 months).")
    valid_through: IsoDate = Field(description="Last valid day as things stand (the extension limit "
                                "while a re-rating is pending).")
    rerating_pending: bool
    extended_until: IsoDate | None = Field(description="Last day of the extension pending re-rating, if any.")
    authority: str
    authority_en: str
    regulation: str
    decision_no: str
    decision_date: IsoDate
    supersedes: str | None
    superseded_by: str | None
    revocation: RevocationOut | None
    revocation_case_open: bool
    checked_on: IsoDate = Field(description="The day the status is given for (Vietnam).")
    pdf_url: str | None
    history: list[HistoryOut]
    qr: QrCheckOut | None = Field(default=None, description="The result of checking ?t= (the QR token).")


class QrIn(BaseModel):
    text: str = Field(min_length=1, max_length=4096, description="What the QR code contains: the "
                      "verification URL, or the bare OCOP1 token.")


class CertificateSummary(BaseModel):
    id: str
    number: str
    product_id: str
    product_name: str
    product_code: str
    entity_id: str
    entity_name: str
    stars: int
    status: str = Field(description="Recorded status.")
    effective_status: str = Field(description="Status as of today (the calendar applied).")
    issued_on: IsoDate
    valid_until: IsoDate
    authority: str
    pdf_sha256: str | None
    rerating_pending: bool
    next_notice_at: IsoDateTime | None


class RevocationIn(BaseModel):
    grounds: list[int] = Field(min_length=1, description="Grounds of 26/2026 Article 8(1), 1-6.")
    decision_no: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    decision_no: str = Field(min_length=1, max_length=200, examples=["123/QĐ-UBND"])
    decided_on: IsoDate | None = Field(default=None, description="Default: today.")
    note: str = Field(default="", max_length=2000)


class DismissalIn(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)
    dismissed_on: IsoDate | None = None


class CaseOut(BaseModel):
    id: str
    certificate_id: str
    certificate_number: str
    stars: int
    grounds: list[GroundOut]
    conclusion: str
    concluded_on: IsoDate
    opened_on: IsoDate
    deadline: IsoDate = Field(description="15 days from the conclusion (Article 8).")
    days_left: int = Field(description="Negative when overdue.")
    overdue: bool
    status: str
    competent_authority: str
    authority_level: str
    decision_no: str | None
    decided_on: IsoDate | None
    decided_late: bool
    dismissal_reason: str | None
    inspection_id: str | None
    opened_at: IsoDateTime
    closed_at: IsoDateTime | None


class FindingIn(BaseModel):
    finding_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._:\-]{1,100}$",
                                   description="Your id for the finding (idempotency); report the "
                                   "same id again with confirmed=true to confirm it.")
    certificate_number: str = Field(min_length=1, max_length=40)
    grounds: list[int] = Field(min_length=1, description="Grounds of 26/2026 Article 8(1), 1-6.")
    conclusion: str = Field(min_length=3, max_length=5000)
    concluded_by: str = Field(min_length=2, max_length=300, description="The concluding authority.")
    concluded_on: IsoDate | None = Field(default=None, description="Default: today.")
    confirmed: bool = Field(description="The authority confirmed the violation (opens a revocation case).")
    kind: InspectionKind = InspectionKind.AD_HOC
    evidence: list[Sha256] = Field(default_factory=list, max_length=50,
                                description="sha256 of files uploaded with POST /certification/evidence")
    department: Department | None = Field(
        default=None, description="Whose inspection it was; an inspector's own department by default")


class FindingOut(BaseModel):
    inspection_id: str
    finding_id: str
    created: bool
    outcome: str = Field(description="open (awaiting confirmation), violation, rejected")
    case_id: str | None
    note: str | None


class EvidenceOut(BaseModel):
    sha256: str
    filename: str
    content_type: str
    size: int


class InspectionOut(BaseModel):
    id: str
    finding_id: str
    source: str
    certificate_number: str
    kind: str
    grounds: list[int]
    conclusion: str
    concluded_by: str
    concluded_on: IsoDate | None
    confirmed: bool
    outcome: str
    note: str | None
    case_id: str | None
    reported_by: str
    department: str | None = None
    reported_at: IsoDateTime
    evidence: list[EvidenceOut]


class NoticeOut(BaseModel):
    kind: str
    certificate_number: str
    due_on: IsoDate
    key: str


class SchedulerRunOut(BaseModel):
    at: IsoDateTime
    certificates: int
    notices: list[NoticeOut]


class KeysOut(BaseModel):
    active_kid: str
    key_ids: list[str]


class SubscriptionIn(BaseModel):
    url: str = Field(min_length=8, max_length=2000, examples=["https://so-cong-thuong.angiang.gov.vn/ocop"])
    event_types: list[Code] = Field(default_factory=list, max_length=20,
                                    description="Empty: every certificate event.")
    description: str = Field(default="", max_length=300)
    secret: str | None = Field(default=None, min_length=16, max_length=200,
                               description="HMAC key; generated when omitted (shown once).")


class SubscriptionOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str
    created_by: str
    created_at: IsoDateTime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="HMAC-SHA256 key of X-OCOP-Signature; shown only now.")
