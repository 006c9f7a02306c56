"""Events of the certification service."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from . import topics
from .common import ValueModel
from .envelope import Envelope, Payload


class CertifiedPayload(Payload):
    certificate_id: str
    number: str
    product_id: str
    product_code: str
    product_name: str
    entity_id: str
    entity_name: str
    stars: int = Field(ge=3, le=5)
    regulation: str
    decision_no: str
    issued_on: date
    valid_until: date
    authority: str
    verification_url: str
    supersedes: str | None = Field(default=None, description="Number of the replaced certificate.")
    qr_text: str | None = Field(
        default=None, description="What the certificate's QR code encodes: the verification URL with "
        "its signed token (?t=OCOP1...), verifiable offline against GET /certification/keys.")


class Certified(Envelope[CertifiedPayload]):
    """A certificate was issued for a 3★+ result."""

    topic: ClassVar[str] = topics.CERTIFICATE
    type: Literal["Certified"] = "Certified"
    version: Literal[1] = 1


class CertificateRevokedPayload(Payload):
    certificate_id: str
    number: str
    product_id: str
    grounds: list[int] = Field(min_length=1, description="Grounds of 26/2026 Article 8 (1-6).")
    decision_no: str
    revoked_on: date
    reason: str


class CertificateRevoked(Envelope[CertificateRevokedPayload]):
    topic: ClassVar[str] = topics.CERTIFICATE
    type: Literal["CertificateRevoked"] = "CertificateRevoked"
    version: Literal[1] = 1


class CertificateExpiredPayload(Payload):
    certificate_id: str
    number: str
    product_id: str
    expired_on: date


class CertificateExpired(Envelope[CertificateExpiredPayload]):
    topic: ClassVar[str] = topics.CERTIFICATE
    type: Literal["CertificateExpired"] = "CertificateExpired"
    version: Literal[1] = 1


class CertificateSupersededPayload(Payload):
    certificate_id: str
    number: str
    product_id: str
    superseded_by: str


class CertificateSuperseded(Envelope[CertificateSupersededPayload]):
    topic: ClassVar[str] = topics.CERTIFICATE
    type: Literal["CertificateSuperseded"] = "CertificateSuperseded"
    version: Literal[1] = 1


class RerateWindowOpenedPayload(Payload):
    certificate_id: str
    number: str
    product_id: str
    valid_until: date
    window_opens: date = Field(description="First day to file the re-rating dossier (expiry - 180 days).")
    window_closes: date = Field(description="Last day to file it (expiry - 120 days).")


class RerateWindowOpened(Envelope[RerateWindowOpenedPayload]):
    """The re-rating window of a certificate opened (180 days before it expires)."""

    topic: ClassVar[str] = topics.CERTIFICATE
    type: Literal["RerateWindowOpened"] = "RerateWindowOpened"
    version: Literal[1] = 1


class RerateReminderPayload(Payload):
    certificate_id: str
    number: str
    product_id: str
    valid_until: date
    window_closes: date = Field(description="Last day to file the re-rating dossier.")
    days_left: int = Field(ge=0, description="Days from the reminder to the window's last day.")


class RerateReminder(Envelope[RerateReminderPayload]):
    """The re-rating window closes soon (120 days before expiry) and no dossier was filed."""

    topic: ClassVar[str] = topics.CERTIFICATE
    type: Literal["RerateReminder"] = "RerateReminder"
    version: Literal[1] = 1


class CertificateExtendedPayload(Payload):
    certificate_id: str
    number: str
    product_id: str
    valid_until: date = Field(description="The expiry printed on the certificate.")
    extended_until: date = Field(description="Last day it can stay valid pending the re-rating "
                                 "decision (expiry + 180 days, 26/2026 Article 12).")
    submission_id: str | None = Field(default=None, description="The re-rating dossier.")
    reason: str


class CertificateExtended(Envelope[CertificateExtendedPayload]):
    """A re-rating is pending: the certificate stays valid after its expiry until the decision."""

    topic: ClassVar[str] = topics.CERTIFICATE
    type: Literal["CertificateExtended"] = "CertificateExtended"
    version: Literal[1] = 1


class RevocationCaseOpenedPayload(Payload):
    case_id: str
    certificate_id: str
    number: str
    product_id: str
    grounds: list[int] = Field(min_length=1, description="Grounds of 26/2026 Article 8 (1-6).")
    conclusion: str
    concluded_by: str = Field(description="The authority whose conclusion opened the case.")
    concluded_on: date
    deadline: date = Field(description="Last day for the decision (15 days from the conclusion).")
    competent_authority: str = Field(description="Who decides: the province (3★/4★) or the ministry (5★).")
    finding_id: str | None = None


class RevocationCaseOpened(Envelope[RevocationCaseOpenedPayload]):
    """A confirmed inspection finding opened a revocation case for the competent authority."""

    topic: ClassVar[str] = topics.CERTIFICATE
    type: Literal["RevocationCaseOpened"] = "RevocationCaseOpened"
    version: Literal[1] = 1


class RevocationCaseDismissedPayload(Payload):
    case_id: str
    certificate_id: str
    number: str
    product_id: str
    dismissed_on: date
    reason: str


class RevocationCaseDismissed(Envelope[RevocationCaseDismissedPayload]):
    """The competent authority decided not to revoke; the certificate stands."""

    topic: ClassVar[str] = topics.CERTIFICATE
    type: Literal["RevocationCaseDismissed"] = "RevocationCaseDismissed"
    version: Literal[1] = 1


class RecognisedProduct(ValueModel):
    evaluation_id: str
    product_id: str
    product_name: str
    stars: int = Field(ge=3, le=5)
    certificate_number: str | None = Field(
        default=None, description="The certificate issued from the decision (none when the product "
                                  "already held one of at least these stars).")


class RecognitionDecidedPayload(Payload):
    decision_id: str
    round_id: str
    number: str = Field(description="The decision's number, e.g. '1234/QĐ-UBND'.")
    signed_on: date
    signer_name: str = Field(json_schema_extra={"x-personal-data": "basic"},
                             description="The official who signed, as printed on the decision.")
    signer_title: str = Field(description="E.g. 'Chủ tịch' or 'KT. Chủ tịch, Phó Chủ tịch'.")
    issuer_id: str = Field(description="The body in the authorities data, e.g. 'province-committee'.")
    authority: str = Field(description="The body as the decision names it, e.g. 'UBND tỉnh …'.")
    products: list[RecognisedProduct] = Field(min_length=1)
    document_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="The signed decision (PDF).")


class RecognitionDecided(Envelope[RecognitionDecidedPayload]):
    """The competent authority signed a recognition decision (Quyết định công nhận): the round's
    products it lists are recognised with their stars, and their certificates cite it."""

    topic: ClassVar[str] = topics.CERTIFICATE
    type: Literal["RecognitionDecided"] = "RecognitionDecided"
    version: Literal[1] = 1
