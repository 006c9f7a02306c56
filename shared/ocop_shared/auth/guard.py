"""The guard in front of every route: verify the bearer token, work out the caller's roles from
the service's own records, and let them through only where the permission matrix says so.

Services add `guard.authorize` to their router's dependencies, so no route can be reached
around it; a route that needs the caller declares `principal: Caller` (the same dependency,
which FastAPI runs once per request).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from ..audit.context import Actor, set_actor
from ..http.problems import Forbidden, ServiceUnavailable, Text, Unauthorized
from ..i18n import message
from .permissions import PermissionMatrix, Row, matrix
from .principal import Access, Principal
from .roles import GRANTED_ROLES, Role
from .tokens import IssuerUnavailable, TokenRejected, TokenVerifier, VerifiedToken

AccessSource = Callable[[VerifiedToken], Awaitable[Access]]


class VerifierSource(Protocol):
    def __call__(self) -> TokenVerifier: ...


ROLE_NAMES: dict[Role, Text] = {
    Role.PUBLIC: message("common.public"),
    Role.ENTITY_USER: message("common.producers"),
    Role.COMMUNE_OFFICER: message("common.commune_officers"),
    Role.PROVINCE_OFFICE: message("common.provincial_ocop_office"),
    Role.COUNCIL_MEMBER: message("common.council_members"),
    Role.COUNCIL_CHAIR: message("common.council_chairs"),
    Role.INSPECTOR: message("common.inspectors"),
    Role.SHOWROOM_OPERATOR: message("common.showroom_operators"),
    Role.POS_CLIENT: message("common.tills_api_key"),
}


def bearer_challenge(error: TokenRejected | None = None) -> dict[str, str]:
    """RFC 6750's WWW-Authenticate header."""
    if error is None:
        return {"www-authenticate": 'Bearer realm="ocop"'}
    return {"www-authenticate": f'Bearer realm="ocop", error="invalid_token", '
                                f'error_description="{error.reason}"'}


class Guard:
    def __init__(self, verifier: VerifierSource, *, permissions: PermissionMatrix | None = None) -> None:
        self._verifier = verifier
        self._sources: list[AccessSource] = []
        self.permissions = permissions or matrix()
        self.dependency = Depends(self.authorize)  # a router's: every route passes the guard
        self.Caller = Annotated[Principal, self.dependency]  # a route's: the caller

    def add_access_source(self, source: AccessSource) -> None:
        """A service's own records that grant roles (grants, council seats, ...)."""
        self._sources.append(source)

    async def access_of(self, token: VerifiedToken) -> Access:
        """Roles from the service's records; a person the office granted nothing is a producer
        (they act for the entities they registered or joined)."""
        access = Access()
        for source in self._sources:
            access = access | await source(token)
        if not token.is_service_account and not access.roles & set(GRANTED_ROLES):
            access = access | Access(roles=frozenset({Role.ENTITY_USER}))
        return access

    async def principal_of(self, token: str) -> Principal:
        try:
            verified = await self._verifier().verify(token)
        except TokenRejected as error:
            raise Unauthorized(Text(error.vi, error.en), slug=f"token-{error.reason}",
                               headers=bearer_challenge(error), reason=error.reason) from error
        except IssuerUnavailable as error:
            raise ServiceUnavailable(message("common.identity_provider_s_keys_unavailable_try"),
                                     headers={"retry-after": "5"}) from error
        return Principal(subject=verified.subject, name=verified.name,
                         identities=verified.identities, access=await self.access_of(verified),
                         client_id=verified.client_id)

    async def authorize(self, request: Request) -> Any:
        """The caller (None on a public route or for a till with an API key), or 401/403."""
        cached = getattr(request.state, "principal", _UNSET)
        if cached is not _UNSET:
            return cached
        row = self._row(request)
        principal = await self._check(request, row)
        request.state.principal = principal
        return principal

    async def _check(self, request: Request, row: Row) -> Principal | None:
        if row.public:
            _act(request, row, "anonymous", "", ())
            return None
        if Role.POS_CLIENT in row.admitted and request.headers.get("x-api-key"):
            # the route checks the key against the showroom's record before it changes anything
            _act(request, row, f"till:{request.path_params.get('showroom_id', '?')}", "",
                 (Role.POS_CLIENT.value,))
            return None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            if row.admitted == {Role.POS_CLIENT}:
                raise Unauthorized(message("common.showroom_s_api_key_required_x"))
            raise Unauthorized(message("common.sign_required_authorization_bearer"),
                               headers=bearer_challenge())
        set_actor(None)
        principal = await self.principal_of(token.strip())
        _act(request, row, principal.subject, principal.name,
             tuple(sorted(r.value for r in principal.roles)))
        if not principal.roles & row.admitted:
            who_vi = ", ".join(ROLE_NAMES[r].vi for r in sorted(row.admitted, key=list(Role).index))
            who_en = ", ".join(ROLE_NAMES[r].en for r in sorted(row.admitted, key=list(Role).index))
            raise Forbidden(message("common.not_for_you", who=Text(who_vi, who_en)))
        return principal

    def _row(self, request: Request) -> Row:
        route = request.scope.get("route")
        path = getattr(route, "path", request.url.path)
        method = "GET" if request.method == "HEAD" else request.method
        row = self.permissions.row(method, path)
        if row is None:  # build_app refuses to start with such a route; never open by mistake
            raise Forbidden(message("common.operation_not_permission_matrix"))
        return row


_UNSET = object()


def _act(request: Request, row: Row, subject: str, name: str, roles: tuple[str, ...]) -> None:
    """Name who acts in this request, for the audit record of what it changes."""
    set_actor(Actor(subject=subject, name=name, roles=roles,
                    client_address=request.client.host if request.client else None,
                    action=f"{row.method} {row.path}",
                    path_params={k: str(v) for k, v in request.path_params.items()}))
