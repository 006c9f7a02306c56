"""What the registry's repositories share: the session, paging, the caller's scope, UTC times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from . import tables


@dataclass(frozen=True)
class Scope:
    """Which entities a caller may list: all, some communes', or the ones they act for."""

    communes: tuple[str, ...] | None = None
    entity_ids: tuple[str, ...] | None = None

    def clause(self) -> Any:
        e = tables.entities
        if self.entity_ids is not None:
            return e.c.id.in_(self.entity_ids)
        if self.communes is not None:
            return e.c.commune_code.in_(self.communes)
        return true()


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utc_or_none(moment: datetime | None) -> datetime | None:
    return utc(moment) if moment else None


def form_json(form: Any) -> dict[str, Any] | None:
    if form is None:
        return None
    data = asdict(form)
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
    return data


class SqlRepository:
    """A repository over this transaction's session (`UnitOfWork.repository` makes one)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _page(self, query: Select[Any], limit: int, offset: int) -> Sequence[Any]:
        rows: Sequence[Any] = (await self.session.execute(query.limit(limit).offset(offset))).all()
        return rows

    async def _count(self, query: Select[Any]) -> int:
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        return int(total or 0)
