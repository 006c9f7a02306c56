"""Scoring HTTP API (thin: parse, authorise, call the service layer).

Roles: the provincial office manages rounds, councils, members, conflict declarations,
assignments and province sheet files; council members (and chairs) see only the evaluations
assigned to their councils, fill and hand in their own sheet, blind until they submit; the
chair finalises. Every list is paginated.
"""


import asyncio
from fractions import Fraction
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile

from ocop_shared.auth import Principal
from ocop_shared.auth.logins import InvalidLogin, login_key, shown
from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.problems import Problem, Text, Unprocessable
from ocop_shared.http.routing import guard_of, runtime_of
from ocop_shared.http.text import Code, RecordId
from ocop_shared.regulations import Criterion, ProductSet, Regulation, get_regulation, regulations
from ocop_shared.runtime import ServiceRuntime

from ..adapters import documents
from ..adapters.repository import (
    CouncilRecord,
    Declaration,
    EvaluationFilter,
    EvaluationRecord,
    ScoringRepository,
    SheetFileRecord,
)
from ..domain.council import CouncilMember
from ..domain.council import Role as CouncilRole
from ..domain.ranking import CouncilResult
from ..domain.sheet_scoring import KnockOut
from ..service_layer import administration, council_work, queries, reports
from ..service_layer.administration import MAX_SHEET_FILE_BYTES, CouncilSpec
from ..service_layer.evaluations import entry_level, procedure_of
from .schemas import (
    AssignmentIn,
    AttendanceIn,
    AttendanceOut,
    BandOut,
    BlockerOut,
    CapOut,
    ConflictOut,
    CouncilIn,
    CouncilOut,
    CouncilPatch,
    CouncilViewOut,
    CriterionOut,
    DeclarationIn,
    DeclarationOut,
    DraftIn,
    EscalationOut,
    EvaluationDetailOut,
    EvaluationOut,
    FinalisationIn,
    FinalisationOut,
    KnockOutIn,
    KnockOutOut,
    LevelOut,
    MemberBody,
    MemberOut,
    MemberSheetOut,
    MemberStatusOut,
    MyEvaluationOut,
    MySheetOut,
    OptionOut,
    PartOut,
    PreviewOut,
    ProcedureOut,
    QuorumOut,
    RegulationOut,
    RescoringIn,
    RescoringOut,
    ResultOut,
    RoundIn,
    RoundOut,
    SheetFileOut,
    SheetOut,
    SheetVersionOut,
    SubmissionIn,
)

ExportFormat = Literal["pdf", "xlsx"]


# ------------------------------------------------------------------------ conversions


def _fraction(text: str) -> Fraction:
    numerator, _, denominator = text.partition("/")
    if int(denominator) == 0:
        raise Unprocessable(Text("Mẫu số của túc số phải khác 0", "The quorum's denominator is 0"),
                            field="quorum")
    return Fraction(int(numerator), int(denominator))


def _member(body: MemberBody, member_id: str, current: CouncilMember | None = None) -> CouncilMember:
    if body.login is None and current is None:
        raise Unprocessable(Text("Cần e-mail hoặc số điện thoại đăng nhập của thành viên",
                                 "The member's login (e-mail or phone) is needed"), field="login")
    try:
        login = login_key(body.login) if body.login is not None else current.login  # type: ignore[union-attr]
    except InvalidLogin as error:
        raise Unprocessable(Text(error.vi, error.en), field="login") from error
    return CouncilMember(member_id=member_id, name=body.name, role=CouncilRole(body.role),
                         login=login,
                         department=body.department, commune_code=body.commune_code,
                         entity_ids=frozenset(body.entity_ids),
                         supplies_entity_ids=frozenset(body.supplies_entity_ids))


def _member_out(m: CouncilMember) -> MemberOut:
    return MemberOut(member_id=m.member_id, name=m.name, role=m.role.value, department=m.department,
                     login=shown(m.login) if m.login else "",
                     commune_code=m.commune_code, entity_ids=sorted(m.entity_ids),
                     supplies_entity_ids=sorted(m.supplies_entity_ids))


def _council_out(c: CouncilRecord) -> CouncilOut:
    return CouncilOut(id=c.id, round_id=c.round_id, level=c.level, name=c.name,
                      establishment_ref=c.establishment_ref,
                      quorum=f"{c.rules.quorum.numerator}/{c.rules.quorum.denominator}",
                      quorum_requires_chair=c.rules.quorum_requires_chair,
                      max_spread=c.rules.max_spread,
                      required_departments=sorted(c.rules.required_departments),
                      members=[_member_out(m) for m in c.members], version=c.version,
                      closed_at=c.closed_at)


def _levels(regulation: Regulation, day: Any) -> list[LevelOut]:
    procedure = procedure_of(regulation, day)
    return [LevelOut(code=lv.code, name_vi=lv.name_vi, name_en=lv.name_en, scores=lv.scores,
                     recognises=sorted(lv.recognises)) for lv in procedure.levels]


def _round_out(r: Any) -> RoundOut:
    regulation = get_regulation(r.regulation)
    return RoundOut(id=r.id, regulation=r.regulation, procedure_from=r.procedure_from,
                    entry_level=entry_level(regulation, r.procedure_from),
                    levels=_levels(regulation, r.procedure_from), name=r.name,
                    configured_by=r.configured_by)


def _regulation_out(r: Regulation) -> RegulationOut:
    return RegulationOut(
        code=r.code, name_vi=r.name_vi, name_en=r.name_en, effective_from=r.effective_from,
        ceases_on=r.ceases_on, part_max=dict(r.part_max),
        bands=[BandOut(stars=b.stars, minimum=b.minimum, below=b.below, maximum=b.maximum)
               for b in r.bands],
        certifiable_from_stars=r.certifiable_from_stars, packaged_sheets=r.has_packaged_sheets,
        procedures=[ProcedureOut(
            effective_from=p.effective_from, ceases_on=p.ceases_on, amended_by=list(p.amended_by),
            levels=[LevelOut(code=lv.code, name_vi=lv.name_vi, name_en=lv.name_en, scores=lv.scores,
                             recognises=sorted(lv.recognises)) for lv in p.levels],
            escalations=[EscalationOut(from_level=e.from_level, to_level=e.to_level,
                                       min_score=e.min_score,
                                       fallback_recognition=e.fallback_recognition)
                         for e in p.escalations]) for p in r.procedures])


def _evaluation_fields(e: EvaluationRecord) -> dict[str, Any]:
    return dict(id=e.id, product_id=e.product_id, product_name=e.product_name, round_id=e.round_id,
                level=e.level, status=e.status, mean_score=e.mean_score, stars=e.stars,
                submission_id=e.submission_id, regulation=e.regulation,
                product_set_no=e.product_set_no, case=e.case, entity_name=e.entity_name,
                commune_code=e.commune_code, council_id=e.council_id, parent_id=e.parent_id,
                written_opinions=e.written_opinions)


def _criterion(c: Criterion) -> CriterionOut:
    return CriterionOut(code=c.code, name_vi=c.name_vi, max=c.max, note_vi=c.note_vi,
                        knockout=c.knockout,
                        options=[OptionOut(index=o.index, label_vi=o.label_vi, points=o.points,
                                           min_star=o.min_star, case_vi=o.case_vi) for o in c.options],
                        children=[_criterion(child) for child in c.children])


def _parts(product_set: ProductSet) -> list[PartOut]:
    return [PartOut(code=p.code, name_vi=p.name_vi, max=p.max,
                    criteria=[_criterion(c) for c in p.criteria]) for p in product_set.parts]


def _knockout_in(body: KnockOutIn | None) -> KnockOut | None:
    return KnockOut(body.criterion_code, body.reason.strip()) if body is not None else None


def _knockout_out(k: KnockOut | None) -> KnockOutOut | None:
    return KnockOutOut(criterion_code=k.criterion_code, reason=k.reason_vi) if k else None


def _my_sheet_out(s: council_work.MySheet) -> MySheetOut:
    sheet = s.sheet
    parts = s.running_parts
    return MySheetOut(evaluation_id=s.context.evaluation.id, member_id=s.member.member_id,
                      status="none" if sheet is None else sheet.status,
                      choices=dict(sheet.choices) if sheet else {},
                      knockout=_knockout_out(sheet.knockout if sheet else None),
                      running_total=sum(parts.values()), part_totals=parts, missing=s.missing,
                      total=sheet.total if sheet and sheet.submitted else None)


def _quorum(q: Any) -> QuorumOut:
    return QuorumOut(voting_members=q.voting_members, present=q.present, required=q.required,
                     chair_present=q.chair_present, chair_required=q.chair_required, met=q.met)


def _caps(result: CouncilResult, language: str) -> list[CapOut]:
    return [CapOut(criterion_code=c.criterion_code, mark_star=c.mark_star, capped_to=c.capped_to,
                   members_meeting=c.members_meeting, members_scoring=c.members_scoring,
                   message=c.message_en if language == "en" else c.message_vi) for c in result.caps]


def _lang(lang: str | None) -> str:
    return "en" if (lang or "").lower().startswith("en") else "vi"


def _sheet_file_out(r: SheetFileRecord) -> SheetFileOut:
    return SheetFileOut(id=r.id, regulation=r.regulation, filename=r.filename, sha256=r.sha256,
                        size=r.size, product_sets=r.product_sets, uploaded_by=r.uploaded_by,
                        uploaded_at=r.uploaded_at)


def _declaration_out(d: Declaration) -> DeclarationOut:
    return DeclarationOut(council_id=d.council_id, member_id=d.member_id, product_id=d.product_id,
                          reason=d.reason, declared_by=d.declared_by, declared_at=d.declared_at)


# ----------------------------------------------------------------------------- routes


SERVICE = "scoring"
Runtime = Annotated[ServiceRuntime, Depends(runtime_of(SERVICE))]
Caller = Annotated[Principal, Depends(guard_of(SERVICE))]
Lang = Annotated[str | None, Query(max_length=10, description="vi (default) or en")]
# Who may call each route is the permission matrix's (the guard in front of every route);
# the use cases check the seats: which council, which sheet, who chairs.
router = APIRouter(prefix="/scoring", tags=["scoring"], dependencies=[Depends(guard_of(SERVICE))])


# -- regulations and rounds -----------------------------------------------------
@router.get("/regulations", response_model=Page[RegulationOut],
            summary="Regulations as data: parts, bands, levels, escalations (any staff)")
async def list_regulations(principal: Caller, limit: Limit = 50,
                           offset: Offset = 0) -> Page[RegulationOut]:
    items = list(regulations())
    return Page(items=[_regulation_out(r) for r in items[offset:offset + limit]],
                total=len(items), limit=limit, offset=offset)


@router.get("/rounds", response_model=Page[RoundOut], summary="Rounds as scoring sees them (office)")
async def list_rounds(principal: Caller, runtime: Runtime, limit: Limit = 50, offset: Offset = 0) -> Page[RoundOut]:
    async with runtime.uow() as uow:
        items, total = await ScoringRepository(uow.session).list_rounds(limit, offset)
    return Page(items=[_round_out(r) for r in items], total=total, limit=limit, offset=offset)


@router.get("/rounds/{round_id}", response_model=RoundOut, summary="A round (office)")
async def get_round(round_id: RecordId, principal: Caller, runtime: Runtime) -> RoundOut:
    async with runtime.uow() as uow:
        return _round_out(await administration.get_round(uow, round_id))


@router.put("/rounds/{round_id}", response_model=RoundOut,
            summary="Configure a round's regulation and procedure (office)")
async def put_round(round_id: RecordId, body: RoundIn, principal: Caller, runtime: Runtime) -> RoundOut:
    async with runtime.uow() as uow:
        record = await administration.configure_round(
            uow, round_id, body.regulation, body.procedure_on, body.name, principal)
    return _round_out(record)


# -- councils ---------------------------------------------------------------------
@router.post("/councils", response_model=CouncilOut, status_code=201,
             summary="Establish a council for a round and level, with its members (office)")
async def create_council(body: CouncilIn, principal: Caller, runtime: Runtime) -> CouncilOut:
    spec = CouncilSpec(round_id=body.round_id, level=body.level, name=body.name,
                       members=[_member(m, m.member_id) for m in body.members],
                       establishment_ref=body.establishment_ref, quorum=_fraction(body.quorum),
                       quorum_requires_chair=body.quorum_requires_chair,
                       max_spread=body.max_spread,
                       required_departments=frozenset(body.required_departments))
    async with runtime.uow() as uow:
        return _council_out(await administration.create_council(uow, spec))


@router.get("/councils", response_model=Page[CouncilOut],
            summary="Councils (office: all; members: their own)")
async def list_councils(principal: Caller, runtime: Runtime, round_id: RecordId | None = None,
                        level: Code | None = None,
                        limit: Limit = 50, offset: Offset = 0) -> Page[CouncilOut]:
    async with runtime.uow() as uow:
        items, total = await queries.list_councils(uow, principal, limit, offset,
                                                   round_id=round_id, level=level)
    return Page(items=[_council_out(c) for c in items], total=total, limit=limit, offset=offset)


@router.get("/councils/{council_id}", response_model=CouncilOut,
            summary="A council (office, or one of its members)")
async def get_council(council_id: RecordId, principal: Caller, runtime: Runtime) -> CouncilOut:
    async with runtime.uow() as uow:
        return _council_out(await queries.get_council(uow, council_id, principal))


@router.patch("/councils/{council_id}", response_model=CouncilOut,
              summary="Rename a council or change its rules (quorum, spread) (office)")
async def patch_council(council_id: RecordId, body: CouncilPatch, principal: Caller, runtime: Runtime) -> CouncilOut:
    async with runtime.uow() as uow:
        record = await administration.update_council(
            uow, council_id, name=body.name, establishment_ref=body.establishment_ref,
            quorum=_fraction(body.quorum) if body.quorum else None,
            quorum_requires_chair=body.quorum_requires_chair, max_spread=body.max_spread,
            required_departments=(frozenset(body.required_departments)
                                  if body.required_departments is not None else None))
    return _council_out(record)


@router.delete("/councils/{council_id}", status_code=204,
               summary="Dissolve a council that has not scored yet (office)")
async def delete_council(council_id: RecordId, principal: Caller, runtime: Runtime) -> Response:
    async with runtime.uow() as uow:
        await administration.delete_council(uow, council_id)
    return Response(status_code=204)


@router.post("/councils/{council_id}/closure", response_model=CouncilOut,
             summary="End the council's work: its seats stop granting anything (office)")
async def close_council(council_id: RecordId, principal: Caller, runtime: Runtime) -> CouncilOut:
    async with runtime.uow() as uow:
        return _council_out(await administration.close_council(uow, council_id))


@router.get("/councils/{council_id}/members", response_model=Page[MemberOut],
            summary="A council's members (office, or one of its members)")
async def list_members(council_id: RecordId, principal: Caller, runtime: Runtime, limit: Limit = 50,
                       offset: Offset = 0) -> Page[MemberOut]:
    async with runtime.uow() as uow:
        council = await queries.get_council(uow, council_id, principal)
    members = council.members
    return Page(items=[_member_out(m) for m in members[offset:offset + limit]],
                total=len(members), limit=limit, offset=offset)


@router.put("/councils/{council_id}/members/{member_id}", response_model=CouncilOut,
            summary="Add or change a member (office)")
async def put_member(council_id: RecordId, member_id: RecordId, body: MemberBody,
                     principal: Caller, runtime: Runtime) -> CouncilOut:
    async with runtime.uow() as uow:
        current = (await administration.council_of(ScoringRepository(uow.session),
                                                   council_id)).member(member_id)
        return _council_out(await administration.put_member(
            uow, council_id, _member(body, member_id, current)))


@router.delete("/councils/{council_id}/members/{member_id}", response_model=CouncilOut,
               summary="Remove a member who has no sheet in an open evaluation (office)")
async def delete_member(council_id: RecordId, member_id: RecordId, principal: Caller, runtime: Runtime) -> CouncilOut:
    async with runtime.uow() as uow:
        return _council_out(await administration.remove_member(uow, council_id, member_id))


@router.post("/councils/{council_id}/conflicts", response_model=DeclarationOut, status_code=201,
             summary="Declare a conflict of interest (the member themself, or the office)")
async def declare(council_id: RecordId, body: DeclarationIn, principal: Caller, runtime: Runtime) -> DeclarationOut:
    async with runtime.uow() as uow:
        declaration = await administration.declare_conflict(
            uow, council_id, body.member_id, body.product_id, body.reason, principal)
    return _declaration_out(declaration)


@router.get("/councils/{council_id}/conflicts", response_model=Page[DeclarationOut],
            summary="Declared conflicts of interest (office)")
async def list_declarations(council_id: RecordId, principal: Caller, runtime: Runtime, limit: Limit = 50,
                            offset: Offset = 0) -> Page[DeclarationOut]:
    async with runtime.uow() as uow:
        repo = ScoringRepository(uow.session)
        await administration.council_of(repo, council_id)
        items, total = await repo.list_declarations(council_id, limit, offset)
    return Page(items=[_declaration_out(d) for d in items], total=total, limit=limit,
                offset=offset)


@router.get("/councils/{council_id}/evaluations", response_model=Page[EvaluationOut],
            summary="Evaluations assigned to a council (office)")
async def council_evaluations(council_id: RecordId, principal: Caller, runtime: Runtime, limit: Limit = 50,
                              offset: Offset = 0) -> Page[EvaluationOut]:
    async with runtime.uow() as uow:
        items, total = await queries.list_evaluations(
            uow, principal, EvaluationFilter(council_id=council_id), limit, offset)
    return Page(items=[EvaluationOut(**_evaluation_fields(e)) for e in items], total=total,
                limit=limit, offset=offset)


@router.put("/evaluations/{evaluation_id}/council", response_model=EvaluationOut,
            summary="Assign an evaluation to a council of its round and level (office)")
async def assign(evaluation_id: RecordId, body: AssignmentIn, principal: Caller, runtime: Runtime) -> EvaluationOut:
    async with runtime.uow() as uow:
        evaluation = await administration.assign(uow, evaluation_id, body.council_id)
    return EvaluationOut(**_evaluation_fields(evaluation))


# -- province sheet files -----------------------------------------------------------
@router.post("/sheet-files", response_model=SheetFileOut, status_code=201,
             summary="Load a province's sheet file for 148/1048 (validated; office)",
             responses={200: {"model": SheetFileOut, "description": "The same file, already loaded"}})
async def upload_sheet_file(response: Response, principal: Caller,
                            regulation: Annotated[Code, Form(examples=["1048/QĐ-TTg"])],
                            file: Annotated[UploadFile, File(description="JSON sheet file")], runtime: Runtime
                            ) -> SheetFileOut:
    content = await file.read(MAX_SHEET_FILE_BYTES + 1)
    async with runtime.uow() as uow:
        record, created = await administration.upload_sheet_file(
            uow, regulation, file.filename or "sheets.json", content, principal)
    if not created:
        response.status_code = 200
    return _sheet_file_out(record)


@router.get("/sheet-files", response_model=Page[SheetFileOut], summary="Loaded sheet files (office)")
async def list_sheet_files(principal: Caller, runtime: Runtime, regulation: Code | None = None, limit: Limit = 50,
                           offset: Offset = 0) -> Page[SheetFileOut]:
    async with runtime.uow() as uow:
        items, total = await ScoringRepository(uow.session).list_sheet_files(limit, offset,
                                                                             regulation)
    return Page(items=[_sheet_file_out(r) for r in items], total=total, limit=limit,
                offset=offset)


@router.get("/sheet-files/{file_id}", response_model=SheetFileOut, summary="A sheet file (office)")
async def get_sheet_file(file_id: RecordId, principal: Caller, runtime: Runtime) -> SheetFileOut:
    async with runtime.uow() as uow:
        record = await ScoringRepository(uow.session).get_sheet_file(file_id)
    if record is None:
        raise Problem(Text(f"Không tìm thấy tệp phiếu {file_id}", f"No sheet file {file_id}"),
                      status=404, slug="not-found")
    return _sheet_file_out(record)


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
        mine = await council_work.my_sheet(uow, evaluation_id, principal)
    ps = mine.context.product_set
    return SheetOut(evaluation_id=evaluation_id, regulation=ps.regulation_code,
                    product_set_no=ps.no, product_set_name=ps.name_vi, sheet_source=ps.source,
                    max_total=ps.max_total, disqualifiers_vi=list(ps.disqualifiers_vi),
                    parts=_parts(ps), my_sheet=_my_sheet_out(mine))


@router.put("/evaluations/{evaluation_id}/sheet", response_model=MySheetOut,
            summary="Save my draft (replaces it; each option checked at once) (council member)")
async def save_draft(evaluation_id: RecordId, body: DraftIn, principal: Caller, runtime: Runtime) -> MySheetOut:
    async with runtime.uow() as uow:
        mine = await council_work.save_draft(uow, evaluation_id, principal, body.choices,
                                             _knockout_in(body.knockout))
    return _my_sheet_out(mine)


@router.post("/evaluations/{evaluation_id}/sheet/submission", response_model=MySheetOut,
             summary="Hand in my sheet (optionally with its choices); then it is frozen "
                     "(council member)")
async def submit_sheet(evaluation_id: RecordId, principal: Caller,
                       runtime: Runtime, body: SubmissionIn | None = None) -> MySheetOut:
    body = body or SubmissionIn()
    async with runtime.uow() as uow:
        mine = await council_work.submit_sheet(
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
        ctx = await council_work.record_attendance(uow, evaluation_id, principal, body.present)
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
        reopened = await council_work.reopen_sheets(uow, evaluation_id, principal,
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


# -- exports ------------------------------------------------------------------------
def _file(content: bytes, fmt: ExportFormat, name: str) -> Response:
    media = documents.PDF_MEDIA_TYPE if fmt == "pdf" else documents.XLSX_MEDIA_TYPE
    return Response(content, media_type=media,
                    headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/evaluations/{evaluation_id}/sheets/{member_id}/export",
            response_class=Response, summary="A member's sheet as PDF or XLSX (Vietnamese)",
            responses={200: {"content": {documents.PDF_MEDIA_TYPE: {},
                                         documents.XLSX_MEDIA_TYPE: {}}}})
async def export_sheet(evaluation_id: RecordId, member_id: RecordId, principal: Caller,
                       runtime: Runtime, format: ExportFormat = "pdf") -> Response:
    async with runtime.uow() as uow:
        report = await reports.member_sheet_report(uow, evaluation_id, member_id, principal)
    render = documents.render_sheet_pdf if format == "pdf" else documents.render_sheet_xlsx
    content = await asyncio.to_thread(render, report)
    return _file(content, format, f"phieu-cham-{evaluation_id[:8]}")


@router.get("/evaluations/{evaluation_id}/minutes", response_class=Response,
            summary="The council minutes with the aggregation, as PDF or XLSX (Vietnamese)",
            responses={200: {"content": {documents.PDF_MEDIA_TYPE: {},
                                         documents.XLSX_MEDIA_TYPE: {}}}})
async def export_minutes(evaluation_id: RecordId, principal: Caller,
                         runtime: Runtime, format: ExportFormat = "pdf") -> Response:
    async with runtime.uow() as uow:
        report = await reports.minutes_report(uow, evaluation_id, principal)
    render = documents.render_minutes_pdf if format == "pdf" else documents.render_minutes_xlsx
    content = await asyncio.to_thread(render, report)
    return _file(content, format, f"bien-ban-{evaluation_id[:8]}")

