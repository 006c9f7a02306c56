"""Trade HTTP API."""


from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from ocop_shared.runtime import ServiceRuntime

from ..adapters.tables import catalog_entries, catalogs


class EntryOut(BaseModel):
    product_id: str
    product_name: str
    product_code: str
    entity_name: str
    stars: int
    certificate_number: str
    valid_until: date
    verification_url: str


class CatalogOut(BaseModel):
    catalog_id: str
    version: int
    entries: list[EntryOut]


def build_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/trade", tags=["trade"])

    @router.get("/catalogs/{catalog_id}", response_model=CatalogOut,
                summary="Products with a valid certificate in a catalog")
    async def catalog(catalog_id: str) -> CatalogOut:
        async with runtime.uow() as uow:
            version = await uow.session.scalar(
                select(catalogs.c.version).where(catalogs.c.id == catalog_id))
            rows = (await uow.session.execute(
                select(catalog_entries).where(catalog_entries.c.catalog_id == catalog_id)
                .order_by(catalog_entries.c.product_name))).all()
        return CatalogOut(
            catalog_id=catalog_id, version=int(version or 0),
            entries=[EntryOut(product_id=r.product_id, product_name=r.product_name,
                              product_code=r.product_code, entity_name=r.entity_name,
                              stars=r.stars, certificate_number=r.certificate_number,
                              valid_until=r.valid_until, verification_url=r.verification_url)
                     for r in rows],
        )

    return router
