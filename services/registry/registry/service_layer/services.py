"""Registry use cases: each runs in one unit of work and emits its events through the outbox."""

from __future__ import annotations

import uuid

from ocop_shared.contracts import (
    CertificateExpired,
    CertificateRevoked,
    Certified,
    EntityRegistered,
    ProductRegistered,
    ProductSubmitted,
    Scored,
)
from ocop_shared.contracts.common import EntityFacts, EvaluationCase, LegalForm
from ocop_shared.contracts.registry_events import (
    EntityRegisteredPayload,
    ProductRegisteredPayload,
    ProductSubmittedPayload,
)
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.http.problems import Conflict, NotFound, Text, Unprocessable
from ocop_shared.messaging.outbox import new_event

from ..adapters.repository import RegistryRepository
from ..domain.model import DomainError, Entity, Product, ProductStatus

SERVICE = "registry"
REGULATION_IN_FORCE = "26/2026/QĐ-TTg"


async def register_entity(
    uow: UnitOfWork,
    *,
    name: str,
    legal_form: LegalForm,
    registration_no: str,
    commune_code: str,
    province_code: str,
    representative_name: str = "",
    representative_female: bool = False,
    representative_ethnic_minority: bool = False,
    representative_disabled: bool = False,
) -> Entity:
    repo = RegistryRepository(uow.session)
    if await repo.registration_taken(registration_no):
        raise Conflict(Text(f"Mã số đăng ký {registration_no} đã được dùng cho chủ thể khác",
                            f"Registration number {registration_no} is already registered"))
    entity = Entity(
        id=str(uuid.uuid4()), name=name, legal_form=legal_form, registration_no=registration_no,
        commune_code=commune_code, province_code=province_code,
        representative_name=representative_name, representative_female=representative_female,
        representative_ethnic_minority=representative_ethnic_minority,
        representative_disabled=representative_disabled, version=1,
    )
    await repo.add_entity(entity)
    await uow.emit(new_event(
        EntityRegistered,
        EntityRegisteredPayload(entity_id=entity.id, name=name, legal_form=legal_form,
                                registration_no=registration_no, commune_code=commune_code,
                                province_code=province_code),
        aggregate_id=entity.id, aggregate_version=1, producer=SERVICE, clock=uow.clock,
    ))
    await uow.commit()
    return entity


async def register_product(
    uow: UnitOfWork, *, entity_id: str, name: str, product_set_no: int
) -> Product:
    repo = RegistryRepository(uow.session)
    entity = await repo.get_entity(entity_id)
    if entity is None:
        raise NotFound(Text(f"Không tìm thấy chủ thể {entity_id}", f"No entity {entity_id}"))
    product = Product(id=str(uuid.uuid4()), entity_id=entity_id, name=name,
                      product_set_no=product_set_no, version=1)
    product.move(ProductStatus.DRAFT, uow.clock.now(), "registered")
    await repo.add_product(product)
    await uow.emit(new_event(
        ProductRegistered,
        ProductRegisteredPayload(product_id=product.id, entity_id=entity_id, name=name,
                                 product_set_no=product_set_no,
                                 commune_code=entity.commune_code,
                                 province_code=entity.province_code),
        aggregate_id=product.id, aggregate_version=1, producer=SERVICE, clock=uow.clock,
    ))
    await uow.commit()
    return product


async def submit_product(
    uow: UnitOfWork, *, product_id: str, round_id: str, case: EvaluationCase
) -> str:
    repo = RegistryRepository(uow.session)
    product = await repo.get_product(product_id)
    if product is None:
        raise NotFound(Text(f"Không tìm thấy sản phẩm {product_id}", f"No product {product_id}"))
    entity = await repo.get_entity(product.entity_id)
    assert entity is not None
    before = len(product.timeline)
    try:
        product.submit(case, uow.clock.now())
    except DomainError as error:
        raise Unprocessable(Text(error.vi, error.en)) from error
    product.version += 1
    submission_id = str(uuid.uuid4())
    await repo.add_submission(submission_id, product.id, round_id, case.value, uow.clock.now())
    await repo.save_product(product, before)
    await uow.emit(new_event(
        ProductSubmitted,
        ProductSubmittedPayload(
            product_id=product.id, submission_id=submission_id, round_id=round_id, case=case,
            product_name=product.name, product_set_no=product.product_set_no,
            regulation=REGULATION_IN_FORCE,
            entity=EntityFacts(
                entity_id=entity.id, name=entity.name, legal_form=entity.legal_form,
                commune_code=entity.commune_code, province_code=entity.province_code,
                representative_female=entity.representative_female,
                representative_ethnic_minority=entity.representative_ethnic_minority,
                representative_disabled=entity.representative_disabled,
            ),
        ),
        aggregate_id=product.id, aggregate_version=product.version, producer=SERVICE,
        clock=uow.clock,
    ))
    await uow.commit()
    return submission_id


async def _record_status(uow: UnitOfWork, product_id: str, status: ProductStatus,
                         note: str) -> None:
    repo = RegistryRepository(uow.session)
    product = await repo.get_product(product_id)
    if product is None:
        return
    before = len(product.timeline)
    product.move(status, uow.clock.now(), note)
    await repo.save_product(product, before)


async def on_scored(event: Scored, uow: UnitOfWork) -> None:
    p = event.payload
    await _record_status(uow, p.product_id, ProductStatus.SCORED,
                         f"{p.level} council: {p.mean_score} points, {p.stars}★")


async def on_certified(event: Certified, uow: UnitOfWork) -> None:
    p = event.payload
    await _record_status(uow, p.product_id, ProductStatus.CERTIFIED,
                         f"certificate {p.number}, {p.stars}★, valid until {p.valid_until}")


async def on_certificate_revoked(event: CertificateRevoked, uow: UnitOfWork) -> None:
    p = event.payload
    await _record_status(uow, p.product_id, ProductStatus.REVOKED,
                         f"certificate {p.number} revoked: {p.reason}")


async def on_certificate_expired(event: CertificateExpired, uow: UnitOfWork) -> None:
    p = event.payload
    await _record_status(uow, p.product_id, ProductStatus.EXPIRED,
                         f"certificate {p.number} expired on {p.expired_on}")
