"""What the scoring repository loads and saves: the records besides the evaluation aggregate
(rounds, councils, sheets, sheet files, results, declarations) and their mapping from rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..domain.council import Council, CouncilMember, CouncilRules, Role
from ..domain.evaluation import Evaluation, EvaluationStatus
from ..domain.sheet_scoring import KnockOut


def utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class StaleRecord(Exception):
    """Another transaction changed the record first (optimistic concurrency)."""


# ----------------------------------------------------------------------------- records


@dataclass
class RoundRecord:
    id: str
    regulation: str
    procedure_from: date
    name: str | None
    configured_by: str | None
    created_at: datetime
    version: int = 1


@dataclass
class CouncilRecord:
    id: str
    round_id: str
    level: str
    name: str
    establishment_ref: str | None
    rules: CouncilRules
    members: list[CouncilMember]
    created_at: datetime
    version: int = 1
    closed_at: datetime | None = None

    def domain(self, regulation_code: str) -> Council:
        return Council(self.id, self.level, regulation_code, tuple(self.members), self.rules)

    def member(self, member_id: str) -> CouncilMember | None:
        return next((m for m in self.members if m.member_id == member_id), None)

    def seat_of(self, identities: frozenset[str]) -> CouncilMember | None:
        """The seat of whoever signs in with one of `identities`; none once the council ended."""
        if self.closed_at is not None:
            return None
        return next((m for m in self.members if m.login is not None and m.login in identities),
                    None)

    @property
    def chair(self) -> CouncilMember | None:
        return next((m for m in self.members if m.role is Role.CHAIR), None)


EvaluationRecord = Evaluation  # the evaluation aggregate, by the name older code imports


@dataclass
class SheetRecord:
    evaluation_id: str
    member_id: str
    status: str  # draft | submitted
    choices: dict[str, int]
    knockout: KnockOut | None
    total: int | None
    part_totals: dict[str, int] | None
    updated_at: datetime
    submitted_at: datetime | None

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"


@dataclass
class SheetFileRecord:
    id: str
    regulation: str
    filename: str
    sha256: str
    size: int
    content: str
    product_sets: list[int]
    uploaded_by: str
    uploaded_at: datetime


@dataclass
class ResultRecord:
    evaluation_id: str
    decision: str
    mean_score: Decimal | None
    stars: int | None
    body: dict[str, Any]
    finalised_by: str
    finalised_at: datetime


@dataclass(frozen=True)
class Declaration:
    council_id: str
    member_id: str
    product_id: str
    reason: str
    declared_by: str
    declared_at: datetime


# ---------------------------------------------------------------------------- mapping


def _round(row: Any) -> RoundRecord:
    return RoundRecord(id=row.id, regulation=row.regulation, procedure_from=row.procedure_from,
                       name=row.name, configured_by=row.configured_by,
                       created_at=utc(row.created_at) or datetime.min, version=row.version)


def _member(row: Any) -> CouncilMember:
    return CouncilMember(member_id=row.member_id, name=row.name, role=Role(row.role),
                         login=row.login,
                         department=row.department, commune_code=row.commune_code,
                         entity_ids=frozenset(row.entity_ids or ()),
                         supplies_entity_ids=frozenset(row.supplies_entity_ids or ()))


def _rules(row: Any) -> CouncilRules:
    return CouncilRules(quorum=Fraction(row.quorum_numerator, row.quorum_denominator),
                        quorum_requires_chair=row.quorum_requires_chair,
                        max_spread=Decimal(row.max_spread),
                        required_departments=frozenset(row.required_departments or ()))


def _evaluation(row: Any) -> Evaluation:
    return Evaluation(
        id=row.id, submission_id=row.submission_id, product_id=row.product_id,
        round_id=row.round_id, case=row.case, regulation=row.regulation, level=row.level,
        status=EvaluationStatus(row.status), product_name=row.product_name, product_set_no=row.product_set_no,
        entity_id=row.entity_id, entity_name=row.entity_name, commune_code=row.commune_code,
        province_code=row.province_code, district_name=row.district_name, version=row.version,
        mean_score=Decimal(row.mean_score) if row.mean_score is not None else None,
        stars=row.stars, decision_ref=row.decision_ref, council_id=row.council_id,
        parent_id=row.parent_id, sheet_file_id=row.sheet_file_id,
        written_opinions=bool(row.written_opinions), present=list(row.present or []),
        opened_at=utc(row.opened_at), closed_reason=row.closed_reason,
        flow_correlation_id=row.flow_correlation_id, flow_traceparent=row.flow_traceparent,
    )


def _evaluation_values(e: Evaluation) -> dict[str, Any]:
    return dict(
        submission_id=e.submission_id, product_id=e.product_id, round_id=e.round_id,
        case=e.case, regulation=e.regulation, level=e.level, status=e.status.value,
        product_name=e.product_name, product_set_no=e.product_set_no, entity_id=e.entity_id,
        entity_name=e.entity_name, commune_code=e.commune_code, province_code=e.province_code,
        district_name=e.district_name, version=e.version, mean_score=e.mean_score, stars=e.stars,
        decision_ref=e.decision_ref,
        council_id=e.council_id, parent_id=e.parent_id, sheet_file_id=e.sheet_file_id,
        written_opinions=e.written_opinions, present=sorted(set(e.present)),
        opened_at=e.opened_at, closed_reason=e.closed_reason,
        flow_correlation_id=e.flow_correlation_id, flow_traceparent=e.flow_traceparent,
    )


def _sheet(row: Any) -> SheetRecord:
    knockout = (KnockOut(row.knockout_criterion, row.knockout_reason or "")
                if row.knockout else None)
    return SheetRecord(evaluation_id=row.evaluation_id, member_id=row.member_id, status=row.status,
                       choices={str(k): int(v) for k, v in (row.choices or {}).items()},
                       knockout=knockout, total=row.total,
                       part_totals=dict(row.part_totals) if row.part_totals is not None else None,
                       updated_at=utc(row.updated_at) or datetime.min,
                       submitted_at=utc(row.submitted_at))


def _sheet_file(row: Any) -> SheetFileRecord:
    return SheetFileRecord(id=row.id, regulation=row.regulation, filename=row.filename,
                           sha256=row.sha256, size=row.size, content=row.content,
                           product_sets=list(row.product_sets), uploaded_by=row.uploaded_by,
                           uploaded_at=utc(row.uploaded_at) or datetime.min)


@dataclass(frozen=True)
class SheetVersionRecord:
    """One saved version of a member's sheet (kept until hand-in)."""

    version: int
    status: str
    saved_by: str
    saved_at: datetime
    choices: dict[str, int]
    knockout: dict[str, str | None] | None


def _sheet_version(row: Any) -> SheetVersionRecord:
    return SheetVersionRecord(version=row.version, status=row.status, saved_by=row.saved_by,
                              saved_at=utc(row.saved_at) or datetime.min,
                              choices={str(k): int(v) for k, v in (row.choices or {}).items()},
                              knockout=row.knockout)


def _council(row: Any, members: list[CouncilMember]) -> CouncilRecord:
    return CouncilRecord(id=row.id, round_id=row.round_id, level=row.level, name=row.name,
                         establishment_ref=row.establishment_ref, rules=_rules(row),
                         members=members, created_at=utc(row.created_at) or datetime.min,
                         version=row.version, closed_at=utc(row.closed_at))


def _council_values(council: CouncilRecord) -> dict[str, Any]:
    return dict(round_id=council.round_id, level=council.level, name=council.name,
                establishment_ref=council.establishment_ref,
                quorum_numerator=council.rules.quorum.numerator,
                quorum_denominator=council.rules.quorum.denominator,
                quorum_requires_chair=council.rules.quorum_requires_chair,
                max_spread=council.rules.max_spread,
                required_departments=sorted(council.rules.required_departments),
                version=council.version, closed_at=council.closed_at)


def _result(row: Any) -> ResultRecord:
    return ResultRecord(evaluation_id=row.evaluation_id, decision=row.decision,
                        mean_score=Decimal(row.mean_score) if row.mean_score is not None else None,
                        stars=row.stars, body=dict(row.body), finalised_by=row.finalised_by,
                        finalised_at=utc(row.finalised_at) or datetime.min)


@dataclass(frozen=True)
class EvaluationFilter:
    product_id: str | None = None
    round_id: str | None = None
    level: str | None = None
    status: str | None = None
    council_id: str | None = None
    logins: frozenset[str] | None = None  # only those assigned to a council they sit on
