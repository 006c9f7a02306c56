"""The certified-product projection's rows (certified_products) and how catalog items are stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.clock import aware

from ..domain.catalog import CatalogItem, CertifiedProduct, Removal
from .tables import certified_products

_DATES = ("issued_on", "valid_until", "extended_until")


def item_json(item: CatalogItem) -> dict[str, Any]:
    data = asdict(item)
    for key in _DATES:
        if data.get(key) is not None:
            data[key] = data[key].isoformat()
    return data


def item_of(data: dict[str, Any]) -> CatalogItem:
    return CatalogItem(**{**data, **{key: date.fromisoformat(data[key]) for key in _DATES
                                     if data.get(key) is not None}})


class ProductRepository:
    """Products as the trade service knows their certificates."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, product_id: str) -> CertifiedProduct | None:
        """The product, its row locked until the transaction ends (None when unknown)."""
        row = (await self.session.execute(select(certified_products).where(
            certified_products.c.product_id == product_id).with_for_update())).first()
        if row is None:
            return None
        return CertifiedProduct(product_id=row.product_id, item=item_of(row.item),
                                listed=row.listed,
                                removal=Removal(row.removal) if row.removal else None,
                                changed_at=aware(row.changed_at))

    async def save(self, product: CertifiedProduct, *, exists: bool) -> None:
        values = dict(item=item_json(product.item),
                      certificate_number=product.item.certificate_number, listed=product.listed,
                      removal=product.removal.value if product.removal else None,
                      changed_at=product.changed_at)
        if exists:
            await self.session.execute(update(certified_products).where(
                certified_products.c.product_id == product.product_id).values(**values))
        else:
            await self.session.execute(insert(certified_products).values(
                product_id=product.product_id, **values))

    async def certificate_number(self, product_id: str) -> str:
        number = await self.session.scalar(select(certified_products.c.certificate_number).where(
            certified_products.c.product_id == product_id))
        return str(number or "")

    async def listed(self, product_ids: Sequence[str] | None = None) -> list[CatalogItem]:
        """The items of listed products (of `product_ids` only, when given), by product id."""
        query = select(certified_products.c.item).where(certified_products.c.listed)
        if product_ids is not None:
            query = query.where(certified_products.c.product_id.in_(list(product_ids)))
        rows = (await self.session.execute(query.order_by(certified_products.c.product_id))).all()
        return [item_of(row.item) for row in rows]
