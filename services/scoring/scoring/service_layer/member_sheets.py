"""A council member's own sheet (open, draft, hand in), the chair sending sheets back to be
re-scored, and attendance.

Attendance. A member who opens a sheet is present (acting is attending); the chair, the
secretary or the office may also record attendance (e.g. a conflicted member who attends
the session and counts for the quorum without scoring). Finalising marks the chair present.
Under written opinions (re-rating) every voting member is consulted, see the domain.
"""

from __future__ import annotations

from dataclasses import dataclass

from ocop_shared.auth import Principal
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Forbidden, Invalid
from ocop_shared.i18n import message

from ..adapters.repository import ScoringRepository, SheetRecord
from ..domain.council import CouncilEvaluation, CouncilMember, Role
from ..domain.sheet_scoring import KnockOut, MemberSheet, check_product_set
from .context import EvaluationContext, is_office, load
from .problems import as_problems

# ------------------------------------------------------------------------ member sheets


@dataclass
class MySheet:
    context: EvaluationContext
    member: CouncilMember
    sheet: SheetRecord | None

    @property
    def running_parts(self) -> dict[str, int]:
        chosen = self.sheet.choices if self.sheet else {}
        parts: dict[str, int] = {}
        for part in self.context.product_set.parts:
            total = 0
            for leaf in part.leaves():
                index = chosen.get(leaf.code)
                option = leaf.option(index) if index is not None else None
                total += option.points if option else 0
            parts[part.code] = total
        return parts

    @property
    def missing(self) -> list[str]:
        chosen = self.sheet.choices if self.sheet else {}
        return [code for code in self.context.product_set.leaf_codes if code not in chosen]


async def my_sheet(uow: UnitOfWork, evaluation_id: str, principal: Principal) -> MySheet:
    repo = uow.repository(ScoringRepository)
    ctx = await load(repo, evaluation_id)
    member = ctx.member(principal)
    return MySheet(ctx, member, ctx.sheet_of(member.member_id))


async def _write_sheet(uow: UnitOfWork, repo: ScoringRepository, ctx: EvaluationContext,
                       ev: CouncilEvaluation, member_id: str, *, submitted: bool,
                       saved_by: str) -> SheetRecord:
    view = ev.sheet_of(member_id)
    assert view is not None
    existing = ctx.sheet_of(member_id)
    now = uow.clock.now()
    scored = next((s for s in ev.submitted if s.member_id == member_id), None) if submitted else None
    record = SheetRecord(
        evaluation_id=ctx.evaluation.id, member_id=member_id,
        status="submitted" if submitted else "draft", choices=dict(view.choices),
        knockout=view.knockout, total=scored.total if scored and not scored.knocked_out else None,
        part_totals=dict(scored.part_totals) if scored and not scored.knocked_out else None,
        updated_at=now, submitted_at=now if submitted else None)
    await repo.put_sheet(record, new=existing is None)
    await repo.add_sheet_version(record, saved_by, now)  # every save is kept until hand-in
    # the row lock of `load(for_update=True)`; the version check refuses a finalised evaluation
    await repo.save_evaluation(ctx.evaluation)
    return record


async def save_draft(uow: UnitOfWork, evaluation_id: str, principal: Principal,
                     choices: dict[str, int], knockout: KnockOut | None) -> MySheet:
    """Replace the member's draft: progress is saved, every option checked at once."""
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id, for_update=True)
        member = ctx.member(principal)
        ctx.require_open()
        ev = ctx.domain()
        ev.mark_present(member.member_id)
        ev.save_draft(member.member_id, choices, knockout)
        record = await _write_sheet(uow, repo, ctx, ev, member.member_id, submitted=False,
                                    saved_by=principal.subject)
        await uow.commit()
    ctx.sheets = [s for s in ctx.sheets if s.member_id != member.member_id] + [record]
    return MySheet(ctx, member, record)


async def submit_sheet(uow: UnitOfWork, evaluation_id: str, principal: Principal, *,
                       regulation: str | None = None, product_set_no: int | None = None,
                       choices: dict[str, int] | None = None, knockout: KnockOut | None = None
                       ) -> MySheet:
    """Hand the sheet in (optionally filling it in the same call); then it is frozen."""
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id, for_update=True)
        member = ctx.member(principal)
        ctx.require_open()
        if regulation is not None or product_set_no is not None:
            check_product_set(ctx.product_set, regulation or ctx.product_set.regulation_code,
                              product_set_no if product_set_no is not None else ctx.product_set.no)
        ev = ctx.domain()
        ev.mark_present(member.member_id)
        existing = ctx.sheet_of(member.member_id)
        if existing is not None and existing.submitted:
            ev.submit_sheet(member.member_id, _empty(ctx))  # raises SecondSheetRefused
        if choices is not None or knockout is not None or existing is None:
            base = choices if choices is not None else (existing.choices if existing else {})
            ev.save_draft(member.member_id, base, knockout)
        ev.submit(member.member_id)
        record = await _write_sheet(uow, repo, ctx, ev, member.member_id, submitted=True,
                                    saved_by=principal.subject)
        await uow.commit()
    ctx.sheets = [s for s in ctx.sheets if s.member_id != member.member_id] + [record]
    return MySheet(ctx, member, record)


def _empty(ctx: EvaluationContext) -> MemberSheet:
    return MemberSheet(ctx.product_set.regulation_code, ctx.product_set.no)


async def reopen_sheets(uow: UnitOfWork, evaluation_id: str, principal: Principal,
                        member_ids: list[str]) -> list[str]:
    """The chair sends submitted sheets back to their members to be re-scored (a spread above
    the limit was discussed); each stays its member's one sheet, choices kept."""
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id, for_update=True)
        ctx.chair(principal)
        ctx.require_open()
        ev = ctx.domain()
        for member_id in member_ids:
            ev.reopen_sheet(member_id)
            existing = ctx.sheet_of(member_id)
            assert existing is not None
            existing.status, existing.total, existing.part_totals = "draft", None, None
            existing.submitted_at, existing.updated_at = None, uow.clock.now()
            await repo.reopen_sheet(existing)
            await repo.add_sheet_version(existing, principal.subject, uow.clock.now())
        await repo.save_evaluation(ctx.evaluation)
        await uow.commit()
    return member_ids


# ---------------------------------------------------------------------------- attendance


async def record_attendance(uow: UnitOfWork, evaluation_id: str, principal: Principal,
                            present: list[str]) -> EvaluationContext:
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id, for_update=True)
        if not is_office(principal):
            member = ctx.member(principal)
            if member.role not in (Role.CHAIR, Role.SECRETARY):
                raise Forbidden(message("scoring.only_chair_secretary_office_records_attendance"))
        ctx.require_open()
        council = ctx.require_council()
        unknown = [m for m in present if council.member(m) is None]
        if unknown:
            raise Invalid(message("scoring.not_members_council", unknown=', '.join(unknown)),
                                field="present")
        ctx.evaluation.record_attendance(present)
        await repo.save_evaluation(ctx.evaluation)
        await uow.commit()
    return ctx
