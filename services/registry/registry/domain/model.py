"""Entities (chủ thể OCOP) and their products. Plain Python, no framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ocop_shared.aggregate import Aggregate
from ocop_shared.contracts import EntityRegistered, ProductRegistered, ProductSubmitted, SubmissionWithdrawn
from ocop_shared.contracts.common import (
    DocumentRef,
    EntityFacts,
    LegalForm,
    SelfAssessmentItem,
)
from ocop_shared.contracts.registry_events import (
    EntityRegisteredPayload,
    ProductRegisteredPayload,
    ProductSubmittedPayload,
    SubmissionWithdrawnPayload,
)

from .documents import Document
from .dossier import Dossier
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
class Entity(Aggregate):
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

    def register(self, *, commune_name: str | None, district_code: str | None,
                 district_name: str | None) -> None:
        """The entity is registered (its stream starts); the place's names go with the event."""
        self.record(EntityRegistered, EntityRegisteredPayload(
            entity_id=self.id, name=self.name, legal_form=self.legal_form,
            commune_code=self.commune_code, province_code=self.province_code,
            commune_name=commune_name, district_code=district_code,
            district_name=district_name))


@dataclass(frozen=True)
class TimelineEntry:
    """A step of the product's life; `at` is when it happened (the event's time)."""

    at: datetime
    status: ProductStatus
    note: str


@dataclass
class Product(Aggregate):
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

    def add_step(self, status: ProductStatus, at: datetime, note: str) -> TimelineEntry:
        entry = TimelineEntry(at=at, status=status, note=note)
        self.timeline.append(entry)
        return entry

    def register(self, entity: Entity, at: datetime, set_name: str) -> None:
        """The product is registered (a draft) under `entity`; its stream starts."""
        self.add_step(ProductStatus.DRAFT, at, f"registered ({set_name})")
        self.record(ProductRegistered, ProductRegisteredPayload(
            product_id=self.id, entity_id=entity.id, name=self.name,
            product_set_no=self.product_set_no, commune_code=entity.commune_code,
            province_code=entity.province_code))

    def submit(self, dossier: Dossier, *, regulation: str, entity: Entity,
               documents: list[Document], district: tuple[str, str] | None = None) -> None:
        """The commune forwarded `dossier` with `documents` (its manifest): the product goes
        to the province for evaluation under `regulation`."""
        assert dossier.form02 is not None
        self.record(ProductSubmitted, ProductSubmittedPayload(
            product_id=self.id, submission_id=dossier.id, round_id=dossier.round_id,
            case=dossier.case, product_name=self.name,
            product_set_no=self.product_set_no, regulation=regulation,
            entity=EntityFacts(
                entity_id=entity.id, name=entity.name, legal_form=entity.legal_form,
                commune_code=entity.commune_code, province_code=entity.province_code,
                district_code=district[0] if district else None,
                district_name=district[1] if district else None,
                representative_priority_group=entity.representative_priority_group),
            self_assessment=[SelfAssessmentItem(
                criterion_code=c.criterion_code, option_index=c.option_index,
                evidence=[d.sha256 for d in documents if d.id in c.evidence])
                for c in dossier.form02.claims],
            documents=[DocumentRef(kind=d.kind.value, sha256=d.sha256, size=d.size,
                                   filename=d.filename,
                                   valid_until=d.valid_until.isoformat() if d.valid_until
                                   else None) for d in documents],
            current_certificate_number=self.certificate_number
            if self.certificate_active else None))

    def withdraw(self, submission_id: str, reason: str, at: datetime, *,
                 was_submitted: bool) -> None:
        """Its dossier is withdrawn; the province hears of it only if it had been submitted."""
        self.add_step(ProductStatus.WITHDRAWN, at, f"dossier withdrawn: {reason}")
        if was_submitted:
            self.record(SubmissionWithdrawn, SubmissionWithdrawnPayload(
                product_id=self.id, submission_id=submission_id, reason=reason))
