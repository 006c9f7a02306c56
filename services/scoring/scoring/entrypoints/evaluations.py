"""Scoring HTTP API: evaluations, sheets, hand-in, re-scoring and finalisation."""



from fastapi import Response

from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.text import Code, RecordId

from ..adapters.repository import (
    EvaluationFilter,
)
from ..service_layer import council_work, member_sheets, queries, reports
from .conversions import (
    _caps,
    _evaluation_fields,
    _knockout_in,
    _knockout_out,
    _lang,
    _my_sheet_out,
    _parts,
    _quorum,
)
from .deps import Caller, Lang, Runtime, router
from .schemas import (
    AttendanceIn,
    AttendanceOut,
    BlockerOut,
    CapOut,
    ConflictOut,
    CouncilViewOut,
    DraftIn,
    EvaluationDetailOut,
    EvaluationOut,
    FinalisationIn,
    FinalisationOut,
    MemberSheetOut,
    MemberStatusOut,
    MyEvaluationOut,
    MySheetOut,
    PreviewOut,
    RescoringIn,
    RescoringOut,
    ResultOut,
    SheetOut,
    SheetVersionOut,
    SubmissionIn,
)


# -- evaluations --------------------------------------------------------------------
@router.get("/evaluations", response_model=list[EvaluationOut],
            summary="Evaluations, newest first (office: all; members: assigned ones). The "
                    "body is a plain array for older clients; the total is in X-Total-Count")
async def list_evaluations(response: Response, principal: Caller, runtime: Runtime, product_id: RecordId | None = None,
                           round_id: RecordId | None = None, level: Code | None = None,
                           status: Code | None = None, limit: Limit = 50,
                           offset: Offset = 0) -> list[EvaluationOut]:
    async with runtime.uow() as uow:
        items, total = await queries.list_evaluations(
            uow, principal, EvaluationFilter(product_id=product_id, round_id=round_id,
                                             level=level, status=status), limit, offset)
    response.headers["X-Total-Count"] = str(total)
    return [EvaluationOut(**_evaluation_fields(e)) for e in items]


@router.get("/my/evaluations", response_model=Page[MyEvaluationOut],
            summary="My assigned evaluations (council member; blind: only my own sheet's state)")
async def my_evaluations(principal: Caller, runtime: Runtime, status: Code | None = None, limit: Limit = 50,
                         offset: Offset = 0) -> Page[MyEvaluationOut]:
    async with runtime.uow() as uow:
        items, total = await queries.my_evaluations(uow, principal, limit, offset, status)
    out = []
    for item in items:
        e = item.evaluation
        finished = e.status != "open"
        out.append(MyEvaluationOut(
            id=e.id, product_id=e.product_id, product_name=e.product_name,
            product_set_no=e.product_set_no, regulation=e.regulation, round_id=e.round_id,
            level=e.level, status=e.status, council_id=item.council.id,
            council_name=item.council.name, my_role=item.me.role.value,
            my_sheet="none" if item.sheet is None else item.sheet.status,
            conflicted=bool(item.conflicts), conflicts=item.conflicts,
            written_opinions=e.written_opinions, stars=e.stars if finished else None,
            mean_score=e.mean_score if finished else None))
    return Page(items=out, total=total, limit=limit, offset=offset)


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationDetailOut,
            summary="An evaluation (office, or a member of its council)")
async def get_evaluation(evaluation_id: RecordId, principal: Caller, runtime: Runtime) -> EvaluationDetailOut:
    async with runtime.uow() as uow:
        detail = await queries.evaluation_detail(uow, evaluation_id, principal)
    e = detail.evaluation
    return EvaluationDetailOut(**_evaluation_fields(e), decision_ref=e.decision_ref,
                               closed_reason=e.closed_reason, sheet_source=detail.sheet_source,
                               sheets_submitted=detail.sheets_submitted,
                               decision=detail.result.decision if detail.result else None)


@router.get("/evaluations/{evaluation_id}/sheet", response_model=SheetOut,
            summary="The sheet to fill: criteria, options, star marks, knock-out notes, and my "
                    "draft (council member)")
async def get_sheet(evaluation_id: RecordId, principal: Caller, runtime: Runtime) -> SheetOut:
    async with runtime.uow() as uow:
        mine = await member_sheets.my_sheet(uow, evaluation_id, principal)
    ps = mine.context.product_set
    return SheetOut(evaluation_id=evaluation_id, regulation=ps.regulation_code,
                    product_set_no=ps.no, product_set_name=ps.name_vi, sheet_source=ps.source,
                    max_total=ps.max_total, disqualifiers_vi=list(ps.disqualifiers_vi),
                    parts=_parts(ps), my_sheet=_my_sheet_out(mine))


@router.put("/evaluations/{evaluation_id}/sheet", response_model=MySheetOut,
            summary="Save my draft (replaces it; each option checked at once) (council member)")
async def save_draft(evaluation_id: RecordId, body: DraftIn, principal: Caller, runtime: Runtime) -> MySheetOut:
    async with runtime.uow() as uow:
        mine = await member_sheets.save_draft(uow, evaluation_id, principal, body.choices,
                                             _knockout_in(body.knockout))
    return _my_sheet_out(mine)


@router.post("/evaluations/{evaluation_id}/sheet/submission", response_model=MySheetOut,
             summary="Hand in my sheet (optionally with its choices); then it is frozen "
                     "(council member)")
async def submit_sheet(evaluation_id: RecordId, principal: Caller,
                       runtime: Runtime, body: SubmissionIn | None = None) -> MySheetOut:
    body = body or SubmissionIn()
    async with runtime.uow() as uow:
        mine = await member_sheets.submit_sheet(
            uow, evaluation_id, principal, regulation=body.regulation,
            product_set_no=body.product_set_no, choices=body.choices,
            knockout=_knockout_in(body.knockout))
    return _my_sheet_out(mine)


@router.get("/evaluations/{evaluation_id}/sheets", response_model=Page[MemberSheetOut],
            summary="Sheets I may see: blind until I submit; all after finalisation")
async def list_sheets(evaluation_id: RecordId, principal: Caller, runtime: Runtime, limit: Limit = 50,
                      offset: Offset = 0) -> Page[MemberSheetOut]:
    async with runtime.uow() as uow:
        ctx, sheets = await council_work.visible_sheets(uow, evaluation_id, principal)
    council = ctx.council
    items = [MemberSheetOut(
        member_id=s.member_id,
        name=(m.name if council and (m := council.member(s.member_id)) else s.member_id),
        status=s.status, choices=s.choices, knockout=_knockout_out(s.knockout), total=s.total,
        part_totals=s.part_totals, submitted_at=s.submitted_at) for s in sheets]
    return Page(items=items[offset:offset + limit], total=len(items), limit=limit, offset=offset)


@router.get("/evaluations/{evaluation_id}/sheets/{member_id}/versions",
            response_model=list[SheetVersionOut],
            summary="Every saved version of a member's sheet until hand-in: who changed which "
                    "criterion, when (the member; the office and the council once finalised)")
async def sheet_versions(evaluation_id: RecordId, member_id: RecordId,
                         principal: Caller, runtime: Runtime) -> list[SheetVersionOut]:
    async with runtime.uow() as uow:
        versions = await reports.sheet_history(uow, evaluation_id, member_id, principal)
    return [SheetVersionOut(**v.__dict__) for v in versions]


@router.put("/evaluations/{evaluation_id}/attendance", response_model=AttendanceOut,
            summary="Record who attends the session (chair, secretary or office)")
async def attendance(evaluation_id: RecordId, body: AttendanceIn, principal: Caller, runtime: Runtime) -> AttendanceOut:
    async with runtime.uow() as uow:
        ctx = await member_sheets.record_attendance(uow, evaluation_id, principal, body.present)
    ev = ctx.domain()
    return AttendanceOut(evaluation_id=evaluation_id, present=sorted(ev.present),
                         quorum=_quorum(ev.quorum))


@router.get("/evaluations/{evaluation_id}/council-view", response_model=CouncilViewOut,
            summary="Members' totals, mean, spread, caps and blockers (chair or secretary; "
                    "the office sees the blind view)")
async def council_view(evaluation_id: RecordId, principal: Caller, runtime: Runtime,
                       lang: Lang = None) -> CouncilViewOut:
    language = _lang(lang)
    async with runtime.uow() as uow:
        view = await council_work.council_view(uow, evaluation_id, principal)
    council = view.context.require_council()
    preview = None
    if view.preview is not None:
        p = view.preview
        preview = PreviewOut(mean_score=p.mean_total, part_scores=dict(p.part_means),
                             band_stars=p.band_stars, stars=p.stars, caps=_caps(p, language),
                             capped_by=list(p.capped_by), knocked_out=p.knocked_out)
    blockers = [BlockerOut(kind=b.kind.value, overridable=b.overridable,
                           message=b.message_en if language == "en" else b.message_vi)
                for b in view.blockers]
    return CouncilViewOut(
        evaluation_id=evaluation_id, council_id=council.id, status=view.context.evaluation.status,
        written_opinions=view.context.evaluation.written_opinions, quorum=_quorum(view.quorum),
        members=[MemberStatusOut(
            member_id=s.member.member_id, name=s.member.name, role=s.member.role.value,
            department=s.member.department, present=s.present,
            conflicts=[ConflictOut(kind=k, reason=en if language == "en" else vi)
                       for k, vi, en in s.conflicts],
            sheet="none" if s.sheet_status is None else s.sheet_status,
            total=s.total, part_totals=s.part_totals, knockout=_knockout_out(s.knockout),
            counted=s.counted) for s in view.members],
        blockers=blockers,
        can_finalise=view.context.evaluation.status == "open" and not blockers,
        needs_override=bool(blockers) and all(b.overridable for b in blockers),
        spread=view.spread, max_spread=council.rules.max_spread, preview=preview,
        result=view.result.body if view.result else None)


@router.post("/evaluations/{evaluation_id}/rescoring", response_model=RescoringOut,
             summary="Send members' submitted sheets back to them to be re-scored (chair)")
async def rescoring(evaluation_id: RecordId, body: RescoringIn, principal: Caller, runtime: Runtime) -> RescoringOut:
    async with runtime.uow() as uow:
        reopened = await member_sheets.reopen_sheets(uow, evaluation_id, principal,
                                                    body.member_ids)
    return RescoringOut(evaluation_id=evaluation_id, reopened=reopened)


@router.post("/evaluations/{evaluation_id}/finalisation", response_model=FinalisationOut,
             summary="Finalise the council's result (chair); with a recorded reason to lift the "
                     "spread rule or rule on a minority knock-out")
async def finalise(evaluation_id: RecordId, body: FinalisationIn, principal: Caller,
                   runtime: Runtime, lang: Lang = None) -> FinalisationOut:
    async with runtime.uow() as uow:
        done = await council_work.finalise(
            uow, evaluation_id, principal, decision_ref=body.decision_ref,
            override_reason=body.override_reason, confirm_knockout=body.confirm_knockout)
    b = done.result.body
    caps = [CapOut(criterion_code=c["criterion_code"], mark_star=c["mark_star"],
                   capped_to=c["capped_to"], members_meeting=c["members_meeting"],
                   members_scoring=c["members_scoring"],
                   message=c["message_en"] if _lang(lang) == "en" else c["message_vi"])
            for c in b["caps"]]
    return FinalisationOut(
        evaluation_id=evaluation_id, decision=done.outcome.decision.value,
        stars=done.outcome.stars, mean_score=done.result.mean_score,
        part_scores=b["part_scores"], band_stars=b["band_stars"], caps=caps,
        capped_by=b["capped_by"], recognising=done.outcome.recognising,
        recognised_by=done.outcome.recognised_by, escalated_to=done.outcome.escalate_to,
        next_evaluation_id=done.next_evaluation.id if done.next_evaluation else None,
        fallback_from=done.outcome.fallback_from, closed_reason=done.evaluation.closed_reason)


@router.get("/evaluations/{evaluation_id}/result", response_model=ResultOut,
            summary="The finalised result with the minutes' data (office, or a council member)")
async def get_result(evaluation_id: RecordId, principal: Caller, runtime: Runtime) -> ResultOut:
    async with runtime.uow() as uow:
        result = await queries.get_result(uow, evaluation_id, principal)
    return ResultOut(evaluation_id=evaluation_id, decision=result.decision, stars=result.stars,
                     mean_score=result.mean_score, finalised_by=result.finalised_by,
                     finalised_at=result.finalised_at, minutes=result.body)
