"""Events of the scoring service."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from . import topics
from .common import EvaluationCase, Level
from .envelope import Envelope, Payload


class ScoredPayload(Payload):
    evaluation_id: str
    product_id: str
    submission_id: str
    round_id: str
    case: EvaluationCase
    regulation: str
    level: Level
    recognising: bool = Field(description="True when this level may recognise the result.")
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


class EvaluationClosed(Envelope[EvaluationClosedPayload]):
    """An evaluation ended without a result (withdrawn dossier, knock-out)."""

    topic: ClassVar[str] = topics.EVALUATION
    type: Literal["EvaluationClosed"] = "EvaluationClosed"
    version: Literal[1] = 1
