"""What each till of a showroom acknowledged it holds (till_acks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.clock import aware

from .tables import till_acks


@dataclass(frozen=True)
class TillAck:
    terminal_id: str
    version: int
    acked_at: datetime


class TillRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def acknowledge(self, catalog_id: str, terminal_id: str, version: int, at: datetime) -> None:
        updated = await self.session.execute(update(till_acks).where(
            till_acks.c.catalog_id == catalog_id, till_acks.c.terminal_id == terminal_id)
            .values(version=version, acked_at=at))
        if not updated.rowcount:  # type: ignore[attr-defined]
            await self.session.execute(insert(till_acks).values(
                catalog_id=catalog_id, terminal_id=terminal_id, version=version, acked_at=at))

    async def acks(self, catalog_id: str) -> list[TillAck]:
        """The showroom's tills by terminal id."""
        rows = (await self.session.execute(select(till_acks).where(
            till_acks.c.catalog_id == catalog_id).order_by(till_acks.c.terminal_id))).all()
        return [TillAck(r.terminal_id, r.version, aware(r.acked_at)) for r in rows]
