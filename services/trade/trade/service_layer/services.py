"""Trade use cases (walking skeleton: the province-wide catalog of certified products)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from ocop_shared.contracts import (
    CatalogEntryAdded,
    CatalogEntryRemoved,
    CertificateExpired,
    CertificateRevoked,
    Certified,
    RemovalReason,
)
from ocop_shared.contracts.trade_events import CatalogEntryAddedPayload, CatalogEntryRemovedPayload
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.messaging.outbox import new_event

from ..adapters.tables import catalog_entries, catalogs

SERVICE = "trade"
PROVINCE_CATALOG = "province"


async def _bump(uow: UnitOfWork, catalog_id: str) -> int:
    current = await uow.session.scalar(
        select(catalogs.c.version).where(catalogs.c.id == catalog_id).with_for_update())
    if current is None:
        await uow.session.execute(insert(catalogs).values(id=catalog_id, version=1))
        return 1
    await uow.session.execute(update(catalogs).where(catalogs.c.id == catalog_id)
                              .values(version=current + 1))
    return int(current) + 1


async def on_certified(event: Certified, uow: UnitOfWork) -> None:
    p = event.payload
    version = await _bump(uow, PROVINCE_CATALOG)
    values = dict(
        product_name=p.product_name, product_code=p.product_code, entity_name=p.entity_name,
        stars=p.stars, certificate_id=p.certificate_id, certificate_number=p.number,
        valid_until=p.valid_until, verification_url=p.verification_url,
        catalog_version=version,
    )
    await uow.session.execute(delete(catalog_entries).where(
        catalog_entries.c.catalog_id == PROVINCE_CATALOG,
        catalog_entries.c.product_id == p.product_id))
    await uow.session.execute(insert(catalog_entries).values(
        catalog_id=PROVINCE_CATALOG, product_id=p.product_id, **values))
    await uow.emit(new_event(
        CatalogEntryAdded,
        CatalogEntryAddedPayload(
            catalog_id=PROVINCE_CATALOG, catalog_version=version, product_id=p.product_id,
            product_name=p.product_name, product_code=p.product_code, entity_name=p.entity_name,
            stars=p.stars, certificate_number=p.number, valid_until=p.valid_until,
            verification_url=p.verification_url,
        ),
        aggregate_id=PROVINCE_CATALOG, aggregate_version=version, producer=SERVICE,
        clock=uow.clock,
    ))


async def _remove(uow: UnitOfWork, certificate_id: str, reason: RemovalReason) -> None:
    row = (await uow.session.execute(select(catalog_entries).where(
        catalog_entries.c.catalog_id == PROVINCE_CATALOG,
        catalog_entries.c.certificate_id == certificate_id))).first()
    if row is None:
        return
    version = await _bump(uow, PROVINCE_CATALOG)
    await uow.session.execute(delete(catalog_entries).where(
        catalog_entries.c.catalog_id == PROVINCE_CATALOG,
        catalog_entries.c.product_id == row.product_id))
    await uow.emit(new_event(
        CatalogEntryRemoved,
        CatalogEntryRemovedPayload(catalog_id=PROVINCE_CATALOG, catalog_version=version,
                                   product_id=row.product_id,
                                   certificate_number=row.certificate_number, reason=reason),
        aggregate_id=PROVINCE_CATALOG, aggregate_version=version, producer=SERVICE,
        clock=uow.clock,
    ))


async def on_certificate_revoked(event: CertificateRevoked, uow: UnitOfWork) -> None:
    await _remove(uow, event.payload.certificate_id, RemovalReason.REVOKED)


async def on_certificate_expired(event: CertificateExpired, uow: UnitOfWork) -> None:
    await _remove(uow, event.payload.certificate_id, RemovalReason.EXPIRED)
