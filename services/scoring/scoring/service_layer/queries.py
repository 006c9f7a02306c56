"""Read models: lists and details, scoped to what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass

from ocop_shared.auth import Principal
from ocop_shared.db.uow import UnitOfWork

from ..adapters.repository import (
    CouncilRecord,
    Declaration,
    EvaluationFilter,
    EvaluationRecord,
    ResultRecord,
    ScoringRepository,
    SheetRecord,
)
from ..domain.council import CouncilMember, ProductUnderEvaluation, find_conflicts
from .context import is_office, load, may_view
from .problems import as_problems, not_found


async def list_evaluations(uow: UnitOfWork, principal: Principal, f: EvaluationFilter, limit: int,
                           offset: int) -> tuple[list[EvaluationRecord], int]:
    """The office sees every evaluation; a council member those assigned to their councils."""
    scope = f if is_office(principal) else EvaluationFilter(
        product_id=f.product_id, round_id=f.round_id, level=f.level, status=f.status,
        council_id=f.council_id, logins=principal.identities)
    return await uow.repository(ScoringRepository).list_evaluations(scope, limit, offset)


@dataclass
class EvaluationDetail:
    evaluation: EvaluationRecord
    sheet_source: str
    sheets_submitted: int
    result: ResultRecord | None


async def evaluation_detail(uow: UnitOfWork, evaluation_id: str, principal: Principal
                            ) -> EvaluationDetail:
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id)
        may_view(ctx, principal)
    return EvaluationDetail(evaluation=ctx.evaluation, sheet_source=ctx.product_set.source,
                            sheets_submitted=sum(1 for s in ctx.sheets if s.submitted),
                            result=await repo.get_result(evaluation_id))


@dataclass
class MyEvaluation:
    evaluation: EvaluationRecord
    council: CouncilRecord
    me: CouncilMember
    sheet: SheetRecord | None
    conflicts: list[str]


async def my_evaluations(uow: UnitOfWork, principal: Principal, limit: int, offset: int,
                         status: str | None = None) -> tuple[list[MyEvaluation], int]:
    """A member's assigned evaluations (blind: their own sheet's state, nobody else's)."""
    repo = uow.repository(ScoringRepository)
    evaluations, total = await repo.list_evaluations(
        EvaluationFilter(logins=principal.identities, status=status), limit, offset)
    councils: dict[str, CouncilRecord] = {}
    seats: dict[str, CouncilMember] = {}
    for e in evaluations:
        assert e.council_id is not None
        council = councils.get(e.council_id) or await repo.get_council(e.council_id)
        if council is None:
            continue
        councils[council.id] = council
        me = council.seat_of(principal.identities)
        if me is not None:
            seats[e.id] = me
    sheets = await repo.sheets_of_member({e: m.member_id for e, m in seats.items()})
    items: list[MyEvaluation] = []
    for e in evaluations:
        me = seats.get(e.id)
        if me is None or e.council_id is None:
            continue
        council = councils[e.council_id]
        declared = {d.member_id: d.reason for d in await repo.declarations(council.id, e.product_id)
                    if d.member_id == me.member_id}
        product = ProductUnderEvaluation(e.product_id, e.entity_id, e.commune_code, e.regulation,
                                         e.product_set_no)
        conflicts = [c.reason_vi for c in find_conflicts(council.domain(e.regulation), product, declared)
                     if c.member_id == me.member_id]
        items.append(MyEvaluation(evaluation=e, council=council, me=me, sheet=sheets.get(e.id),
                                  conflicts=conflicts))
    return items, total


async def get_council(uow: UnitOfWork, council_id: str, principal: Principal) -> CouncilRecord:
    council = await uow.repository(ScoringRepository).get_council(council_id)
    if council is None or (not is_office(principal) and council.seat_of(principal.identities) is None):
        raise not_found("hội đồng", "council", council_id)
    return council


async def list_councils(uow: UnitOfWork, principal: Principal, limit: int, offset: int, *,
                        round_id: str | None, level: str | None) -> tuple[list[CouncilRecord], int]:
    logins = None if is_office(principal) else principal.identities
    return await uow.repository(ScoringRepository).list_councils(
        limit, offset, round_id=round_id, level=level, logins=logins)


async def list_declarations(uow: UnitOfWork, council_id: str, limit: int, offset: int
                            ) -> tuple[list[Declaration], int]:
    repo = uow.repository(ScoringRepository)
    if await repo.get_council(council_id) is None:
        raise not_found("hội đồng", "council", council_id)
    return await repo.list_declarations(council_id, limit, offset)


async def get_result(uow: UnitOfWork, evaluation_id: str, principal: Principal) -> ResultRecord:
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id)
        may_view(ctx, principal)
    result = await repo.get_result(evaluation_id)
    if result is None or ctx.evaluation.is_open:
        raise not_found("kết quả của phiên đánh giá", "result of evaluation", evaluation_id)
    return result

