"""Loading and saving scoring records (every query of the scoring service lives here)."""

from __future__ import annotations

# The evaluation aggregate's persistence in one module: it splits with that aggregate, which
# replaces today's records and string states (issue 21).
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.db.engine import rows_affected

from ..domain.council import Council, CouncilMember, CouncilRules, Role
from ..domain.sheet_scoring import KnockOut
from . import tables


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


@dataclass
class EvaluationRecord:
    id: str
    submission_id: str
    product_id: str
    round_id: str
    case: str
    regulation: str
    level: str
    status: str
    product_name: str
    product_set_no: int
    entity_id: str
    entity_name: str
    commune_code: str
    province_code: str
    version: int
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


def _evaluation(row: Any) -> EvaluationRecord:
    return EvaluationRecord(
        id=row.id, submission_id=row.submission_id, product_id=row.product_id,
        round_id=row.round_id, case=row.case, regulation=row.regulation, level=row.level,
        status=row.status, product_name=row.product_name, product_set_no=row.product_set_no,
        entity_id=row.entity_id, entity_name=row.entity_name, commune_code=row.commune_code,
        province_code=row.province_code, version=row.version,
        mean_score=Decimal(row.mean_score) if row.mean_score is not None else None,
        stars=row.stars, decision_ref=row.decision_ref, council_id=row.council_id,
        parent_id=row.parent_id, sheet_file_id=row.sheet_file_id,
        written_opinions=bool(row.written_opinions), present=list(row.present or []),
        opened_at=utc(row.opened_at), closed_reason=row.closed_reason,
        flow_correlation_id=row.flow_correlation_id, flow_traceparent=row.flow_traceparent,
    )


def _evaluation_values(e: EvaluationRecord) -> dict[str, Any]:
    return dict(
        submission_id=e.submission_id, product_id=e.product_id, round_id=e.round_id,
        case=e.case, regulation=e.regulation, level=e.level, status=e.status,
        product_name=e.product_name, product_set_no=e.product_set_no, entity_id=e.entity_id,
        entity_name=e.entity_name, commune_code=e.commune_code, province_code=e.province_code,
        version=e.version, mean_score=e.mean_score, stars=e.stars, decision_ref=e.decision_ref,
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


# ------------------------------------------------------------------------- repository


@dataclass(frozen=True)
class EvaluationFilter:
    product_id: str | None = None
    round_id: str | None = None
    level: str | None = None
    status: str | None = None
    council_id: str | None = None
    logins: frozenset[str] | None = None  # only those assigned to a council they sit on


class ScoringRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _page(self, query: Select[Any], limit: int, offset: int) -> tuple[list[Any], int]:
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = (await self.session.execute(query.limit(limit).offset(offset))).all()
        return list(rows), int(total or 0)

    # -- rounds -----------------------------------------------------------------------
    async def get_round(self, round_id: str) -> RoundRecord | None:
        row = (await self.session.execute(
            select(tables.rounds).where(tables.rounds.c.id == round_id))).first()
        return _round(row) if row else None

    async def add_round(self, r: RoundRecord) -> None:
        await self.session.execute(insert(tables.rounds).values(
            id=r.id, regulation=r.regulation, procedure_from=r.procedure_from, name=r.name,
            configured_by=r.configured_by, created_at=r.created_at, version=r.version))

    async def save_round(self, r: RoundRecord) -> None:
        await self.session.execute(update(tables.rounds).where(tables.rounds.c.id == r.id).values(
            regulation=r.regulation, procedure_from=r.procedure_from, name=r.name,
            configured_by=r.configured_by, version=r.version))

    async def list_rounds(self, limit: int, offset: int) -> tuple[list[RoundRecord], int]:
        rows, total = await self._page(select(tables.rounds).order_by(tables.rounds.c.id),
                                       limit, offset)
        return [_round(r) for r in rows], total

    async def regulations_used_in_round(self, round_id: str) -> set[str]:
        rows = await self.session.scalars(select(tables.evaluations.c.regulation).where(
            tables.evaluations.c.round_id == round_id).distinct())
        return set(rows)

    # -- councils ---------------------------------------------------------------------
    async def _members(self, council_ids: Sequence[str]) -> dict[str, list[CouncilMember]]:
        found: dict[str, list[CouncilMember]] = {cid: [] for cid in council_ids}
        if not council_ids:
            return found
        rows = (await self.session.execute(
            select(tables.council_members)
            .where(tables.council_members.c.council_id.in_(list(council_ids)))
            .order_by(tables.council_members.c.council_id, tables.council_members.c.position))).all()
        for row in rows:
            found[row.council_id].append(_member(row))
        return found

    def _council(self, row: Any, members: list[CouncilMember]) -> CouncilRecord:
        return CouncilRecord(id=row.id, round_id=row.round_id, level=row.level, name=row.name,
                             establishment_ref=row.establishment_ref, rules=_rules(row),
                             members=members, created_at=utc(row.created_at) or datetime.min,
                             version=row.version, closed_at=utc(row.closed_at))

    async def get_council(self, council_id: str) -> CouncilRecord | None:
        row = (await self.session.execute(
            select(tables.councils).where(tables.councils.c.id == council_id))).first()
        if row is None:
            return None
        return self._council(row, (await self._members([row.id]))[row.id])

    async def councils_for(self, round_id: str, level: str) -> list[CouncilRecord]:
        rows = (await self.session.execute(
            select(tables.councils).where(tables.councils.c.round_id == round_id,
                                          tables.councils.c.level == level)
            .order_by(tables.councils.c.created_at, tables.councils.c.id))).all()
        members = await self._members([r.id for r in rows])
        return [self._council(r, members[r.id]) for r in rows]

    async def list_councils(self, limit: int, offset: int, *, round_id: str | None = None,
                            level: str | None = None, logins: frozenset[str] | None = None
                            ) -> tuple[list[CouncilRecord], int]:
        c = tables.councils.c
        query = select(tables.councils).order_by(c.created_at, c.id)
        if round_id is not None:
            query = query.where(c.round_id == round_id)
        if level is not None:
            query = query.where(c.level == level)
        if logins is not None:
            query = query.where(c.closed_at.is_(None), c.id.in_(
                select(tables.council_members.c.council_id).where(
                    tables.council_members.c.login.in_(sorted(logins)))))
        rows, total = await self._page(query, limit, offset)
        members = await self._members([r.id for r in rows])
        return [self._council(r, members[r.id]) for r in rows], total

    def _council_values(self, council: CouncilRecord) -> dict[str, Any]:
        return dict(round_id=council.round_id, level=council.level, name=council.name,
                    establishment_ref=council.establishment_ref,
                    quorum_numerator=council.rules.quorum.numerator,
                    quorum_denominator=council.rules.quorum.denominator,
                    quorum_requires_chair=council.rules.quorum_requires_chair,
                    max_spread=council.rules.max_spread,
                    required_departments=sorted(council.rules.required_departments),
                    version=council.version, closed_at=council.closed_at)

    async def add_council(self, council: CouncilRecord) -> None:
        await self.session.execute(insert(tables.councils).values(
            id=council.id, created_at=council.created_at, **self._council_values(council)))
        await self._write_members(council)

    async def save_council(self, council: CouncilRecord, expected_version: int) -> None:
        done = await self.session.execute(
            update(tables.councils)
            .where(tables.councils.c.id == council.id, tables.councils.c.version == expected_version)
            .values(**self._council_values(council)))
        if rows_affected(done) != 1:
            raise StaleRecord(council.id)
        await self.session.execute(delete(tables.council_members).where(
            tables.council_members.c.council_id == council.id))
        await self._write_members(council)

    async def _write_members(self, council: CouncilRecord) -> None:
        if not council.members:
            return
        await self.session.execute(insert(tables.council_members), [
            dict(council_id=council.id, member_id=m.member_id, login=m.login, position=i,
                 name=m.name, role=m.role.value, department=m.department, commune_code=m.commune_code,
                 entity_ids=sorted(m.entity_ids), supplies_entity_ids=sorted(m.supplies_entity_ids))
            for i, m in enumerate(council.members)])

    async def delete_council(self, council_id: str) -> None:
        await self.session.execute(delete(tables.council_members).where(
            tables.council_members.c.council_id == council_id))
        await self.session.execute(delete(tables.conflict_declarations).where(
            tables.conflict_declarations.c.council_id == council_id))
        await self.session.execute(delete(tables.councils).where(tables.councils.c.id == council_id))

    # -- conflict declarations --------------------------------------------------------
    async def declarations(self, council_id: str, product_id: str | None = None
                           ) -> list[Declaration]:
        d = tables.conflict_declarations
        query = select(d).where(d.c.council_id == council_id)
        if product_id is not None:
            query = query.where(d.c.product_id == product_id)
        rows = (await self.session.execute(query.order_by(d.c.declared_at, d.c.member_id))).all()
        return [Declaration(r.council_id, r.member_id, r.product_id, r.reason, r.declared_by,
                            utc(r.declared_at) or datetime.min) for r in rows]

    async def list_declarations(self, council_id: str, limit: int, offset: int
                                ) -> tuple[list[Declaration], int]:
        d = tables.conflict_declarations
        rows, total = await self._page(select(d).where(d.c.council_id == council_id)
                                       .order_by(d.c.declared_at, d.c.member_id), limit, offset)
        return [Declaration(r.council_id, r.member_id, r.product_id, r.reason, r.declared_by,
                            utc(r.declared_at) or datetime.min) for r in rows], total

    async def add_declaration(self, declaration: Declaration) -> bool:
        d = tables.conflict_declarations
        exists = await self.session.scalar(select(d.c.member_id).where(
            d.c.council_id == declaration.council_id, d.c.member_id == declaration.member_id,
            d.c.product_id == declaration.product_id))
        if exists is not None:
            return False
        await self.session.execute(insert(d).values(
            council_id=declaration.council_id, member_id=declaration.member_id,
            product_id=declaration.product_id, reason=declaration.reason,
            declared_by=declaration.declared_by, declared_at=declaration.declared_at))
        return True

    # -- evaluations ------------------------------------------------------------------
    async def get_evaluation(self, evaluation_id: str, *, for_update: bool = False
                             ) -> EvaluationRecord | None:
        """`for_update` locks the row (PostgreSQL) so sheet hand-ins and finalisation of one
        evaluation take turns."""
        query = select(tables.evaluations).where(tables.evaluations.c.id == evaluation_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _evaluation(row) if row else None

    async def evaluation_at(self, submission_id: str, level: str) -> EvaluationRecord | None:
        e = tables.evaluations
        row = (await self.session.execute(select(e).where(
            e.c.submission_id == submission_id, e.c.level == level))).first()
        return _evaluation(row) if row else None

    async def evaluations_of_submission(self, submission_id: str) -> list[EvaluationRecord]:
        e = tables.evaluations
        rows = (await self.session.execute(select(e).where(e.c.submission_id == submission_id)
                                           .order_by(e.c.opened_at, e.c.id))).all()
        return [_evaluation(r) for r in rows]

    async def add_evaluation(self, evaluation: EvaluationRecord) -> None:
        await self.session.execute(insert(tables.evaluations).values(
            id=evaluation.id, **_evaluation_values(evaluation)))

    async def save_evaluation(self, evaluation: EvaluationRecord, expected_version: int) -> None:
        e = tables.evaluations
        done = await self.session.execute(
            update(e).where(e.c.id == evaluation.id, e.c.version == expected_version)
            .values(**_evaluation_values(evaluation)))
        if rows_affected(done) != 1:
            raise StaleRecord(evaluation.id)

    def _evaluation_query(self, f: EvaluationFilter) -> Select[Any]:
        e = tables.evaluations
        query = select(e)
        if f.product_id is not None:
            query = query.where(e.c.product_id == f.product_id)
        if f.round_id is not None:
            query = query.where(e.c.round_id == f.round_id)
        if f.level is not None:
            query = query.where(e.c.level == f.level)
        if f.status is not None:
            query = query.where(e.c.status == f.status)
        if f.council_id is not None:
            query = query.where(e.c.council_id == f.council_id)
        if f.logins is not None:
            c, m = tables.councils, tables.council_members
            query = query.where(e.c.council_id.in_(select(m.c.council_id).join(
                c, c.c.id == m.c.council_id).where(m.c.login.in_(sorted(f.logins)),
                                                   c.c.closed_at.is_(None))))
        return query.order_by(e.c.opened_at.desc(), e.c.id)

    async def list_evaluations(self, f: EvaluationFilter, limit: int, offset: int
                               ) -> tuple[list[EvaluationRecord], int]:
        rows, total = await self._page(self._evaluation_query(f), limit, offset)
        return [_evaluation(r) for r in rows], total

    async def unassigned(self, round_id: str, level: str) -> list[EvaluationRecord]:
        e = tables.evaluations
        rows = (await self.session.execute(select(e).where(
            e.c.round_id == round_id, e.c.level == level, e.c.council_id.is_(None),
            e.c.status == "open"))).all()
        return [_evaluation(r) for r in rows]

    async def list_evaluations_for_council(self, council_id: str) -> list[EvaluationRecord]:
        e = tables.evaluations
        rows = (await self.session.execute(select(e).where(e.c.council_id == council_id))).all()
        return [_evaluation(r) for r in rows]

    async def has_sheets_for_council(self, council_id: str) -> bool:
        e, s = tables.evaluations, tables.member_sheets
        found = await self.session.scalar(select(func.count()).select_from(s).where(
            s.c.evaluation_id.in_(select(e.c.id).where(e.c.council_id == council_id))))
        return bool(found)

    async def open_sheets_of_member(self, council_id: str, member_id: str) -> int:
        e, s = tables.evaluations, tables.member_sheets
        found = await self.session.scalar(select(func.count()).select_from(s).where(
            s.c.member_id == member_id,
            s.c.evaluation_id.in_(select(e.c.id).where(e.c.council_id == council_id,
                                                        e.c.status == "open"))))
        return int(found or 0)

    # -- seats: who signs in to which council ------------------------------------------
    async def seat_roles(self, logins: frozenset[str]) -> list[str]:
        """The roles (chair, member, secretary) of the seats these logins hold on councils that
        have not ended."""
        c, m = tables.councils, tables.council_members
        return list(await self.session.scalars(select(m.c.role).join(c, c.c.id == m.c.council_id)
                                               .where(m.c.login.in_(sorted(logins)),
                                                      c.c.closed_at.is_(None)).distinct()))

    # -- sheet versions ----------------------------------------------------------------
    async def add_sheet_version(self, sheet: SheetRecord, saved_by: str, at: datetime) -> None:
        v = tables.sheet_versions
        last = await self.session.scalar(select(func.max(v.c.version)).where(
            v.c.evaluation_id == sheet.evaluation_id, v.c.member_id == sheet.member_id))
        await self.session.execute(insert(v).values(
            evaluation_id=sheet.evaluation_id, member_id=sheet.member_id,
            version=int(last or 0) + 1, status=sheet.status, choices=dict(sheet.choices),
            knockout=({"criterion_code": sheet.knockout.criterion_code,
                       "reason": sheet.knockout.reason_vi} if sheet.knockout else None),
            saved_by=saved_by, saved_at=at))

    async def sheet_versions(self, evaluation_id: str, member_id: str) -> list[Any]:
        v = tables.sheet_versions
        return list((await self.session.execute(select(v).where(
            v.c.evaluation_id == evaluation_id, v.c.member_id == member_id)
            .order_by(v.c.version))).all())

    # -- member sheets ----------------------------------------------------------------
    async def sheets(self, evaluation_id: str) -> list[SheetRecord]:
        s = tables.member_sheets
        rows = (await self.session.execute(select(s).where(s.c.evaluation_id == evaluation_id)
                                           .order_by(s.c.updated_at, s.c.member_id))).all()
        return [_sheet(r) for r in rows]

    async def sheets_of_member(self, seats: dict[str, str]) -> dict[str, SheetRecord]:
        """The sheets of the given seats: evaluation id -> the member id holding it there."""
        if not seats:
            return {}
        s = tables.member_sheets
        rows = [r for r in (await self.session.execute(select(s).where(
            s.c.evaluation_id.in_(list(seats))))).all() if seats[r.evaluation_id] == r.member_id]
        return {r.evaluation_id: _sheet(r) for r in rows}

    async def put_sheet(self, sheet: SheetRecord, *, new: bool) -> None:
        s = tables.member_sheets
        values = dict(status=sheet.status, choices=dict(sheet.choices),
                      knockout=sheet.knockout is not None,
                      knockout_criterion=sheet.knockout.criterion_code if sheet.knockout else None,
                      knockout_reason=sheet.knockout.reason_vi if sheet.knockout else None,
                      total=sheet.total, part_totals=sheet.part_totals, updated_at=sheet.updated_at,
                      submitted_at=sheet.submitted_at)
        if new:
            await self.session.execute(insert(s).values(
                evaluation_id=sheet.evaluation_id, member_id=sheet.member_id, **values))
        else:
            done = await self.session.execute(update(s).where(
                s.c.evaluation_id == sheet.evaluation_id, s.c.member_id == sheet.member_id,
                s.c.status == "draft").values(**values))
            if rows_affected(done) != 1:
                raise StaleRecord(f"{sheet.evaluation_id}/{sheet.member_id}")

    async def reopen_sheet(self, sheet: SheetRecord) -> None:
        s = tables.member_sheets
        await self.session.execute(update(s).where(
            s.c.evaluation_id == sheet.evaluation_id, s.c.member_id == sheet.member_id,
            s.c.status == "submitted").values(status="draft", total=None, part_totals=None,
                                                submitted_at=None, updated_at=sheet.updated_at))

    # -- results ----------------------------------------------------------------------
    async def add_result(self, result: ResultRecord) -> None:
        await self.session.execute(insert(tables.results).values(
            evaluation_id=result.evaluation_id, decision=result.decision,
            mean_score=result.mean_score, stars=result.stars, body=result.body,
            finalised_by=result.finalised_by, finalised_at=result.finalised_at))

    async def get_result(self, evaluation_id: str) -> ResultRecord | None:
        row = (await self.session.execute(select(tables.results).where(
            tables.results.c.evaluation_id == evaluation_id))).first()
        if row is None:
            return None
        return ResultRecord(evaluation_id=row.evaluation_id, decision=row.decision,
                            mean_score=Decimal(row.mean_score) if row.mean_score is not None else None,
                            stars=row.stars, body=dict(row.body), finalised_by=row.finalised_by,
                            finalised_at=utc(row.finalised_at) or datetime.min)

    # -- sheet files ------------------------------------------------------------------
    async def add_sheet_file(self, record: SheetFileRecord) -> None:
        await self.session.execute(insert(tables.sheet_files).values(
            id=record.id, regulation=record.regulation, filename=record.filename,
            sha256=record.sha256, size=record.size, content=record.content,
            product_sets=record.product_sets, uploaded_by=record.uploaded_by,
            uploaded_at=record.uploaded_at))

    async def get_sheet_file(self, file_id: str) -> SheetFileRecord | None:
        row = (await self.session.execute(select(tables.sheet_files).where(
            tables.sheet_files.c.id == file_id))).first()
        return _sheet_file(row) if row else None

    async def sheet_file_by_hash(self, regulation: str, sha256: str) -> SheetFileRecord | None:
        f = tables.sheet_files
        row = (await self.session.execute(select(f).where(
            f.c.regulation == regulation, f.c.sha256 == sha256))).first()
        return _sheet_file(row) if row else None

    async def list_sheet_files(self, limit: int, offset: int, regulation: str | None = None
                               ) -> tuple[list[SheetFileRecord], int]:
        f = tables.sheet_files
        query = select(f).order_by(f.c.uploaded_at.desc(), f.c.id)
        if regulation is not None:
            query = query.where(f.c.regulation == regulation)
        rows, total = await self._page(query, limit, offset)
        return [_sheet_file(r) for r in rows], total

    async def newest_sheet_file_with(self, regulation: str, set_no: int) -> SheetFileRecord | None:
        """The most recently uploaded file of `regulation` holding product set `set_no`."""
        f = tables.sheet_files
        rows = (await self.session.execute(select(f).where(f.c.regulation == regulation)
                                           .order_by(f.c.uploaded_at.desc(), f.c.id))).all()
        for row in rows:
            if set_no in (row.product_sets or []):
                return _sheet_file(row)
        return None
