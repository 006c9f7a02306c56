"""Gathering what the exports show, with who may see it (blind until submitted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ocop_shared.auth import Principal
from ocop_shared.clock import aware
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, Forbidden
from ocop_shared.i18n import message

from ..adapters.repository import ScoringRepository
from ..domain.reports import DECISION_VI, LEVEL_VI, ROLE_VI, MinutesReport, SheetReport, sheet_lines
from .context import is_office, load
from .problems import as_problems, not_found


async def member_sheet_report(uow: UnitOfWork, evaluation_id: str, member_id: str,
                              principal: Principal) -> SheetReport:
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id)
    council = ctx.require_council()
    member = council.member(member_id)
    sheet = ctx.sheet_of(member_id)
    if member is None or sheet is None:
        raise not_found("phiếu chấm của", "score sheet of", member_id)
    finished = not ctx.evaluation.is_open
    me = council.seat_of(principal.identities)
    if me is not None:
        if me.member_id != member_id and not finished:
            ev = ctx.domain()
            if not ev.may_see(me.member_id, member_id):
                raise Forbidden(message("scoring.another_member_s_sheet_visible_only"),
                                slug="blind")
    elif not (is_office(principal) and finished and sheet.submitted):
        raise Forbidden(message("scoring.score_sheets_visible_only_after_council"), slug="blind")
    lines = sheet_lines(ctx.product_set, sheet.choices)
    parts = {line.code: line.points or 0 for line in lines if line.kind == "part"}
    knockout = None
    if sheet.knockout is not None:
        where = (f"tiêu chí {sheet.knockout.criterion_code}" if sheet.knockout.criterion_code
                 else "hồ sơ")
        knockout = f"{where}: {sheet.knockout.reason_vi}"
    e = ctx.evaluation
    return SheetReport(
        evaluation_id=e.id, product_name=e.product_name, entity_name=e.entity_name,
        regulation=e.regulation, product_set=f"Bộ số {ctx.product_set.no}: {ctx.product_set.name_vi}",
        council_name=council.name, level=LEVEL_VI.get(e.level, e.level), member_name=member.name,
        member_role=ROLE_VI.get(member.role.value, member.role.value),
        member_department=member.department or "", status="Đã nộp" if sheet.submitted else "Bản nháp",
        submitted_at=sheet.submitted_at, lines=lines, part_totals=parts, total=sum(parts.values()),
        maximum=ctx.product_set.max_total, knockout=knockout)


async def minutes_report(uow: UnitOfWork, evaluation_id: str, principal: Principal) -> MinutesReport:
    repo = uow.repository(ScoringRepository)
    evaluation = await repo.get_evaluation(evaluation_id)
    if evaluation is None:
        raise not_found("phiên đánh giá", "evaluation", evaluation_id)
    council = await repo.get_council(evaluation.council_id) if evaluation.council_id else None
    if not is_office(principal) and (council is None or council.seat_of(principal.identities) is None):
        raise Forbidden(message("scoring.you_not_council_evaluation", evaluation_id=evaluation_id),
                        slug="not-assigned")
    result = await repo.get_result(evaluation_id)
    if result is None:
        raise Conflict(message("scoring.minutes_exist_once_chair_has_finalised"),
                       slug="not-finalised")
    return MinutesReport(evaluation_id=evaluation.id, product_name=evaluation.product_name,
                         entity_name=evaluation.entity_name, round_id=evaluation.round_id,
                         level=LEVEL_VI.get(evaluation.level, evaluation.level), case=evaluation.case,
                         finalised_at=result.finalised_at, body=result.body,
                         decision_vi=DECISION_VI.get(result.decision, result.decision))


@dataclass(frozen=True)
class SheetVersion:
    version: int
    status: str
    saved_by: str
    saved_at: datetime
    choices: dict[str, int]
    changed: dict[str, list[int | None]]
    knockout: dict[str, str | None] | None


async def sheet_history(uow: UnitOfWork, evaluation_id: str, member_id: str,
                        principal: Principal) -> list[SheetVersion]:
    """Every saved version of a member's sheet: the member sees their own at any time; the
    office and the council see them once the evaluation is over (blind until then)."""
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id)
    council = ctx.require_council()
    if council.member(member_id) is None:
        raise not_found("thành viên", "member", member_id)
    me = council.seat_of(principal.identities)
    own = me is not None and me.member_id == member_id
    finished = not ctx.evaluation.is_open
    if not own and not (finished and (is_office(principal) or me is not None)):
        raise Forbidden(message("scoring.another_member_s_sheet_history_visible"),
                        slug="blind")
    versions: list[SheetVersion] = []
    previous: dict[str, int] = {}
    for saved in await repo.sheet_versions(evaluation_id, member_id):
        choices = saved.choices
        changed = {code: [previous.get(code), choices.get(code)]
                   for code in sorted(set(previous) | set(choices))
                   if previous.get(code) != choices.get(code)}
        versions.append(SheetVersion(version=saved.version, status=saved.status,
                                     saved_by=saved.saved_by, saved_at=aware(saved.saved_at),
                                     choices=choices, changed=changed, knockout=saved.knockout))
        previous = choices
    return versions
