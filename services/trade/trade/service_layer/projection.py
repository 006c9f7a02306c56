"""The certified-product projection: certificates' events put products in the catalogs that
carry them and take them out again (handlers of ocop.certification.certificate.v1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ocop_shared.contracts import (
    CertificateExpired,
    CertificateExtended,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
)
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.db.uow import UnitOfWork

from ..adapters.products import ProductRepository
from ..domain.catalog import (
    CatalogItem,
    Removal,
    on_certificate_ended,
    on_certificate_extended,
    on_certified,
)
from .catalogs import append_changes, lock_membership, prepare_certificate_batch

CERTIFICATE_EVENTS = (Certified, CertificateRevoked, CertificateExpired, CertificateExtended, CertificateSuperseded)


async def prepare_batch(uow: UnitOfWork, events: Sequence[Envelope[Any]]) -> None:
    """Loads what a batch of certificate events will read (see `prepare_certificate_batch`)."""
    await prepare_certificate_batch(uow, sorted({e.payload.product_id for e in events
                                                 if isinstance(e, CERTIFICATE_EVENTS)}))


async def on_certified_event(event: Certified, uow: UnitOfWork) -> None:
    p = event.payload
    item = CatalogItem(product_id=p.product_id, product_name=p.product_name,
                       product_code=p.product_code, entity_name=p.entity_name, stars=p.stars,
                       certificate_id=p.certificate_id, certificate_number=p.number,
                       issued_on=p.issued_on, valid_until=p.valid_until,
                       verification_url=p.verification_url)
    products = uow.repository(ProductRepository)
    current = await products.get(p.product_id)
    updated = on_certified(current, item, event.occurred_at)
    if updated is None:
        return
    await products.save(updated)
    catalogs = await lock_membership(uow)
    await append_changes(uow, await catalogs.carrying(p.product_id), p.product_id, item, None)


async def _ended(uow: UnitOfWork, product_id: str, number: str, removal: Removal,
                 at: datetime) -> None:
    products = uow.repository(ProductRepository)
    updated = on_certificate_ended(await products.get(product_id), number, removal, at)
    if updated is None:
        return
    await products.save(updated)
    catalogs = await lock_membership(uow)
    await append_changes(uow, await catalogs.listing(product_id), product_id, None, removal)


async def on_certificate_extended_event(event: CertificateExtended, uow: UnitOfWork) -> None:
    p = event.payload
    products = uow.repository(ProductRepository)
    current = await products.get(p.product_id)
    updated = on_certificate_extended(current, p.number, p.extended_until, event.occurred_at)
    if updated is None:
        return
    await products.save(updated)
    catalogs = await lock_membership(uow)
    await append_changes(uow, await catalogs.listing(p.product_id), p.product_id, updated.item, None)


async def on_certificate_revoked(event: CertificateRevoked, uow: UnitOfWork) -> None:
    p = event.payload
    await _ended(uow, p.product_id, p.number, Removal.REVOKED, event.occurred_at)


async def on_certificate_expired(event: CertificateExpired, uow: UnitOfWork) -> None:
    p = event.payload
    await _ended(uow, p.product_id, p.number, Removal.EXPIRED, event.occurred_at)


async def on_certificate_superseded(event: CertificateSuperseded, uow: UnitOfWork) -> None:
    p = event.payload
    await _ended(uow, p.product_id, p.number, Removal.SUPERSEDED, event.occurred_at)
