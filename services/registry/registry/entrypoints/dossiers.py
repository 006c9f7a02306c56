"""Registry HTTP API: dossiers (Forms 01-03, filing, withdrawal) and who acts for an entity."""


from typing import Any

from fastapi import Response

from ocop_shared.auth import Principal
from ocop_shared.auth.logins import shown
from ocop_shared.http.text import RecordId
from ocop_shared.runtime import ServiceRuntime

from ..domain.documents import reusable_on
from ..domain.dossier import Claim, Dossier, Form01, Form02, Form03
from ..service_layer import access, services
from .api import today
from .deps import Caller, Edge, RegistryEdge, Runtime, router
from .documents import document_out
from .schemas import (
    ClaimIn,
    DocumentOut,
    DossierIn,
    DossierOut,
    DossierSummary,
    Form01In,
    Form02In,
    Form03In,
    MemberIn,
    MemberOut,
    MissingItem,
    WithdrawalIn,
)


# -- dossiers -----------------------------------------------------------------------------
async def dossier_view(runtime: ServiceRuntime, edge: RegistryEdge, dossier_id: str) -> DossierOut:
    async with runtime.uow() as uow:
        dossier, missing, found = await services.dossier_state(uow, dossier_id, edge.catalogue)
    return dossier_out(dossier, [document_out(d, today(runtime)) for d in reusable_on(found, today(runtime))],
                       missing)


@router.post("/products/{product_id}/dossiers", status_code=201, response_model=DossierOut,
             summary="Start a dossier (first evaluation, upgrade or re-rating)")
async def open_dossier(product_id: RecordId, body: DossierIn, principal: Caller, runtime: Runtime,
                       edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        dossier = await services.open_dossier(uow, product_id=product_id, case=body.case,
                                              round_id=body.round_id, principal=principal,
                                              places=edge.places)
    return await dossier_view(runtime, edge, dossier.id)


@router.get("/products/{product_id}/dossiers", response_model=list[DossierSummary],
            summary="The product's dossiers, the one not yet filed first, then newest first")
async def dossiers(product_id: RecordId, principal: Caller, runtime: Runtime) -> list[DossierSummary]:
    async with runtime.uow() as uow:
        found = await services.dossiers_of(uow, product_id, principal)
    return [DossierSummary(id=d.id, case=d.case, round_id=d.round_id, status=d.status.value)
            for d in found]


@router.get("/dossiers/{dossier_id}", response_model=DossierOut,
            summary="A dossier with what is still missing")
async def get_dossier(dossier_id: RecordId, principal: Caller, runtime: Runtime, edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        _, product, entity = await services.dossier_for(uow, dossier_id)
    services.may_read(principal, entity, product.id)
    return await dossier_view(runtime, edge, dossier_id)


@router.put("/dossiers/{dossier_id}/form-01", response_model=DossierOut,
            summary="Form 01: registration")
async def put_form01(dossier_id: RecordId, body: Form01In, principal: Caller, runtime: Runtime,
                     edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        await services.save_form01(uow, dossier_id, Form01(**body.model_dump()), principal)
    return await dossier_view(runtime, edge, dossier_id)


@router.put("/dossiers/{dossier_id}/form-02", response_model=DossierOut,
            summary="Form 02: self-assessment, criterion by criterion, with evidence")
async def put_form02(dossier_id: RecordId, body: Form02In, principal: Caller, runtime: Runtime,
                     edge: Edge) -> DossierOut:
    form = Form02(specification=body.specification, plan_results=body.plan_results,
                  next_plan=body.next_plan, changes=body.changes,
                  claims=tuple(Claim(criterion_code=c.criterion_code,
                                     option_index=c.option_index,
                                     description=c.description,
                                     evidence=tuple(c.evidence)) for c in body.claims))
    async with runtime.uow() as uow:
        await services.save_form02(uow, dossier_id, form, edge.catalogue, principal)
    return await dossier_view(runtime, edge, dossier_id)


@router.post("/dossiers/{dossier_id}/filing", response_model=DossierOut,
             summary="File the dossier with the commune (422 lists what is missing)")
async def file(dossier_id: RecordId, principal: Caller, runtime: Runtime, edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        await services.file_dossier(uow, dossier_id, edge.catalogue, principal)
    return await dossier_view(runtime, edge, dossier_id)


@router.put("/dossiers/{dossier_id}/form-03", response_model=DossierOut,
            summary="Form 03: the commune's report; forwards the dossier to the province")
async def put_form03(dossier_id: RecordId, body: Form03In, principal: Caller, runtime: Runtime,
                     edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        await services.record_commune_report(uow, dossier_id, Form03(**body.model_dump()),
                                             principal, edge.places)
    return await dossier_view(runtime, edge, dossier_id)


@router.post("/dossiers/{dossier_id}/withdrawal", response_model=DossierOut,
             summary="Withdraw the dossier before the council evaluates it")
async def withdraw(dossier_id: RecordId, body: WithdrawalIn, principal: Caller, runtime: Runtime,
                   edge: Edge) -> DossierOut:
    async with runtime.uow() as uow:
        await services.withdraw_dossier(uow, dossier_id, body.reason, principal)
    return await dossier_view(runtime, edge, dossier_id)



# -- who acts for an entity ---------------------------------------------------------------
async def acted_for(uow: Any, entity_id: str, principal: Principal) -> None:
    services.may_act_for(principal, await services.entity_for(uow, entity_id))


@router.get("/entities/{entity_id}/members", response_model=list[MemberOut],
            summary="People who act for the entity besides whoever registered it")
async def members(entity_id: RecordId, principal: Caller, runtime: Runtime) -> list[MemberOut]:
    async with runtime.uow() as uow:
        await acted_for(uow, entity_id, principal)
        rows = await access.members_of(uow, entity_id)
    return [MemberOut(id=r.id, login=shown(r.login), added_by=r.added_by, added_at=r.added_at)
            for r in rows]


@router.post("/entities/{entity_id}/members", status_code=201, response_model=MemberOut,
             summary="Let someone act for the entity (by e-mail or phone; they sign up with it)")
async def add_member(entity_id: RecordId, body: MemberIn, principal: Caller, runtime: Runtime) -> MemberOut:
    async with runtime.uow() as uow:
        await acted_for(uow, entity_id, principal)
        member_id = await access.add_member(uow, entity_id, body.login, principal)
    return MemberOut(id=member_id, login=body.login.strip(), added_by=principal.subject,
                     added_at=runtime.clock.now())


@router.delete("/entities/{entity_id}/members/{member_id}", status_code=204)
async def remove_member(entity_id: RecordId, member_id: RecordId, principal: Caller, runtime: Runtime) -> Response:
    async with runtime.uow() as uow:
        await acted_for(uow, entity_id, principal)
        await access.remove_member(uow, entity_id, member_id)
    return Response(status_code=204)



def dossier_out(dossier: Dossier, reused: list[DocumentOut],
                missing: list[tuple[str, str]]) -> DossierOut:
    form02 = None
    if dossier.form02 is not None:
        form02 = Form02In(
            specification=dossier.form02.specification, plan_results=dossier.form02.plan_results,
            next_plan=dossier.form02.next_plan, changes=dossier.form02.changes,
            claims=[ClaimIn(criterion_code=c.criterion_code, option_index=c.option_index,
                            description=c.description, evidence=list(c.evidence))
                    for c in dossier.form02.claims])
    return DossierOut(
        id=dossier.id, product_id=dossier.product_id, case=dossier.case,
        round_id=dossier.round_id, status=dossier.status.value,
        form01=Form01In(**dossier.form01.__dict__) if dossier.form01 else None,
        form02=form02,
        form03=Form03In(**dossier.form03.__dict__) if dossier.form03 else None,
        reused_documents=reused,
        missing=[MissingItem(vi=vi, en=en) for vi, en in missing],
        complete=not missing,
    )
