"""Loading and saving scoring records (every query of the scoring service lives here)."""
# Just over 400 lines: one repository for the one evaluation store (records are in records.py).

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.db.engine import rows_affected

from ..domain.council import CouncilMember
from ..domain.evaluation import Evaluation, EvaluationStatus
from . import tables
from .records import (
    CouncilRecord,
    Declaration,
    EvaluationFilter,
    EvaluationRecord,
    ResultRecord,
    RoundRecord,
    SheetFileRecord,
    SheetRecord,
    SheetVersionRecord,
    StaleRecord,
    _council,
    _council_values,
    _evaluation,
    _evaluation_values,
    _member,
    _result,
    _round,
    _sheet,
    _sheet_file,
    _sheet_version,
    utc,
)

__all__ = ["CouncilRecord", "Declaration", "EvaluationFilter", "EvaluationRecord", "ResultRecord",
           "RoundRecord", "ScoringRepository", "SheetFileRecord", "SheetRecord",
           "SheetVersionRecord", "StaleRecord", "utc"]


# ------------------------------------------------------------------------- repository


class ScoringRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._versions: dict[str, int] = {}  # evaluation id -> the version stored (optimistic lock)

    def _loaded(self, evaluation: Evaluation) -> Evaluation:
        self._versions[evaluation.id] = evaluation.version
        return evaluation

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

    async def get_council(self, council_id: str) -> CouncilRecord | None:
        row = (await self.session.execute(
            select(tables.councils).where(tables.councils.c.id == council_id))).first()
        if row is None:
            return None
        return _council(row, (await self._members([row.id]))[row.id])

    async def councils_for(self, round_id: str, level: str) -> list[CouncilRecord]:
        rows = (await self.session.execute(
            select(tables.councils).where(tables.councils.c.round_id == round_id,
                                          tables.councils.c.level == level)
            .order_by(tables.councils.c.created_at, tables.councils.c.id))).all()
        members = await self._members([r.id for r in rows])
        return [_council(r, members[r.id]) for r in rows]

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
        return [_council(r, members[r.id]) for r in rows], total

    async def add_council(self, council: CouncilRecord) -> None:
        await self.session.execute(insert(tables.councils).values(
            id=council.id, created_at=council.created_at, **_council_values(council)))
        await self._write_members(council)

    async def save_council(self, council: CouncilRecord, expected_version: int) -> None:
        done = await self.session.execute(
            update(tables.councils)
            .where(tables.councils.c.id == council.id, tables.councils.c.version == expected_version)
            .values(**_council_values(council)))
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
                             ) -> Evaluation | None:
        """`for_update` locks the row (PostgreSQL) so sheet hand-ins and finalisation of one
        evaluation take turns."""
        query = select(tables.evaluations).where(tables.evaluations.c.id == evaluation_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return self._loaded(_evaluation(row)) if row else None

    async def evaluation_at(self, submission_id: str, level: str) -> Evaluation | None:
        e = tables.evaluations
        row = (await self.session.execute(select(e).where(
            e.c.submission_id == submission_id, e.c.level == level))).first()
        return self._loaded(_evaluation(row)) if row else None

    async def evaluations_of_submission(self, submission_id: str) -> list[Evaluation]:
        e = tables.evaluations
        rows = (await self.session.execute(select(e).where(e.c.submission_id == submission_id)
                                           .order_by(e.c.opened_at, e.c.id))).all()
        return [self._loaded(_evaluation(r)) for r in rows]

    async def add_evaluation(self, evaluation: Evaluation) -> None:
        await self.session.execute(insert(tables.evaluations).values(
            id=evaluation.id, **_evaluation_values(evaluation)))
        self._loaded(evaluation)

    async def save_evaluation(self, evaluation: Evaluation) -> None:
        """Store the evaluation and its version, if nobody changed it since this repository
        loaded it (StaleRecord otherwise); saving it unchanged still checks (and locks) it."""
        e = tables.evaluations
        done = await self.session.execute(
            update(e).where(e.c.id == evaluation.id,
                            e.c.version == self._versions.get(evaluation.id, evaluation.version))
            .values(**_evaluation_values(evaluation)))
        if rows_affected(done) != 1:
            raise StaleRecord(evaluation.id)
        self._loaded(evaluation)

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
                               ) -> tuple[list[Evaluation], int]:
        rows, total = await self._page(self._evaluation_query(f), limit, offset)
        return [self._loaded(_evaluation(r)) for r in rows], total

    async def unassigned(self, round_id: str, level: str) -> list[Evaluation]:
        e = tables.evaluations
        rows = (await self.session.execute(select(e).where(
            e.c.round_id == round_id, e.c.level == level, e.c.council_id.is_(None),
            e.c.status == EvaluationStatus.OPEN.value))).all()
        return [self._loaded(_evaluation(r)) for r in rows]

    async def list_evaluations_for_council(self, council_id: str) -> list[Evaluation]:
        e = tables.evaluations
        rows = (await self.session.execute(select(e).where(e.c.council_id == council_id))).all()
        return [self._loaded(_evaluation(r)) for r in rows]

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
                                                        e.c.status == EvaluationStatus.OPEN.value))))
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

    async def sheet_versions(self, evaluation_id: str, member_id: str
                             ) -> list[SheetVersionRecord]:
        v = tables.sheet_versions
        rows = (await self.session.execute(select(v).where(
            v.c.evaluation_id == evaluation_id, v.c.member_id == member_id)
            .order_by(v.c.version))).all()
        return [_sheet_version(r) for r in rows]

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
        return _result(row)

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
