"""Entities (chủ thể OCOP) and their products. Plain Python, no framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ocop_shared.contracts.common import LegalForm

from .errors import DomainError

__all__ = ["DomainError", "Entity", "Product", "ProductStatus", "TimelineEntry", "declared_ethnicity"]


def declared_ethnicity(raw: str) -> str:
    """What is kept of an ethnicity entered: a minority's name; "" for none or Kinh (the
    majority earns nothing under criterion 3.2, so recording it serves no purpose)."""
    value = raw.strip()
    return "" if value.lower() in ("", "kinh") else value


class ProductStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_EVALUATION = "under_evaluation"
    SCORED = "scored"
    CERTIFIED = "certified"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"
    NOT_RECOGNISED = "not_recognised"  # the evaluation ended on a knock-out


@dataclass
class Entity:
    id: str
    name: str
    legal_form: LegalForm
    registration_no: str
    commune_code: str
    province_code: str
    address: str = ""
    phone: str = ""
    email: str = ""
    representative_name: str = ""
    representative_position: str = ""
    # Criterion 3.2 only. Ethnicity and disability are sensitive personal data, held with the
    # representative's consent (domain.personal_data); ethnicity "" is "not declared".
    representative_female: bool = False
    representative_ethnicity: str = ""
    representative_disabled: bool = False
    owner_subject: str = ""
    version: int = 0

    @property
    def representative_ethnic_minority(self) -> bool:
        return bool(declared_ethnicity(self.representative_ethnicity))

    @property
    def representative_priority_group(self) -> bool:
        """Criterion 3.2: the legal representative is a woman, an ethnic-minority person or a
        person with disability (the one fact other services are told)."""
        return (self.representative_female or self.representative_ethnic_minority
                or self.representative_disabled)


@dataclass(frozen=True)
class TimelineEntry:
    """A step of the product's life; `at` is when it happened (the event's time)."""

    at: datetime
    status: ProductStatus
    note: str


@dataclass
class Product:
    id: str
    entity_id: str
    name: str
    product_set_no: int
    description: str = ""
    product_code: str | None = None
    version: int = 0
    timeline: list[TimelineEntry] = field(default_factory=list)
    certificate_number: str | None = None
    certificate_stars: int | None = None
    certificate_valid_until: date | None = None
    certificate_active: bool = False

    @property
    def status(self) -> ProductStatus:
        """The latest step by when it happened: events from several topics may arrive late."""
        if not self.timeline:
            return ProductStatus.DRAFT
        return max(self.timeline, key=lambda e: e.at).status

    def record(self, status: ProductStatus, at: datetime, note: str) -> TimelineEntry:
        entry = TimelineEntry(at=at, status=status, note=note)
        self.timeline.append(entry)
        return entry
