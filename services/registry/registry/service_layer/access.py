"""Who may do what in the registry: the office's grants (recorded here, published to every
service), the people who act for an entity, and the council members reading a dossier.

The registry is where the office records grants: a person (by e-mail or phone, before they
even have an account) becomes office staff, a commune's officer, a department's inspector
or a showroom's operator. Each grant and its revocation is an event on
`ocop.registry.access.v1`, from which every other service keeps its own copy.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ocop_shared.access import GrantRow, access_from_grants
from ocop_shared.auth import Access, Principal, Role, VerifiedToken
from ocop_shared.auth.logins import InvalidLogin, login_key, shown
from ocop_shared.contracts import CouncilAssigned
from ocop_shared.contracts.common import Department
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, Invalid, NotFound, Text
from ocop_shared.i18n import message

from ..adapters.repository import (
    CouncilReaderRepository,
    EntityRepository,
    GrantRepository,
)
from ..domain.errors import DomainError
from ..domain.grants import Grant
from .ports import Places

SERVICE = "registry"
SCOPED = {"commune_officer": "commune", "inspector": "department", "showroom_operator": "showroom"}
DEPARTMENTS = [d.value for d in Department]


# -- the caller's access, from the registry's records ------------------------------------------

async def registry_access(uow: UnitOfWork, token: VerifiedToken) -> Access:
    identities = sorted(token.identities)
    granted = access_from_grants(await uow.repository(GrantRepository).active_grants(identities))
    entities = await uow.repository(EntityRepository).entities_acted_for(token.subject,
                                                                         identities)
    products = await uow.repository(CouncilReaderRepository).products_read_as_council(
        identities)
    council = frozenset({Role.COUNCIL_MEMBER, Role.COUNCIL_CHAIR}) if products else frozenset()
    return granted | Access(roles=council, entities=frozenset(entities),
                            products=frozenset(products))


# -- grants --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GrantRequest:
    login: str
    role: str
    scope: str | None
    name: str = ""


def _login(raw: str) -> str:
    try:
        return login_key(raw)
    except InvalidLogin as error:
        raise Invalid(Text(error.vi, error.en), field="login") from error


async def grant(uow: UnitOfWork, request: GrantRequest, principal: Principal,
                places: Places) -> GrantRow:
    login = _login(request.login)
    role = Role(request.role)
    scope = (request.scope or "").strip() or None
    kind = SCOPED.get(role.value)
    if kind is None and scope is not None:
        raise Invalid(message("registry.office_role_has_no_commune_department"), field="scope")
    if kind is not None and scope is None:
        raise Invalid(message("registry.role_needs_scope", scope=Text(_KIND_VI[kind], kind)),
                            field="scope")
    if kind == "commune":
        assert scope is not None
        try:
            scope = places.resolve(scope, uow.clock.now().date()).commune_code
            places.check_in_province(scope, uow.clock.now().date(), uow.settings.province_code)
        except DomainError as error:
            raise Invalid(Text(error.vi, error.en), field="scope") from error
    if kind == "department" and scope not in DEPARTMENTS:
        raise Invalid(message("registry.unknown_department_one", scope=scope, departments=', '.join(DEPARTMENTS)),
                            field="scope")
    if any(g.scope == scope for g in await uow.repository(GrantRepository).live(login, role.value)):
        raise Conflict(message("registry.already_has_role", login=shown(login)))
    row = await _store_grant(uow, login, role.value, scope, request.name.strip(), principal.subject)
    await uow.commit()
    return row


async def _store_grant(uow: UnitOfWork, login: str, role: str, scope: str | None, name: str,
                       by: str) -> GrantRow:
    grant = Grant.make(str(uuid.uuid4()), login=login, role=role, scope=scope, name=name, by=by,
                       at=uow.clock.now())
    uow.track(grant)
    await uow.repository(GrantRepository).add(grant)
    uow.record_change("grant", grant.id, f"{role} {scope or ''} granted to {shown(login)}".strip(),
                      grant_id=grant.id)
    return grant_row(grant)


def grant_row(grant: Grant) -> GrantRow:
    return GrantRow(grant_id=grant.id, login=grant.login, role=grant.role, scope=grant.scope,
                    name=grant.name, granted_by=grant.granted_by, granted_at=grant.granted_at,
                    revoked_at=grant.revoked_at, revoked_by=grant.revoked_by)


async def revoke(uow: UnitOfWork, grant_id: str, principal: Principal) -> GrantRow:
    repo = uow.repository(GrantRepository)
    grant = await repo.get(grant_id, for_update=True)
    if grant is None:
        raise NotFound(message("registry.no_grant", grant_id=grant_id))
    if grant.revoked:
        raise Conflict(message("registry.grant_was_already_revoked"))
    if grant.role == Role.PROVINCE_OFFICE.value:
        if await repo.live_count(Role.PROVINCE_OFFICE.value, besides=grant_id) == 0:
            # nobody could grant anything again (only `ocop accounts create-admin`)
            raise Conflict(message("registry.last_provincial_office_grant_cannot_revoked"))
        if principal.is_bound_to(grant.login):  # the office would lock itself out by a slip
            raise Conflict(message("registry.you_cannot_revoke_your_own_provincial"))
    try:
        grant.revoke(principal.subject, uow.clock.now())
    except DomainError as error:
        raise Conflict(Text(error.vi, error.en)) from error
    uow.track(grant)
    await repo.save_revocation(grant)
    uow.record_change("grant", grant_id, f"{grant.role} of {shown(grant.login)} revoked",
                      grant_id=grant_id)
    await uow.commit()
    return grant_row(grant)


async def list_grants(uow: UnitOfWork, *, role: str | None, login: str | None,
                      include_revoked: bool, limit: int, offset: int) -> tuple[list[GrantRow], int]:
    return await uow.repository(GrantRepository).grants(
        role=role, login=_login(login) if login else None, include_revoked=include_revoked,
        limit=limit, offset=offset)


async def record_grant(uow: UnitOfWork, request: GrantRequest, by: str) -> GrantRow:
    """A grant made outside any request (`ocop accounts create-admin`), recorded and published
    the same way, attributed to `by`; an identical live grant is kept as it is."""
    login = _login(request.login)
    same = await uow.repository(GrantRepository).live(login, request.role)
    if same:
        return grant_row(same[0])
    row = await _store_grant(uow, login, request.role, request.scope, request.name, by)
    await uow.commit()
    return row


_KIND_VI = {"commune": "mã xã/phường", "department": "đơn vị (sở, ngành)",
            "showroom": "mã điểm bán"}


# -- the people who act for an entity ----------------------------------------------------------

async def add_member(uow: UnitOfWork, entity_id: str, raw_login: str, principal: Principal) -> str:
    login = _login(raw_login)
    repo = uow.repository(EntityRepository)
    member_id = str(uuid.uuid4())
    if not await repo.add_member(member_id, entity_id, login, principal.subject, uow.clock.now()):
        raise Conflict(message("registry.already_acts_entity", login=shown(login)))
    uow.record_change("entity", entity_id, f"{shown(login)} may act for the entity",
                      entity_id=entity_id)
    await uow.commit()
    return member_id


async def members_of(uow: UnitOfWork, entity_id: str) -> list[Any]:
    """The people who act for the entity besides whoever registered it (rows: id, login,
    added_by, added_at)."""
    return await uow.repository(EntityRepository).members(entity_id)


async def remove_member(uow: UnitOfWork, entity_id: str, member_id: str) -> None:
    if not await uow.repository(EntityRepository).remove_member(entity_id, member_id):
        raise NotFound(message("registry.no_member", member_id=member_id))
    uow.record_change("entity", entity_id, f"member {member_id} removed", entity_id=entity_id)
    await uow.commit()


# -- the council reading a dossier (from scoring's events) -------------------------------------

async def on_council_assigned(event: CouncilAssigned, uow: UnitOfWork) -> None:
    p = event.payload
    await uow.repository(CouncilReaderRepository).set_council_readers(
        p.evaluation_id, p.product_id, p.members if p.council_id else [], event.aggregate_version)
