"""What scoring and certification tell the registry: each event adds a step to the product's
timeline; certificates change what the product holds; the end of an evaluation closes its
dossier and ends the council's reading."""

from __future__ import annotations

from datetime import datetime

from ocop_shared.contracts import (
    CertificateExpired,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    EvaluationClosed,
    EvaluationOpened,
    Scored,
)
from ocop_shared.db.uow import UnitOfWork

from ..adapters.repository import CouncilReaderRepository, DossierRepository, ProductRepository
from ..domain.dossier import DossierStatus
from ..domain.model import Product, ProductStatus


async def _timeline(uow: UnitOfWork, product_id: str, status: ProductStatus, at: datetime,
                    note: str) -> Product | None:
    repo = uow.repository(ProductRepository)
    product = await repo.get_product(product_id, for_update=True)
    if product is None:
        return None
    before = len(product.timeline)
    product.add_step(status, at, note)
    await repo.save_product(product, before)
    return product


async def _evaluated(uow: UnitOfWork, submission_id: str) -> None:
    """The forwarded dossier has been evaluated."""
    repo = uow.repository(DossierRepository)
    dossier = await repo.get_dossier(submission_id, for_update=True)
    if dossier is not None and dossier.status is DossierStatus.FORWARDED:
        dossier.status = DossierStatus.EVALUATED
        await repo.save_dossier(dossier)


async def on_evaluation_opened(event: EvaluationOpened, uow: UnitOfWork) -> None:
    p = event.payload
    await _timeline(uow, p.product_id, ProductStatus.UNDER_EVALUATION, event.occurred_at,
                    f"{p.level.value} council evaluating")


async def on_evaluation_closed(event: EvaluationClosed, uow: UnitOfWork) -> None:
    p = event.payload
    await uow.repository(CouncilReaderRepository).end_council_reading(p.evaluation_id)
    status = ProductStatus.NOT_RECOGNISED if p.knocked_out else ProductStatus.WITHDRAWN
    await _timeline(uow, p.product_id, status, event.occurred_at,
                    f"evaluation closed: {p.reason}")
    if p.knocked_out:
        await _evaluated(uow, p.submission_id)


async def on_scored(event: Scored, uow: UnitOfWork) -> None:
    p = event.payload
    await uow.repository(CouncilReaderRepository).end_council_reading(p.evaluation_id)
    await _timeline(uow, p.product_id, ProductStatus.SCORED, event.occurred_at,
                    f"{p.level.value} council: {p.mean_score} points, {p.stars}★")
    if p.recognising:
        await _evaluated(uow, p.submission_id)


async def on_certified(event: Certified, uow: UnitOfWork) -> None:
    p = event.payload
    repo = uow.repository(ProductRepository)
    product = await repo.get_product(p.product_id, for_update=True)
    if product is None:
        return
    before = len(product.timeline)
    product.add_step(ProductStatus.CERTIFIED, event.occurred_at,
                     f"certificate {p.number}, {p.stars}★, valid until {p.valid_until} "
                     f"(decision {p.decision_no})")
    newest = await repo.certificate_event_at(product.id)
    if newest is None or event.occurred_at >= newest:
        product.product_code = product.product_code or p.product_code
        product.certificate_number = p.number
        product.certificate_stars = p.stars
        product.certificate_valid_until = p.valid_until
        product.certificate_active = True
        await repo.save_product(product, before, certificate_event_at=event.occurred_at)
    else:
        await repo.save_product(product, before)


async def _certificate_ended(uow: UnitOfWork, product_id: str, number: str,
                             status: ProductStatus, at: datetime, note: str) -> None:
    repo = uow.repository(ProductRepository)
    product = await repo.get_product(product_id, for_update=True)
    if product is None:
        return
    # Only the certificate the product currently holds can end it; a late event about an
    # older certificate (e.g. the one an upgrade superseded) is history, not state.
    if product.certificate_number != number:
        return
    before = len(product.timeline)
    product.add_step(status, at, note)
    product.certificate_active = False
    await repo.save_product(product, before, certificate_event_at=at)


async def on_certificate_revoked(event: CertificateRevoked, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate_ended(uow, p.product_id, p.number, ProductStatus.REVOKED,
                             event.occurred_at, f"certificate {p.number} revoked: {p.reason}")


async def on_certificate_expired(event: CertificateExpired, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate_ended(uow, p.product_id, p.number, ProductStatus.EXPIRED,
                             event.occurred_at, f"certificate {p.number} expired {p.expired_on}")


async def on_certificate_superseded(event: CertificateSuperseded, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate_ended(uow, p.product_id, p.number, ProductStatus.SUPERSEDED,
                             event.occurred_at,
                             f"certificate {p.number} superseded by {p.superseded_by}")
