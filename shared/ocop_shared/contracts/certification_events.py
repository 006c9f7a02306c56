"""Events of the certification service."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from . import topics
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
