"""A council at work on one evaluation: members' sheets (draft, submit), attendance, the
chair's view, and finalisation with its consequences (close, escalate, publish).

Attendance. A member who opens a sheet is present (acting is attending); the chair, the
secretary or the office may also record attendance (e.g. a conflicted member who attends
the session and counts for the quorum without scoring). Finalising marks the chair present.
Under written opinions (re-rating) every voting member is consulted, see the domain.
"""

from __future__ import annotations

# A council's whole sitting (sheets, hand-in, re-scoring, finalisation) in one module: it splits
# with the evaluation aggregate that will hold these rules (issue 21).
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ocop_shared.auth import Principal
from ocop_shared.clock import Clock
from ocop_shared.contracts import EvaluationEscalated, Scored
from ocop_shared.contracts.common import EvaluationCase, Level
from ocop_shared.contracts.scoring_events import (
    EvaluationEscalatedPayload,
    ScoredCap,
    ScoredPayload,
)
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Forbidden, Invalid, Text
from ocop_shared.messaging.flow import flow_scope
from ocop_shared.messaging.outbox import new_event

from ..adapters.repository import (
    EvaluationRecord,
    ResultRecord,
    ScoringRepository,
    SheetRecord,
)
from ..domain.council import (
    Blocker,
    ChairOverride,
    CouncilEvaluation,
    CouncilMember,
    Finalisation,
    QuorumCheck,
    Role,
)
from ..domain.outcome import Decision, EvaluationOutcome, decide
from ..domain.ranking import CouncilResult, Routing, rank, route
from ..domain.sheet_scoring import KnockOut, MemberSheet, check_product_set
from .context import ESCALATED, FINALISED, EvaluationContext, is_office, load, may_view
from .evaluations import SERVICE, close, open_evaluation, submission_flow
from .problems import as_problems


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


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
    repo = ScoringRepository(uow.session)
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
    await repo.save_evaluation(ctx.evaluation, ctx.evaluation.version)
    return record


async def save_draft(uow: UnitOfWork, evaluation_id: str, principal: Principal,
                     choices: dict[str, int], knockout: KnockOut | None) -> MySheet:
    """Replace the member's draft: progress is saved, every option checked at once."""
    repo = ScoringRepository(uow.session)
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
    repo = ScoringRepository(uow.session)
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
    repo = ScoringRepository(uow.session)
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
        await repo.save_evaluation(ctx.evaluation, ctx.evaluation.version)
        await uow.commit()
    return member_ids


# ---------------------------------------------------------------------------- attendance


async def record_attendance(uow: UnitOfWork, evaluation_id: str, principal: Principal,
                            present: list[str]) -> EvaluationContext:
    repo = ScoringRepository(uow.session)
    with as_problems():
        ctx = await load(repo, evaluation_id, for_update=True)
        if not is_office(principal):
            member = ctx.member(principal)
            if member.role not in (Role.CHAIR, Role.SECRETARY):
                raise Forbidden(Text("Chỉ chủ tịch, thư ký hội đồng hoặc Văn phòng điều phối ghi "
                                     "danh sách có mặt", "Only the chair, the secretary or the "
                                     "office records attendance"))
        ctx.require_open()
        council = ctx.require_council()
        unknown = [m for m in present if council.member(m) is None]
        if unknown:
            raise Invalid(Text(f"Không phải thành viên hội đồng: {', '.join(unknown)}",
                                     f"Not members of the council: {', '.join(unknown)}"),
                                field="present")
        ctx.evaluation.present = sorted(set(present))
        await repo.save_evaluation(ctx.evaluation, ctx.evaluation.version)
        await uow.commit()
    return ctx


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
    repo = ScoringRepository(uow.session)
    with as_problems():
        ctx = await load(repo, evaluation_id)
        if is_office(principal) and (ctx.council is None
                                     or ctx.council.seat_of(principal.identities) is None):
            viewer = None
        else:
            member = ctx.member(principal)
            if member.role not in (Role.CHAIR, Role.SECRETARY):
                raise Forbidden(Text("Chỉ chủ tịch hoặc thư ký hội đồng xem bảng tổng hợp",
                                     "Only the council's chair or secretary sees the summary"),
                                slug="not-the-chair")
            viewer = member.member_id
        ev = ctx.domain()
        finished = ctx.evaluation.status != "open"
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
    repo = ScoringRepository(uow.session)
    with as_problems():
        ctx = await load(repo, evaluation_id)
        may_view(ctx, principal)
        finished = ctx.evaluation.status != "open"
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


def knockout_reason(result: CouncilResult) -> str:
    findings = "; ".join(
        f"{('tiêu chí ' + k.knockout.criterion_code) if k.knockout.criterion_code else 'hồ sơ'}: "
        f"{k.knockout.reason_vi}" for k in result.knockouts)
    return f"knocked out (sản phẩm bị loại): {findings}"


@dataclass
class Finalised:
    evaluation: EvaluationRecord
    result: ResultRecord
    outcome: EvaluationOutcome
    next_evaluation: EvaluationRecord | None


async def finalise(uow: UnitOfWork, evaluation_id: str, principal: Principal, *,
                   decision_ref: str, override_reason: str | None = None,
                   confirm_knockout: bool = False) -> Finalised:
    repo = ScoringRepository(uow.session)
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
        body = _snapshot(ctx, ev, fin, routing, outcome, decision_ref)
        evaluation = ctx.evaluation
        result = ResultRecord(evaluation_id=evaluation.id, decision=outcome.decision.value,
                              mean_score=fin.result.mean_total, stars=fin.result.stars, body=body,
                              finalised_by=chair.member_id, finalised_at=uow.clock.now())
        await repo.add_result(result)
        evaluation.present = sorted({*evaluation.present, chair.member_id})
        evaluation.mean_score = fin.result.mean_total
        evaluation.stars = fin.result.stars
        evaluation.decision_ref = decision_ref
        next_evaluation = None
        if outcome.decision is Decision.KNOCKED_OUT:
            await close(uow, repo, evaluation, knockout_reason(fin.result), knocked_out=True)
        else:
            expected = evaluation.version
            evaluation.status = ESCALATED if outcome.decision is Decision.ESCALATED else FINALISED
            evaluation.version += 1
            with flow_scope(submission_flow(evaluation)):
                next_evaluation = await _publish_result(uow, repo, ctx, fin, outcome)
            await repo.save_evaluation(evaluation, expected)
        await uow.commit()
    return Finalised(evaluation=evaluation, result=result, outcome=outcome,
                     next_evaluation=next_evaluation)


async def _publish_result(uow: UnitOfWork, repo: ScoringRepository, ctx: EvaluationContext,
                          fin: Finalisation, outcome: EvaluationOutcome) -> EvaluationRecord | None:
    """Scored, and when the result goes up a level, the next evaluation and EvaluationEscalated."""
    evaluation = ctx.evaluation
    next_evaluation = None
    await uow.emit(_scored(ctx, fin, outcome, uow.clock))
    if outcome.escalate_to is not None:
        next_evaluation = await repo.evaluation_at(evaluation.submission_id,
                                                   outcome.escalate_to)
        if next_evaluation is None:
            next_evaluation = await open_evaluation(uow, repo, evaluation,
                                                    outcome.escalate_to, parent=evaluation)
        evaluation.version += 1
        assert fin.result.mean_total is not None and fin.result.stars is not None
        await uow.emit(new_event(
            EvaluationEscalated,
            EvaluationEscalatedPayload(
                evaluation_id=evaluation.id, product_id=evaluation.product_id,
                submission_id=evaluation.submission_id, round_id=evaluation.round_id,
                from_level=Level(evaluation.level), to_level=Level(outcome.escalate_to),
                next_evaluation_id=next_evaluation.id, mean_score=fin.result.mean_total,
                stars=fin.result.stars),
            aggregate_id=evaluation.id, aggregate_version=evaluation.version,
            producer=SERVICE, clock=uow.clock))
    return next_evaluation


def _scored(ctx: EvaluationContext, fin: Finalisation, outcome: EvaluationOutcome,
            clock: Clock) -> Scored:
    e = ctx.evaluation
    result = fin.result
    assert result.stars is not None and result.mean_total is not None
    return new_event(
        Scored,
        ScoredPayload(
            evaluation_id=e.id, product_id=e.product_id, submission_id=e.submission_id,
            round_id=e.round_id, case=EvaluationCase(e.case), regulation=e.regulation,
            level=Level(e.level), recognising=outcome.recognising, stars=result.stars,
            mean_score=result.mean_total, part_scores=dict(result.part_means),
            capped_by=list(result.capped_by), council_decision_ref=e.decision_ref or "",
            product_name=e.product_name, product_set_no=e.product_set_no, entity_id=e.entity_id,
            entity_name=e.entity_name, commune_code=e.commune_code, province_code=e.province_code,
            band_stars=result.band_stars,
            caps=[ScoredCap(criterion_code=c.criterion_code, mark_star=c.mark_star,
                            capped_to=c.capped_to, members_meeting=c.members_meeting,
                            members_scoring=c.members_scoring) for c in result.caps],
            escalated_to=Level(outcome.escalate_to) if outcome.escalate_to else None,
            recognised_by=Level(outcome.recognised_by) if outcome.recognised_by else None,
            fallback_from=Level(outcome.fallback_from) if outcome.fallback_from else None,
            previous_evaluation_id=e.parent_id, sheets_scored=result.sheets_scored,
            override_reason=fin.override.reason_vi if fin.override else None,
            written_opinions=e.written_opinions),
        aggregate_id=e.id, aggregate_version=e.version, producer=SERVICE, clock=clock)

