"""One product's evaluation at one level: the aggregate whose stream the council's work is told in.

Lifecycle: an evaluation opens (EvaluationOpened) at the first scoring level, or at the next level
when a result escalates; the office gives it a council (CouncilAssigned, also when the council's
members change or it is dissolved); it ends once, either with the council's result (Scored; the
status is `finalised`, or `escalated` followed by EvaluationEscalated naming the next level's
evaluation) or closed without one (EvaluationClosed: the dossier was withdrawn, or the council
knocked the product out). Every event takes the next `version` of the evaluation's stream.

The council's rules (sheets, blindness, quorum, finalisation) are `council.CouncilEvaluation`'s;
this aggregate holds what is stored of the evaluation and the events it raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from ocop_shared.aggregate import Aggregate
from ocop_shared.contracts import EvaluationClosed as EvaluationClosedEvent
from ocop_shared.contracts import EvaluationEscalated, EvaluationOpened, Scored
from ocop_shared.contracts.common import EvaluationCase, Level
from ocop_shared.contracts.scoring_events import (
    CouncilAssigned,
    CouncilAssignedPayload,
    EvaluationClosedPayload,
    EvaluationEscalatedPayload,
    EvaluationOpenedPayload,
    ScoredCap,
    ScoredPayload,
)
from ocop_shared.i18n import said

from .errors import EvaluationClosed
from .outcome import Decision, EvaluationOutcome
from .ranking import CouncilResult


class EvaluationStatus(StrEnum):
    OPEN = "open"
    FINALISED = "finalised"  # the council's result stands at this level
    ESCALATED = "escalated"  # the result went up a level; the next evaluation carries on
    CLOSED = "closed"  # ended without a result: withdrawn, or knocked out


@dataclass
class Evaluation(Aggregate):
    id: str
    submission_id: str
    product_id: str
    round_id: str
    case: str
    regulation: str
    level: str
    status: EvaluationStatus
    product_name: str
    product_set_no: int
    entity_id: str
    entity_name: str
    commune_code: str
    province_code: str
    version: int
    district_name: str | None = None  # the commune's district when submitted (before 2025)
    mean_score: Decimal | None = None
    stars: int | None = None
    decision_ref: str | None = None
    council_id: str | None = None
    parent_id: str | None = None
    sheet_file_id: str | None = None
    written_opinions: bool = False
    present: list[str] = field(default_factory=list)
    opened_at: datetime | None = None
    closed_reason: str | None = None
    flow_correlation_id: str | None = None
    flow_traceparent: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is EvaluationStatus.OPEN

    def _require_open(self) -> None:
        if not self.is_open:
            raise EvaluationClosed(*said("scoring.evaluation_over_3", self_status=self.status))

    # ---------------------------------------------------------------------- transitions
    def opened(self) -> None:
        """A new evaluation announces itself (the first event of its stream)."""
        if self.version != 0 or not self.is_open:
            raise EvaluationClosed(*said("scoring.evaluation_already_open"))
        self.record(EvaluationOpened, EvaluationOpenedPayload(
            evaluation_id=self.id, product_id=self.product_id, submission_id=self.submission_id,
            round_id=self.round_id, level=Level(self.level)))

    def assign_council(self, council_id: str | None, readers: list[str]) -> None:
        """Give the evaluation its council (or none) and say who may now read the dossier
        (`readers`: the logins of the council's seats). Only an open evaluation gets a council;
        taking it away (a council dissolved) is always allowed."""
        if council_id is not None:
            self._require_open()
        self.council_id = council_id
        self.record(CouncilAssigned, CouncilAssignedPayload(
            evaluation_id=self.id, product_id=self.product_id, council_id=council_id,
            members=readers))

    def record_attendance(self, present: list[str]) -> None:
        self._require_open()
        self.present = sorted(set(present))

    def close(self, reason: str, *, knocked_out: bool = False) -> None:
        """End without a result (withdrawn dossier, knocked-out product)."""
        self._require_open()
        self.status = EvaluationStatus.CLOSED
        self.closed_reason = reason
        self.record(EvaluationClosedEvent, EvaluationClosedPayload(
            evaluation_id=self.id, product_id=self.product_id, submission_id=self.submission_id,
            reason=reason, knocked_out=knocked_out))

    def finalise(self, result: CouncilResult, outcome: EvaluationOutcome, *, decision_ref: str,
                 chair_id: str, override_reason: str | None) -> None:
        """The council's result: a knock-out closes the evaluation, anything else is Scored
        (finalised here, or escalated: `escalate` then names the next level's evaluation)."""
        self._require_open()
        self.present = sorted({*self.present, chair_id})
        self.mean_score = result.mean_total
        self.stars = result.stars
        self.decision_ref = decision_ref
        if outcome.decision is Decision.KNOCKED_OUT:
            self.close(knockout_reason(result), knocked_out=True)
            return
        self.status = (EvaluationStatus.ESCALATED if outcome.decision is Decision.ESCALATED
                       else EvaluationStatus.FINALISED)
        self.record(Scored, self._scored(result, outcome, override_reason))

    def escalate(self, next_evaluation: Evaluation) -> None:
        """The result went up a level: `next_evaluation` carries on there."""
        if self.status is not EvaluationStatus.ESCALATED:
            raise EvaluationClosed(*said("scoring.result_does_not_go_up_level"))
        assert self.mean_score is not None and self.stars is not None
        self.record(EvaluationEscalated, EvaluationEscalatedPayload(
            evaluation_id=self.id, product_id=self.product_id, submission_id=self.submission_id,
            round_id=self.round_id, from_level=Level(self.level),
            to_level=Level(next_evaluation.level), next_evaluation_id=next_evaluation.id,
            mean_score=self.mean_score, stars=self.stars))

    def _scored(self, result: CouncilResult, outcome: EvaluationOutcome,
                override_reason: str | None) -> ScoredPayload:
        assert result.stars is not None and result.mean_total is not None
        return ScoredPayload(
            evaluation_id=self.id, product_id=self.product_id, submission_id=self.submission_id,
            round_id=self.round_id, case=EvaluationCase(self.case), regulation=self.regulation,
            level=Level(self.level), recognising=outcome.recognising, stars=result.stars,
            mean_score=result.mean_total, part_scores=dict(result.part_means),
            capped_by=list(result.capped_by), council_decision_ref=self.decision_ref or "",
            product_name=self.product_name, product_set_no=self.product_set_no,
            entity_id=self.entity_id, entity_name=self.entity_name,
            commune_code=self.commune_code, province_code=self.province_code,
            band_stars=result.band_stars,
            caps=[ScoredCap(criterion_code=c.criterion_code, mark_star=c.mark_star,
                            capped_to=c.capped_to, members_meeting=c.members_meeting,
                            members_scoring=c.members_scoring) for c in result.caps],
            escalated_to=Level(outcome.escalate_to) if outcome.escalate_to else None,
            recognised_by=Level(outcome.recognised_by) if outcome.recognised_by else None,
            fallback_from=Level(outcome.fallback_from) if outcome.fallback_from else None,
            previous_evaluation_id=self.parent_id, sheets_scored=result.sheets_scored,
            override_reason=override_reason, written_opinions=self.written_opinions,
            district_name=self.district_name)


def knockout_reason(result: CouncilResult) -> str:
    findings = "; ".join(
        f"{('tiêu chí ' + k.knockout.criterion_code) if k.knockout.criterion_code else 'hồ sơ'}: "
        f"{k.knockout.reason_vi}" for k in result.knockouts)
    return f"knocked out (sản phẩm bị loại): {findings}"
