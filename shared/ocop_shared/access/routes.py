"""`GET /<service>/access/me`: what a service's records let the caller do there (the console
shapes its pages by it; it decides nothing itself)."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter
from pydantic import BaseModel

from ..auth.logins import shown
from ..auth.principal import Principal

if TYPE_CHECKING:
    from ..runtime import ServiceRuntime


class AccessOut(BaseModel):
    subject: str
    name: str
    logins: list[str]
    roles: list[str]
    communes: list[str]
    departments: list[str]
    showrooms: list[str]


def access_out(principal: Principal) -> AccessOut:
    return AccessOut(subject=principal.subject, name=principal.name,
                     logins=sorted(shown(k) for k in principal.identities
                                   if k.startswith(("email:", "phone:"))),
                     roles=sorted(r.value for r in principal.roles),
                     communes=sorted(principal.communes), departments=sorted(principal.departments),
                     showrooms=sorted(principal.showrooms))


def access_router(runtime: "ServiceRuntime") -> APIRouter:
    router = APIRouter(prefix=f"/{runtime.name}", tags=[runtime.name],
                       dependencies=[runtime.guard.dependency])
    caller = runtime.guard.dependency

    @router.get("/access/me", response_model=AccessOut,
                summary="What this service's records let me do (roles and where they apply)")
    async def me(principal: Annotated[Principal, caller]) -> AccessOut:
        return access_out(principal)

    return router
