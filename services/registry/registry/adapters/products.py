"""Loading and saving products and their timelines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from ..domain.model import Product, ProductStatus, TimelineEntry
from . import tables
from .sql import Scope, SqlRepository, utc


class ProductRepository(SqlRepository):
    async def add_product(self, product: Product, at: datetime) -> None:
        await self.session.execute(insert(tables.products).values(
            id=product.id, entity_id=product.entity_id, name=product.name,
            product_set_no=product.product_set_no, description=product.description,
            certificate_active=False, created_at=at, version=product.version))
        await self.save_timeline(product, 0)

    async def get_product(self, product_id: str, *, for_update: bool = False) -> Product | None:
        query = select(tables.products).where(tables.products.c.id == product_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        entries = (await self.session.execute(
            select(tables.timeline).where(tables.timeline.c.product_id == product_id)
            .order_by(tables.timeline.c.seq))).all()
        return Product(
            id=row.id, entity_id=row.entity_id, name=row.name,
            product_set_no=row.product_set_no, description=row.description,
            product_code=row.product_code, version=row.version,
            timeline=[TimelineEntry(at=utc(e.at), status=ProductStatus(e.status), note=e.note)
                      for e in entries],
            certificate_number=row.certificate_number, certificate_stars=row.certificate_stars,
            certificate_valid_until=row.certificate_valid_until,
            certificate_active=row.certificate_active,
        )

    async def products_of(self, entity_id: str) -> list[Product]:
        ids = await self.session.scalars(select(tables.products.c.id).where(
            tables.products.c.entity_id == entity_id).order_by(tables.products.c.created_at))
        return [p for p in [await self.get_product(i) for i in ids] if p is not None]

    async def entity_has_product(self, entity_id: str, product_ids: Iterable[str]) -> bool:
        p = tables.products
        found = await self.session.scalar(select(p.c.id).where(
            p.c.entity_id == entity_id, p.c.id.in_(list(product_ids))).limit(1))
        return found is not None

    async def certificate_event_at(self, product_id: str) -> datetime | None:
        value = await self.session.scalar(select(tables.products.c.certificate_event_at).where(
            tables.products.c.id == product_id))
        return utc(value) if value else None

    async def save_product(self, product: Product, timeline_before: int,
                           certificate_event_at: datetime | None = None) -> None:
        values: dict[str, Any] = dict(
            name=product.name, description=product.description, version=product.version,
            product_code=product.product_code, certificate_number=product.certificate_number,
            certificate_stars=product.certificate_stars,
            certificate_valid_until=product.certificate_valid_until,
            certificate_active=product.certificate_active)
        if certificate_event_at is not None:
            values["certificate_event_at"] = certificate_event_at
        await self.session.execute(update(tables.products).where(
            tables.products.c.id == product.id).values(**values))
        await self.save_timeline(product, timeline_before)

    async def save_timeline(self, product: Product, already_saved: int) -> None:
        new = product.timeline[already_saved:]
        if new:
            await self.session.execute(insert(tables.timeline), [
                {"product_id": product.id, "at": e.at, "status": e.status.value, "note": e.note}
                for e in new])

    async def list_products(self, scope: Scope, *, limit: int,
                            offset: int) -> tuple[list[Any], int]:
        p, e = tables.products, tables.entities
        query = select(p.c.id, p.c.name, p.c.entity_id, p.c.product_set_no, p.c.product_code,
                       p.c.certificate_number, p.c.certificate_stars, p.c.certificate_active,
                       e.c.name.label("entity_name"), e.c.commune_code).join(
            e, e.c.id == p.c.entity_id).where(scope.clause())
        rows = await self._page(query.order_by(p.c.name, p.c.id), limit, offset)
        return list(rows), await self._count(query)
