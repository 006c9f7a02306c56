"""The `access_grants` table every service carries, how events fill it, how requests read it.

The registry records grants (its table is the original); every other service keeps a copy
filled from `ocop.registry.access.v1`, so each decides who may do what from its own
database, and a revoked grant stops working everywhere within a moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, select, update

from ..auth.principal import Access
from ..auth.roles import Role
from ..auth.tokens import VerifiedToken
from ..contracts.access_events import AccessGranted, AccessRevoked
from ..db.uow import UnitOfWork
from ..readcache import ReadCache


def add_access_table(metadata: MetaData) -> Table:
    table = Table(
        "access_grants",
        metadata,
        Column("grant_id", String(64), primary_key=True),
        Column("login", String(300), nullable=False),
        Column("role", String(40), nullable=False),
        Column("scope", String(100), nullable=True),
        Column("name", String(200), nullable=False, default=""),
        Column("granted_by", String(200), nullable=False),
        Column("granted_at", DateTime(timezone=True), nullable=False),
        Column("revoked_at", DateTime(timezone=True), nullable=True),
        Column("revoked_by", String(200), nullable=True),
    )
    Index("ix_access_grants_login", table.c.login)
    return table


@dataclass(frozen=True)
class GrantRow:
    grant_id: str
    login: str
    role: str
    scope: str | None
    name: str
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None


def access_from_grants(grants: Iterable[GrantRow]) -> Access:
    roles: set[Role] = set()
    scopes: dict[str, set[str]] = {"commune_officer": set(), "inspector": set(),
                                   "showroom_operator": set()}
    for grant in grants:
        if grant.revoked_at is not None:
            continue
        roles.add(Role(grant.role))
        if grant.scope and grant.role in scopes:
            scopes[grant.role].add(grant.scope)
    return Access(roles=frozenset(roles), communes=frozenset(scopes["commune_officer"]),
                  departments=frozenset(scopes["inspector"]),
                  showrooms=frozenset(scopes["showroom_operator"]))


async def active_grants(uow: UnitOfWork, table: Table, identities: Iterable[str]) -> list[GrantRow]:
    rows = (await uow.session.execute(select(table).where(
        table.c.login.in_(sorted(identities)), table.c.revoked_at.is_(None)))).all()
    return [GrantRow(**row._mapping) for row in rows]


def grants_source(uow_factory: Callable[[], UnitOfWork], table: Table,
                  cache: ReadCache[frozenset[str], Access]) -> Callable[[VerifiedToken], Any]:
    """The roles a token's identities hold by grant, from this service's table (cached briefly;
    the service's own commits to the table empty the cache)."""

    async def load(identities: frozenset[str]) -> Access:
        async with uow_factory() as uow:
            return access_from_grants(await active_grants(uow, table, identities))

    async def source(token: VerifiedToken) -> Access:
        identities = token.identities
        return await cache.get_or_load(identities, lambda: load(identities))

    return source


def access_handlers(table: Table) -> dict[type[Any], Callable[[Any, UnitOfWork], Any]]:
    """Consumers that keep a service's copy of the registry's grants."""

    async def granted(event: AccessGranted, uow: UnitOfWork) -> None:
        p = event.payload
        exists = await uow.session.scalar(select(table.c.grant_id).where(
            table.c.grant_id == p.grant_id))
        if exists is None:
            await uow.session.execute(table.insert().values(
                grant_id=p.grant_id, login=p.login, role=p.role, scope=p.scope, name="",
                granted_by=p.granted_by, granted_at=event.occurred_at))

    async def revoked(event: AccessRevoked, uow: UnitOfWork) -> None:
        p = event.payload
        await uow.session.execute(update(table).where(
            table.c.grant_id == p.grant_id, table.c.revoked_at.is_(None)).values(
            revoked_at=event.occurred_at, revoked_by=p.revoked_by))

    return {AccessGranted: granted, AccessRevoked: revoked}
