"""Loading and saving registry aggregates."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.contracts.common import LegalForm

from ..domain.model import Entity, Product, ProductStatus, TimelineEntry
from . import tables


class RegistryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def registration_taken(self, registration_no: str) -> bool:
        found = await self.session.scalar(
            select(tables.entities.c.id).where(
                tables.entities.c.registration_no == registration_no)
        )
        return found is not None

    async def add_entity(self, entity: Entity) -> None:
        await self.session.execute(insert(tables.entities).values(
            id=entity.id, name=entity.name, legal_form=entity.legal_form.value,
            registration_no=entity.registration_no, commune_code=entity.commune_code,
            province_code=entity.province_code, representative_name=entity.representative_name,
            representative_female=entity.representative_female,
            representative_ethnic_minority=entity.representative_ethnic_minority,
            representative_disabled=entity.representative_disabled, version=entity.version,
        ))

    async def get_entity(self, entity_id: str) -> Entity | None:
        row = (await self.session.execute(
            select(tables.entities).where(tables.entities.c.id == entity_id))).first()
        if row is None:
            return None
        return Entity(
            id=row.id, name=row.name, legal_form=LegalForm(row.legal_form),
            registration_no=row.registration_no, commune_code=row.commune_code,
            province_code=row.province_code, representative_name=row.representative_name,
            representative_female=row.representative_female,
            representative_ethnic_minority=row.representative_ethnic_minority,
            representative_disabled=row.representative_disabled, version=row.version,
        )

    async def add_product(self, product: Product) -> None:
        await self.session.execute(insert(tables.products).values(
            id=product.id, entity_id=product.entity_id, name=product.name,
            product_set_no=product.product_set_no, status=product.status.value,
            version=product.version,
        ))
        await self._append_timeline(product, 0)

    async def get_product(self, product_id: str) -> Product | None:
        row = (await self.session.execute(
            select(tables.products).where(tables.products.c.id == product_id))).first()
        if row is None:
            return None
        entries = (await self.session.execute(
            select(tables.timeline).where(tables.timeline.c.product_id == product_id)
            .order_by(tables.timeline.c.seq))).all()
        return Product(
            id=row.id, entity_id=row.entity_id, name=row.name,
            product_set_no=row.product_set_no, status=ProductStatus(row.status),
            version=row.version,
            timeline=[TimelineEntry(at=e.at, status=ProductStatus(e.status), note=e.note)
                      for e in entries],
        )

    async def save_product(self, product: Product, timeline_before: int) -> None:
        await self.session.execute(
            update(tables.products).where(tables.products.c.id == product.id)
            .values(status=product.status.value, version=product.version, name=product.name)
        )
        await self._append_timeline(product, timeline_before)

    async def _append_timeline(self, product: Product, already_saved: int) -> None:
        new = product.timeline[already_saved:]
        if new:
            await self.session.execute(insert(tables.timeline), [
                {"product_id": product.id, "at": e.at, "status": e.status.value, "note": e.note}
                for e in new
            ])

    async def add_submission(self, submission_id: str, product_id: str, round_id: str,
                             case: str, at: object) -> None:
        await self.session.execute(insert(tables.submissions).values(
            id=submission_id, product_id=product_id, round_id=round_id, case=case,
            submitted_at=at))
