"""Loading and saving the office's grants and the council members reading a dossier."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from ocop_shared.access import GrantRow

from ..domain.grants import Grant
from . import tables
from .sql import SqlRepository

_g = tables.access_grants


def _grant(row: Any) -> Grant:
    """A grant's stream has two events at most, so its version is what its row says."""
    return Grant(id=row.grant_id, login=row.login, role=row.role, scope=row.scope, name=row.name,
                 granted_by=row.granted_by, granted_at=row.granted_at, revoked_at=row.revoked_at,
                 revoked_by=row.revoked_by, version=2 if row.revoked_at is not None else 1)


class GrantRepository(SqlRepository):
    async def add(self, grant: Grant) -> None:
        await self.session.execute(insert(_g).values(
            grant_id=grant.id, login=grant.login, role=grant.role, scope=grant.scope,
            name=grant.name, granted_by=grant.granted_by, granted_at=grant.granted_at,
            revoked_at=grant.revoked_at, revoked_by=grant.revoked_by))

    async def get(self, grant_id: str, *, for_update: bool = False) -> Grant | None:
        query = select(_g).where(_g.c.grant_id == grant_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _grant(row) if row else None

    async def save_revocation(self, grant: Grant) -> None:
        await self.session.execute(update(_g).where(_g.c.grant_id == grant.id).values(
            revoked_at=grant.revoked_at, revoked_by=grant.revoked_by))

    async def live(self, login: str, role: str) -> list[Grant]:
        """The grants of `role` to `login` not revoked, any scope."""
        rows = (await self.session.execute(select(_g).where(
            _g.c.login == login, _g.c.role == role, _g.c.revoked_at.is_(None)))).all()
        return [_grant(r) for r in rows]

    async def live_count(self, role: str, *, besides: str) -> int:
        """How many grants of `role` are not revoked, besides grant `besides`."""
        return int((await self.session.execute(select(func.count()).select_from(_g).where(
            _g.c.role == role, _g.c.revoked_at.is_(None), _g.c.grant_id != besides)))
            .scalar_one())

    async def active_grants(self, identities: Iterable[str]) -> list[GrantRow]:
        rows = (await self.session.execute(select(_g).where(
            _g.c.login.in_(sorted(identities)), _g.c.revoked_at.is_(None)))).all()
        return [GrantRow(**row._mapping) for row in rows]

    async def grants(self, *, role: str | None, login: str | None, include_revoked: bool,
                     limit: int, offset: int) -> tuple[list[GrantRow], int]:
        query = select(_g)
        if role:
            query = query.where(_g.c.role == role)
        if login:
            query = query.where(_g.c.login == login)
        if not include_revoked:
            query = query.where(_g.c.revoked_at.is_(None))
        rows = await self._page(query.order_by(_g.c.granted_at.desc(), _g.c.grant_id), limit,
                                offset)
        return [GrantRow(**r._mapping) for r in rows], await self._count(query)


class CouncilReaderRepository(SqlRepository):
    """Who reads a product's dossier as a member of its council (projected from scoring)."""

    async def products_read_as_council(self, identities: Sequence[str]) -> list[str]:
        r = tables.council_readers
        return list(await self.session.scalars(select(r.c.product_id).where(
            r.c.login.in_(list(identities))).distinct()))

    async def set_council_readers(self, evaluation_id: str, product_id: str,
                                  logins: Sequence[str], version: int) -> None:
        r = tables.council_readers
        current = await self.session.scalar(select(func.max(r.c.version)).where(
            r.c.evaluation_id == evaluation_id))
        if current is not None and current > version:
            return  # an older assignment than the one applied
        await self.session.execute(delete(r).where(r.c.evaluation_id == evaluation_id))
        for login in sorted(set(logins)):
            await self.session.execute(insert(r).values(evaluation_id=evaluation_id,
                                                        product_id=product_id, login=login,
                                                        version=version))

    async def end_council_reading(self, evaluation_id: str) -> None:
        r = tables.council_readers
        await self.session.execute(delete(r).where(r.c.evaluation_id == evaluation_id))
