"""Events of the registry service.

None of them carries the representative's name, gender, ethnicity, disability, phone, e-mail
or an identity number: scoring gets the one fact it scores (criterion 3.2, in `EntityFacts`).
`ProductSubmitted` v1 (the representative's three facts one by one) and `EntityRegistered` v1
(the registration number, a personal tax code = citizen id number for many household
businesses) are superseded by v2; they stay in the catalogue so that the events already on the
topics are read, and are handed to consumers as v2 (`Envelope.current`).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from . import topics
from .common import DocumentRef, EntityFacts, EntityFactsV1, EvaluationCase, LegalForm, SelfAssessmentItem
from .envelope import Envelope, Payload


class EntityRegisteredPayload(Payload):
    entity_id: str
    name: str = Field(description="The entity's registered (business) name.")
    legal_form: LegalForm
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
    version: Literal[2] = 2


class EntityRegisteredV1Payload(EntityRegisteredPayload):
    registration_no: str = Field(json_schema_extra={"x-personal-data": "basic"},
                                 description="Tax or registration number; for a household business "
                                             "often its owner's personal tax code (citizen id number).")


class EntityRegisteredV1(Envelope[EntityRegisteredV1Payload]):
    """A producer was registered (v1, superseded by v2: no registration number)."""

    topic: ClassVar[str] = topics.ENTITY
    type: Literal["EntityRegistered"] = "EntityRegistered"
    version: Literal[1] = 1

    def current(self) -> EntityRegistered:
        return self._as(EntityRegistered, EntityRegisteredPayload.model_validate(
            self.payload.model_dump(exclude={"registration_no"})))


class ProductRegisteredPayload(Payload):
    product_id: str
    entity_id: str
    name: str = Field(description="The product's name.")
    product_set_no: int = Field(ge=1)
    commune_code: str
    province_code: str


class ProductRegistered(Envelope[ProductRegisteredPayload]):
    """A product was registered by its entity (status: draft)."""

    topic: ClassVar[str] = topics.PRODUCT
    type: Literal["ProductRegistered"] = "ProductRegistered"
    version: Literal[1] = 1


class _Submission(Payload):
    product_id: str
    submission_id: str
    round_id: str
    case: EvaluationCase
    product_name: str
    product_set_no: int = Field(ge=1)
    regulation: str = Field(description="Code of the regulation of the round.")
    self_assessment: list[SelfAssessmentItem] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)
    current_certificate_number: str | None = None


class ProductSubmittedPayload(_Submission):
    entity: EntityFacts


class ProductSubmitted(Envelope[ProductSubmittedPayload]):
    """A complete dossier was submitted to an evaluation round."""

    topic: ClassVar[str] = topics.PRODUCT
    type: Literal["ProductSubmitted"] = "ProductSubmitted"
    version: Literal[2] = 2


class ProductSubmittedV1Payload(_Submission):
    entity: EntityFactsV1


class ProductSubmittedV1(Envelope[ProductSubmittedV1Payload]):
    """A complete dossier was submitted (v1, superseded by v2: only the criterion 3.2 answer).

    v1 told the representative's gender, ethnic-minority status and disability one by one."""

    topic: ClassVar[str] = topics.PRODUCT
    type: Literal["ProductSubmitted"] = "ProductSubmitted"
    version: Literal[1] = 1

    def current(self) -> ProductSubmitted:
        return self._as(ProductSubmitted, ProductSubmittedPayload.model_validate(
            {**self.payload.model_dump(exclude={"entity"}), "entity": self.payload.entity.current()}))


class SubmissionWithdrawnPayload(Payload):
    product_id: str
    submission_id: str
    reason: str


class SubmissionWithdrawn(Envelope[SubmissionWithdrawnPayload]):
    """The entity withdrew a submission before evaluation."""

    topic: ClassVar[str] = topics.PRODUCT
    type: Literal["SubmissionWithdrawn"] = "SubmissionWithdrawn"
    version: Literal[1] = 1
