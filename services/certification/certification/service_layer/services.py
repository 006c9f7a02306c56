"""Certification use cases (walking skeleton: issue on a 3★+ result, verify, revoke)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import insert, select, update

from ocop_shared.contracts import CertificateRevoked, Certified, Scored
from ocop_shared.contracts.certification_events import CertificateRevokedPayload, CertifiedPayload
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.http.problems import Conflict, NotFound, Text
from ocop_shared.messaging.outbox import new_event

from ..adapters.tables import certificates, counters, history
from ..domain.validity import valid_until

SERVICE = "certification"
ACTIVE = "active"
REVOKED = "revoked"


async def next_value(uow: UnitOfWork, name: str) -> int:
    current = await uow.session.scalar(
        select(counters.c.value).where(counters.c.name == name).with_for_update())
    if current is None:
        await uow.session.execute(insert(counters).values(name=name, value=1))
        return 1
    await uow.session.execute(update(counters).where(counters.c.name == name)
                              .values(value=current + 1))
    return int(current) + 1


async def on_scored(event: Scored, uow: UnitOfWork, base_url: str) -> None:
    p = event.payload
    if not p.recognising or p.stars < 3:
        return
    already = await uow.session.scalar(
        select(certificates.c.id).where(certificates.c.evaluation_id == p.evaluation_id))
    if already is not None:
        return
    issued_on = uow.clock.now().date()
    serial = await next_value(uow, f"product-code:{p.commune_code}:{issued_on.year}")
    number_seq = await next_value(uow, f"certificate:{p.province_code}:{issued_on.year}")
    number = f"{p.province_code}-{issued_on.year}-{number_seq:05d}"
    product_code = f"{p.province_code}-{p.commune_code}-{serial}-{issued_on.year}"
    authority = "Bộ Nông nghiệp và Môi trường" if p.stars == 5 else "UBND tỉnh An Giang"
    certificate_id = str(uuid.uuid4())
    until = valid_until(issued_on)
    await uow.session.execute(insert(certificates).values(
        id=certificate_id, number=number, evaluation_id=p.evaluation_id,
        product_id=p.product_id, product_code=product_code, product_name=p.product_name,
        entity_id=p.entity_id, entity_name=p.entity_name, stars=p.stars,
        regulation=p.regulation, decision_no=p.council_decision_ref, authority=authority,
        issued_on=issued_on, valid_until=until, status=ACTIVE, version=1,
    ))
    await uow.session.execute(insert(history).values(
        certificate_id=certificate_id, at=uow.clock.now(), status=ACTIVE,
        reason=f"issued on result {p.mean_score} ({p.stars}★)"))
    await uow.emit(new_event(
        Certified,
        CertifiedPayload(
            certificate_id=certificate_id, number=number, product_id=p.product_id,
            product_code=product_code, product_name=p.product_name, entity_id=p.entity_id,
            entity_name=p.entity_name, stars=p.stars, regulation=p.regulation,
            decision_no=p.council_decision_ref, issued_on=issued_on, valid_until=until,
            authority=authority, verification_url=f"{base_url}/certification/verify/{number}",
        ),
        aggregate_id=certificate_id, aggregate_version=1, producer=SERVICE, clock=uow.clock,
    ))


async def revoke(uow: UnitOfWork, *, number: str, grounds: list[int], decision_no: str,
                 reason: str) -> None:
    row = (await uow.session.execute(
        select(certificates).where(certificates.c.number == number))).first()
    if row is None:
        raise NotFound(Text(f"Không tìm thấy giấy chứng nhận {number}",
                            f"No certificate {number}"))
    if row.status != ACTIVE:
        raise Conflict(Text(f"Giấy chứng nhận {number} không còn hiệu lực ({row.status})",
                            f"Certificate {number} is not active ({row.status})"))
    today: date = uow.clock.now().date()
    version = row.version + 1
    await uow.session.execute(update(certificates).where(certificates.c.id == row.id)
                              .values(status=REVOKED, version=version))
    await uow.session.execute(insert(history).values(
        certificate_id=row.id, at=uow.clock.now(), status=REVOKED,
        reason=f"revoked by {decision_no} (grounds {grounds}): {reason}"))
    await uow.emit(new_event(
        CertificateRevoked,
        CertificateRevokedPayload(certificate_id=row.id, number=number, product_id=row.product_id,
                                  grounds=grounds, decision_no=decision_no, revoked_on=today,
                                  reason=reason),
        aggregate_id=row.id, aggregate_version=version, producer=SERVICE, clock=uow.clock,
    ))
    await uow.commit()
