"""Scoring HTTP API (thin: parse, authorise, call the service layer).

Roles: the provincial office manages rounds, councils, members, conflict declarations,
assignments and province sheet files; council members (and chairs) see only the evaluations
assigned to their councils, fill and hand in their own sheet, blind until they submit; the
chair finalises. Every list is paginated.
"""



from fastapi import Response

from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.text import Code, RecordId
from ocop_shared.regulations import regulations

from ..adapters.repository import EvaluationFilter, ScoringRepository
from ..service_layer import administration, queries
from ..service_layer.administration import CouncilSpec
from .conversions import (
    _council_out,
    _declaration_out,
    _evaluation_fields,
    _fraction,
    _member,
    _member_out,
    _regulation_out,
    _round_out,
)
from .deps import Caller, Runtime, router
from .schemas import (
    AssignmentIn,
    CouncilIn,
    CouncilOut,
    CouncilPatch,
    DeclarationIn,
    DeclarationOut,
    EvaluationOut,
    MemberBody,
    MemberOut,
    RegulationOut,
    RoundIn,
    RoundOut,
)


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
        items, total = await uow.repository(ScoringRepository).list_rounds(limit, offset)
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
        current = (await queries.get_council(uow, council_id, principal)).member(member_id)
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
        items, total = await queries.list_declarations(uow, council_id, limit, offset)
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
