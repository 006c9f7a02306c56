"""The certified-product projection's rows (certified_products) and how catalog items are stored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.clock import aware
from ocop_shared.db.engine import upsert_insert

from ..domain.catalog import CatalogItem, CertifiedProduct, Removal
from .tables import certified_products

_DATES = ("issued_on", "valid_until", "extended_until")


def item_json(item: CatalogItem) -> dict[str, Any]:
    data = {f.name: getattr(item, f.name) for f in fields(item)}  # flat values: no deep copy
    for key in _DATES:
        if data.get(key) is not None:
            data[key] = data[key].isoformat()
    return data


def item_of(data: dict[str, Any]) -> CatalogItem:
    return CatalogItem(**{**data, **{key: date.fromisoformat(data[key]) for key in _DATES
                                     if data.get(key) is not None}})


class ProductRepository:
    """Products as the trade service knows their certificates.

    One a transaction (`UnitOfWork.repository`): the products it reads are kept, their rows
    locked until the transaction ends, and what it saves is written in one statement just
    before the commit (`flush`), so a batch of certificate events costs two statements here,
    however many events it holds."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._known: dict[str, CertifiedProduct | None] = {}
        self._changed: dict[str, CertifiedProduct] = {}

    async def preload(self, product_ids: Iterable[str]) -> None:
        """Read (and lock, in id order) the products not read yet, in one statement."""
        wanted = sorted(set(product_ids) - self._known.keys())
        if not wanted:
            return
        rows = (await self.session.execute(select(certified_products).where(
            certified_products.c.product_id.in_(wanted)).order_by(certified_products.c.product_id)
            .with_for_update())).all()
        self._known.update(dict.fromkeys(wanted))
        for row in rows:
            self._known[row.product_id] = CertifiedProduct(
                product_id=row.product_id, item=item_of(row.item), listed=row.listed,
                removal=Removal(row.removal) if row.removal else None, changed_at=aware(row.changed_at))

    async def get(self, product_id: str) -> CertifiedProduct | None:
        """The product, its row locked until the transaction ends (None when unknown)."""
        await self.preload([product_id])
        return self._known[product_id]

    async def save(self, product: CertifiedProduct) -> None:
        """Kept until `flush`; `get` sees it at once."""
        self._known[product.product_id] = product
        self._changed[product.product_id] = product

    async def flush(self) -> None:
        """Every product saved since the last flush, in one statement."""
        if not self._changed:
            return
        changed, self._changed = list(self._changed.values()), {}
        rows = upsert_insert(self.session, certified_products)
        await self.session.execute(rows.on_conflict_do_update(index_elements=["product_id"], set_={
            column: rows.excluded[column]
            for column in ("item", "certificate_number", "listed", "removal", "changed_at")}), [{
                "product_id": p.product_id, "item": item_json(p.item),
                "certificate_number": p.item.certificate_number, "listed": p.listed,
                "removal": p.removal.value if p.removal else None, "changed_at": p.changed_at,
            } for p in changed])

    async def certificate_number(self, product_id: str) -> str:
        product = await self.get(product_id)
        return product.item.certificate_number if product is not None else ""

    async def listed(self, product_ids: Sequence[str] | None = None) -> list[CatalogItem]:
        """The items of listed products (of `product_ids` only, when given), by product id."""
        await self.flush()
        query = select(certified_products.c.item).where(certified_products.c.listed)
        if product_ids is not None:
            query = query.where(certified_products.c.product_id.in_(list(product_ids)))
        rows = (await self.session.execute(query.order_by(certified_products.c.product_id))).all()
        return [item_of(row.item) for row in rows]
