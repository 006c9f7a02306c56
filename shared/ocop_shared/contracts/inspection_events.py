"""Events written by department systems (Health, Industry and Trade, Science...)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from . import topics
from .common import Department, DocumentRef
from .envelope import Envelope, Payload


class InspectionReportedPayload(Payload):
    finding_id: str
    certificate_number: str
    grounds: list[int] = Field(min_length=1, description="Grounds of 26/2026 Article 8 (1-6).")
    conclusion: str
    authority: str
    confirmed: bool
    evidence: list[DocumentRef] = Field(default_factory=list)
    concluded_on: date | None = Field(
        default=None, description="Day of the authority's conclusion (default: the event's day).")
    inspection_kind: Literal["periodic", "ad_hoc"] | None = Field(
        default=None, description="Periodic or ad-hoc inspection (26/2026 Article 9).")
    department: Department | None = Field(
        default=None, description="The department whose inspection it was (its inspectors see it).")


class InspectionReported(Envelope[InspectionReportedPayload]):
    topic: ClassVar[str] = topics.INSPECTION_FINDING
    type: Literal["InspectionReported"] = "InspectionReported"
    version: Literal[1] = 1
