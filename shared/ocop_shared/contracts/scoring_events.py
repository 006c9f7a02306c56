"""Events of the scoring service."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from . import topics
from .common import EvaluationCase, Level
from .envelope import Envelope, Payload


class ScoredCap(Payload):
    """A star-minimum mark the council's consensus missed, and the stars it limits to."""

    criterion_code: str
    mark_star: int = Field(ge=1, le=5, description="The star the marked option is the minimum for.")
    capped_to: int = Field(ge=0, le=5, description="At most this many stars because of it.")
    members_meeting: int = Field(ge=0, description="Members who chose the marked option or above.")
    members_scoring: int = Field(ge=0)


class ScoredPayload(Payload):
    evaluation_id: str
    product_id: str
    submission_id: str
    round_id: str
    case: EvaluationCase
    regulation: str
    level: Level
    recognising: bool = Field(description="True when this level may recognise the result: the result "
                                          "is final and stands (3-5 stars are recognised, 1-2 stars "
                                          "get no certificate).")
    stars: int = Field(ge=1, le=5)
    mean_score: Decimal = Field(ge=0, le=100)
    part_scores: dict[str, Decimal] = Field(description="Mean per part, e.g. {'A': 32.5}.")
    capped_by: list[str] = Field(
        default_factory=list, description="Criteria whose star-minimum mark capped the stars."
    )
    council_decision_ref: str
    product_name: str
    product_set_no: int = Field(ge=1)
    entity_id: str
    entity_name: str
    commune_code: str
    province_code: str
    band_stars: int | None = Field(
        default=None, ge=1, le=5, description="Stars of the mean's band, before star-minimum caps.")
    caps: list[ScoredCap] = Field(
        default_factory=list, description="Every missed star-minimum mark at or below the band.")
    escalated_to: Level | None = Field(
        default=None, description="The level the result was forwarded to (then recognising is false).")
    recognised_by: Level | None = Field(
        default=None, description="The level whose authority recognises the stars, when recognising.")
    fallback_from: Level | None = Field(
        default=None, description="Set when the sending level recognises a higher level's result "
                                  "(26/2026: central < 90 -> the province recognises 3/4 stars).")
    previous_evaluation_id: str | None = Field(
        default=None, description="The lower level's evaluation this one continues.")
    sheets_scored: int | None = Field(default=None, ge=0, description="Members' sheets in the mean.")
    override_reason: str | None = Field(
        default=None, description="The chair's recorded reason for lifting the spread rule or a "
                                  "minority knock-out.")
    written_opinions: bool | None = Field(
        default=None, description="Evaluated by written opinions (re-rating), without a meeting.")
    district_name: str | None = Field(
        default=None, description="The product's district-level unit when the dossier was "
                                  "submitted (before the 2025 reform), e.g. 'Huyện Chợ Mới': the "
                                  "issuer of a district's recognition.")


class Scored(Envelope[ScoredPayload]):
    """A council's result at one level."""

    topic: ClassVar[str] = topics.EVALUATION
    type: Literal["Scored"] = "Scored"
    version: Literal[1] = 1


class EvaluationOpenedPayload(Payload):
    evaluation_id: str
    product_id: str
    submission_id: str
    round_id: str
    level: Level


class EvaluationOpened(Envelope[EvaluationOpenedPayload]):
    """A council level took a submitted dossier up for evaluation."""

    topic: ClassVar[str] = topics.EVALUATION
    type: Literal["EvaluationOpened"] = "EvaluationOpened"
    version: Literal[1] = 1


class EvaluationClosedPayload(Payload):
    evaluation_id: str
    product_id: str
    submission_id: str
    reason: str
    knocked_out: bool = Field(
        default=False, description="True when a knock-out ended it; False for a withdrawal.")


class EvaluationClosed(Envelope[EvaluationClosedPayload]):
    """An evaluation ended without a result (withdrawn dossier, knock-out)."""

    topic: ClassVar[str] = topics.EVALUATION
    type: Literal["EvaluationClosed"] = "EvaluationClosed"
    version: Literal[1] = 1


class EvaluationEscalatedPayload(Payload):
    evaluation_id: str = Field(description="The evaluation whose result was forwarded.")
    product_id: str
    submission_id: str
    round_id: str
    from_level: Level
    to_level: Level
    next_evaluation_id: str = Field(description="The evaluation opened at the higher level.")
    mean_score: Decimal = Field(ge=0, le=100)
    stars: int = Field(ge=1, le=5)


class EvaluationEscalated(Envelope[EvaluationEscalatedPayload]):
    """A council result reached the next level's threshold and was forwarded to it."""

    topic: ClassVar[str] = topics.EVALUATION
    type: Literal["EvaluationEscalated"] = "EvaluationEscalated"
    version: Literal[1] = 1


class CouncilAssignedPayload(Payload):
    evaluation_id: str
    product_id: str
    council_id: str | None = Field(description="None: the evaluation waits for a council again.")
    members: list[str] = Field(
        default_factory=list, json_schema_extra={"x-personal-data": "basic"},
        description="Identity keys (e-mail or phone) of the council's members: who may read the "
                    "product's dossier while the evaluation is open.")


class CouncilAssigned(Envelope[CouncilAssignedPayload]):
    """An open evaluation got a council, or its council's members changed."""

    topic: ClassVar[str] = topics.EVALUATION
    type: Literal["CouncilAssigned"] = "CouncilAssigned"
    version: Literal[1] = 1
