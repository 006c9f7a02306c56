"""Registry HTTP API: the office's grants of who may do what."""




from ocop_shared.access import GrantRow
from ocop_shared.auth.logins import shown
from ocop_shared.http.pagination import Limit, Offset, Page
from ocop_shared.http.text import Code, Line, RecordId

from ..service_layer import access
from .deps import Caller, Edge, Runtime, router
from .schemas import (
    GrantIn,
    GrantOut,
)


# -- grants: who may do what (the office) -------------------------------------------------
@router.get("/access-grants", response_model=Page[GrantOut],
            summary="Roles the office granted (?role=, ?login=, ?include_revoked=true)")
async def list_grants(principal: Caller, runtime: Runtime, role: Code | None = None, login: Line | None = None,
                      include_revoked: bool = False, limit: Limit = 50,
                      offset: Offset = 0) -> Page[GrantOut]:
    async with runtime.uow() as uow:
        rows, total = await access.list_grants(uow, role=role, login=login,
                                               include_revoked=include_revoked,
                                               limit=limit, offset=offset)
    return Page(items=[grant_out(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("/access-grants", status_code=201, response_model=GrantOut,
             summary="Grant a role: office staff, a commune's officer, a department's "
                     "inspector or a showroom's operator (by e-mail or phone)")
async def grant(body: GrantIn, principal: Caller, runtime: Runtime, edge: Edge) -> GrantOut:
    async with runtime.uow() as uow:
        row = await access.grant(uow, access.GrantRequest(
            login=body.login, role=body.role, scope=body.scope, name=body.name),
            principal, edge.places)
    return grant_out(row)


@router.delete("/access-grants/{grant_id}", response_model=GrantOut,
               summary="Revoke a grant: it stops working in every service at once")
async def revoke(grant_id: RecordId, principal: Caller, runtime: Runtime) -> GrantOut:
    async with runtime.uow() as uow:
        row = await access.revoke(uow, grant_id, principal)
    return grant_out(row)



def grant_out(row: GrantRow) -> GrantOut:
    return GrantOut(id=row.grant_id, login=shown(row.login), role=row.role, scope=row.scope,
                    name=row.name, granted_by=row.granted_by, granted_at=row.granted_at,
                    revoked_at=row.revoked_at, revoked_by=row.revoked_by)
