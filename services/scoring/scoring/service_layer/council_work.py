"""A council at work on one evaluation: the chair's (and secretary's) view, the sheets each
viewer may see (blind until submitted), and finalisation with its consequences (the result and
its minutes; the evaluation closes, is scored, or escalates). Members' own sheets and
attendance are `member_sheets`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ocop_shared.auth import Principal
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Forbidden
from ocop_shared.i18n import message

from ..adapters.repository import ResultRecord, ScoringRepository, SheetRecord
from ..domain.council import (
    Blocker,
    ChairOverride,
    CouncilEvaluation,
    CouncilMember,
    Finalisation,
    QuorumCheck,
    Role,
)
from ..domain.evaluation import Evaluation
from ..domain.outcome import EvaluationOutcome, decide
from ..domain.ranking import CouncilResult, Routing, rank, route
from ..domain.sheet_scoring import KnockOut
from .context import EvaluationContext, is_office, load, may_view
from .evaluations import open_evaluation, publish, submission_flow
from .problems import as_problems


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# -------------------------------------------------------------------------- the council


@dataclass
class MemberStatus:
    member: CouncilMember
    present: bool
    conflicts: list[tuple[str, str, str]]  # (kind, vi, en)
    sheet_status: str | None  # None | draft | submitted
    total: int | None  # only when the viewer may see it
    part_totals: dict[str, int] | None
    knockout: KnockOut | None
    counted: bool  # a submitted sheet that counts in the result


@dataclass
class CouncilView:
    context: EvaluationContext
    quorum: QuorumCheck
    members: list[MemberStatus]
    blockers: list[Blocker]
    spread: Decimal | None
    preview: CouncilResult | None  # what the result would be now (None while blind)
    result: ResultRecord | None  # the finalised result


def _members(ctx: EvaluationContext, ev: CouncilEvaluation, viewer: str | None,
             see_all: bool) -> list[MemberStatus]:
    council = ctx.require_council()
    counted = {s.member_id for s in ev.submitted}
    out: list[MemberStatus] = []
    for m in council.members:
        record = ctx.sheet_of(m.member_id)
        visible = record is not None and (see_all or (viewer is not None
                                                      and ev.may_see(viewer, m.member_id)))
        out.append(MemberStatus(
            member=m, present=m.member_id in ev.present,
            conflicts=[(c.kind.value, c.reason_vi, c.reason_en) for c in ev.conflicts_of(m.member_id)],
            sheet_status=record.status if record else None,
            total=record.total if visible and record else None,
            part_totals=record.part_totals if visible and record else None,
            knockout=record.knockout if visible and record else None,
            counted=m.member_id in counted))
    return out


async def council_view(uow: UnitOfWork, evaluation_id: str, principal: Principal) -> CouncilView:
    """The chair's (and secretary's) view: attendance, sheets, blockers, and - once the
    viewer may see the submitted sheets - totals, mean, spread and caps."""
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id)
        if is_office(principal) and (ctx.council is None
                                     or ctx.council.seat_of(principal.identities) is None):
            viewer = None
        else:
            member = ctx.member(principal)
            if member.role not in (Role.CHAIR, Role.SECRETARY):
                raise Forbidden(message("scoring.only_council_s_chair_secretary_sees"),
                                slug="not-the-chair")
            viewer = member.member_id
        ev = ctx.domain()
        finished = not ctx.evaluation.is_open
        see_all = finished
        members = _members(ctx, ev, viewer, see_all)
        preview = None
        if not finished and viewer is not None and ev.submitted and all(
                ev.may_see(viewer, s.member_id) for s in ev.submitted):
            try:
                preview = rank(ctx.regulation, ctx.product_set, ev.submitted)
            except Exception:  # a preview never blocks the view (e.g. cases still differ)
                preview = None
        return CouncilView(context=ctx, quorum=ev.quorum, members=members,
                           blockers=[] if finished else list(ev.blockers()),
                           spread=ev.spread() if (see_all or preview is not None) else None,
                           preview=preview, result=await repo.get_result(evaluation_id))


async def visible_sheets(uow: UnitOfWork, evaluation_id: str, principal: Principal
                         ) -> tuple[EvaluationContext, list[SheetRecord]]:
    """Blind until submitted: a member sees their own sheet, and the others' submitted sheets
    once their own is in; after finalisation the council and the office see them all."""
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id)
        may_view(ctx, principal)
        finished = not ctx.evaluation.is_open
        if finished:
            return ctx, [s for s in ctx.sheets if s.submitted]
        me = ctx.council.seat_of(principal.identities) if ctx.council else None
        if me is None:
            return ctx, []  # the office is not on the council: blind until finalisation
        ev = ctx.domain()
        visible = [s for s in ctx.sheets if ev.may_see(me.member_id, s.member_id)]
        return ctx, visible


# ------------------------------------------------------------------------ finalisation


def _snapshot(ctx: EvaluationContext, ev: CouncilEvaluation, fin: Finalisation, routing: Routing,
              outcome: EvaluationOutcome, decision_ref: str) -> dict[str, Any]:
    council = ctx.require_council()
    result = fin.result
    rules = council.rules
    return {
        "regulation": ctx.regulation.code, "procedure_from": str(ctx.procedure_day or ""),
        "product_set_no": ctx.product_set.no, "product_set_name": ctx.product_set.name_vi,
        "sheet_source": ctx.product_set.source, "level": ctx.evaluation.level,
        "written_opinions": ctx.evaluation.written_opinions, "decision_ref": decision_ref,
        "council": {"id": council.id, "name": council.name, "level": council.level,
                    "establishment_ref": council.establishment_ref,
                    "quorum": f"{rules.quorum.numerator}/{rules.quorum.denominator}",
                    "quorum_requires_chair": rules.quorum_requires_chair,
                    "max_spread": str(rules.max_spread)},
        "members": [
            {"member_id": s.member.member_id, "name": s.member.name, "role": s.member.role.value,
             "department": s.member.department, "present": s.present,
             "conflicts": [{"kind": k, "reason_vi": vi, "reason_en": en} for k, vi, en in s.conflicts],
             "sheet_status": s.sheet_status, "total": s.total, "part_totals": s.part_totals,
             "knockout": ({"criterion_code": s.knockout.criterion_code,
                           "reason_vi": s.knockout.reason_vi} if s.knockout else None),
             "counted": s.counted}
            for s in _members(ctx, ev, None, see_all=True)],
        "quorum": {"voting_members": fin.quorum.voting_members, "present": fin.quorum.present,
                   "required": fin.quorum.required, "chair_present": fin.quorum.chair_present,
                   "met": fin.quorum.met},
        "spread": _dec(fin.spread),
        "outcome": result.outcome.value, "mean_score": _dec(result.mean_total),
        "part_scores": {k: str(v) for k, v in result.part_means.items()},
        "band_stars": result.band_stars, "stars": result.stars, "certifiable": result.certifiable,
        "sheets_submitted": result.sheets_submitted, "sheets_scored": result.sheets_scored,
        "caps": [{"criterion_code": c.criterion_code, "mark_star": c.mark_star,
                  "capped_to": c.capped_to, "marked_option_index": c.marked_option_index,
                  "marked_label_vi": c.marked_label_vi, "members_meeting": c.members_meeting,
                  "members_scoring": c.members_scoring, "message_vi": c.message_vi,
                  "message_en": c.message_en} for c in result.caps],
        "capped_by": list(result.capped_by),
        "knockouts": [{"member_id": k.member_id, "criterion_code": k.knockout.criterion_code,
                       "reason_vi": k.knockout.reason_vi} for k in result.knockouts],
        "override": ({"chair_id": fin.override.chair_id, "reason": fin.override.reason_vi,
                      "confirm_knockout": fin.override.confirm_knockout} if fin.override else None),
        "overridden": [{"kind": b.kind.value, "message_vi": b.message_vi, "message_en": b.message_en}
                       for b in fin.overridden],
        "decision": outcome.decision.value, "recognising": outcome.recognising,
        "recognised_by": outcome.recognised_by, "escalated_to": outcome.escalate_to,
        "fallback_from": outcome.fallback_from, "routing_stars": routing.stars,
    }


@dataclass
class Finalised:
    evaluation: Evaluation
    result: ResultRecord
    outcome: EvaluationOutcome
    next_evaluation: Evaluation | None


async def finalise(uow: UnitOfWork, evaluation_id: str, principal: Principal, *,
                   decision_ref: str, override_reason: str | None = None,
                   confirm_knockout: bool = False) -> Finalised:
    """The chair closes the council's work: the result is kept with its minutes, and the
    evaluation ends (Scored, or EvaluationClosed for a knock-out); a result that goes up a
    level opens the next level's evaluation (EvaluationEscalated)."""
    repo = uow.repository(ScoringRepository)
    with as_problems():
        ctx = await load(repo, evaluation_id, for_update=True)
        chair = ctx.chair(principal)
        ctx.require_open()
        ev = ctx.domain()
        ev.mark_present(chair.member_id)
        override = (ChairOverride(chair.member_id, (override_reason or "").strip(),
                                  confirm_knockout=confirm_knockout)
                    if override_reason is not None or confirm_knockout else None)
        fin = ev.finalise(override)
        routing = route(ctx.regulation, fin.result, ctx.evaluation.level, ctx.procedure_day)
        outcome = decide(fin.result, routing)
        evaluation = ctx.evaluation
        result = ResultRecord(evaluation_id=evaluation.id, decision=outcome.decision.value,
                              mean_score=fin.result.mean_total, stars=fin.result.stars,
                              body=_snapshot(ctx, ev, fin, routing, outcome, decision_ref),
                              finalised_by=chair.member_id, finalised_at=uow.clock.now())
        await repo.add_result(result)
        evaluation.finalise(fin.result, outcome, decision_ref=decision_ref,
                            chair_id=chair.member_id,
                            override_reason=fin.override.reason_vi if fin.override else None)
        await publish(uow, evaluation)  # Scored (or EvaluationClosed) before the next level opens
        next_evaluation = None
        if outcome.escalate_to is not None:
            next_evaluation = await _escalate(uow, repo, evaluation, outcome.escalate_to)
        await repo.save_evaluation(evaluation)
        await uow.commit()
    return Finalised(evaluation=evaluation, result=result, outcome=outcome,
                     next_evaluation=next_evaluation)


async def _escalate(uow: UnitOfWork, repo: ScoringRepository, evaluation: Evaluation,
                    level: str) -> Evaluation:
    """The next level's evaluation (opened unless it already is), then EvaluationEscalated,
    both in the submission's flow."""
    next_evaluation = await repo.evaluation_at(evaluation.submission_id, level)
    if next_evaluation is None:
        next_evaluation = await open_evaluation(uow, repo, evaluation, level, parent=evaluation)
        await publish(uow, next_evaluation, submission_flow(evaluation))
    evaluation.escalate(next_evaluation)
    await publish(uow, evaluation)
    return next_evaluation
