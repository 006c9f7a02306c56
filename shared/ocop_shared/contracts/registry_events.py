"""Events of the registry service."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from . import topics
from .common import DocumentRef, EntityFacts, EvaluationCase, LegalForm, SelfAssessmentItem
from .envelope import Envelope, Payload


class EntityRegisteredPayload(Payload):
    entity_id: str
    name: str
    legal_form: LegalForm
    registration_no: str
    commune_code: str
    province_code: str
    commune_name: str | None = Field(default=None, description="Official name on the day of registration.")
    district_code: str | None = Field(
        default=None, description="District-level unit of the commune on that day; none since the 2025 reform.")
    district_name: str | None = None


class EntityRegistered(Envelope[EntityRegisteredPayload]):
    """A producer (chủ thể OCOP) was registered."""

    topic: ClassVar[str] = topics.ENTITY
    type: Literal["EntityRegistered"] = "EntityRegistered"
    version: Literal[1] = 1


class ProductRegisteredPayload(Payload):
    product_id: str
    entity_id: str
    name: str
    product_set_no: int = Field(ge=1)
    commune_code: str
    province_code: str


class ProductRegistered(Envelope[ProductRegisteredPayload]):
    """A product was registered by its entity (status: draft)."""

    topic: ClassVar[str] = topics.PRODUCT
    type: Literal["ProductRegistered"] = "ProductRegistered"
    version: Literal[1] = 1


class ProductSubmittedPayload(Payload):
    product_id: str
    submission_id: str
    round_id: str
    case: EvaluationCase
    product_name: str
    product_set_no: int = Field(ge=1)
    regulation: str = Field(description="Code of the regulation of the round.")
    entity: EntityFacts
    self_assessment: list[SelfAssessmentItem] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)
    current_certificate_number: str | None = None


class ProductSubmitted(Envelope[ProductSubmittedPayload]):
    """A complete dossier was submitted to an evaluation round."""

    topic: ClassVar[str] = topics.PRODUCT
    type: Literal["ProductSubmitted"] = "ProductSubmitted"
    version: Literal[1] = 1


class SubmissionWithdrawnPayload(Payload):
    product_id: str
    submission_id: str
    reason: str


class SubmissionWithdrawn(Envelope[SubmissionWithdrawnPayload]):
    """The entity withdrew a submission before evaluation."""

    topic: ClassVar[str] = topics.PRODUCT
    type: Literal["SubmissionWithdrawn"] = "SubmissionWithdrawn"
    version: Literal[1] = 1
