"""Fairs and their exhibitors (fairs, fair_exhibitors)."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.clock import aware

from ..domain.fairs import Exhibitor, Fair
from .tables import fair_exhibitors, fairs


class FairRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, fair_id: str) -> Fair | None:
        """The fair; its version is how many exhibitors it has (its stream: one event each)."""
        exhibitors = select(func.count()).select_from(fair_exhibitors).where(
            fair_exhibitors.c.fair_id == fairs.c.id).scalar_subquery()
        row = (await self.session.execute(select(fairs, exhibitors.label("exhibitors")).where(
            fairs.c.id == fair_id))).first()
        if row is None:
            return None
        return Fair(id=row.id, name=row.name, starts_on=row.starts_on, ends_on=row.ends_on,
                    place=row.place, version=int(row.exhibitors or 0))

    async def exists(self, fair_id: str) -> bool:
        return bool(await self.session.scalar(select(fairs.c.id).where(fairs.c.id == fair_id)))

    async def add(self, fair: Fair) -> None:
        await self.session.execute(insert(fairs).values(
            id=fair.id, name=fair.name, starts_on=fair.starts_on, ends_on=fair.ends_on,
            place=fair.place))

    async def is_exhibitor(self, fair_id: str, product_id: str) -> bool:
        return bool(await self.session.scalar(select(fair_exhibitors.c.product_id).where(
            fair_exhibitors.c.fair_id == fair_id, fair_exhibitors.c.product_id == product_id)))

    async def add_exhibitor(self, exhibitor: Exhibitor) -> None:
        await self.session.execute(insert(fair_exhibitors).values(
            fair_id=exhibitor.fair_id, product_id=exhibitor.product_id,
            certificate_number=exhibitor.certificate_number, registered_at=exhibitor.registered_at))

    async def record_result(self, fair_id: str, product_id: str, *, sales_vnd: int, contracts: int,
                            notes: str) -> bool:
        """Record what an exhibitor sold; False when the product is not an exhibitor."""
        result = await self.session.execute(update(fair_exhibitors).where(
            fair_exhibitors.c.fair_id == fair_id, fair_exhibitors.c.product_id == product_id)
            .values(sales_vnd=sales_vnd, contracts=contracts, notes=notes))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def exhibitors(self, fair_id: str) -> list[Exhibitor]:
        """The fair's exhibitors in the order they registered."""
        rows = (await self.session.execute(select(fair_exhibitors).where(
            fair_exhibitors.c.fair_id == fair_id).order_by(fair_exhibitors.c.registered_at))).all()
        return [Exhibitor(fair_id=r.fair_id, product_id=r.product_id,
                          certificate_number=r.certificate_number,
                          registered_at=aware(r.registered_at), sales_vnd=r.sales_vnd,
                          contracts=r.contracts, notes=r.notes) for r in rows]
