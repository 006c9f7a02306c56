"""The representative's rights over what the registry holds: withdrawing consent, a copy of
everything, erasure. Each change and each copy handed out is on the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ocop_shared.auth import Principal, Role
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, Forbidden, Text
from ocop_shared.i18n import message

from ..adapters.repository import (
    DocumentRepository,
    DossierRepository,
    EntityRepository,
    ProductRepository,
)
from ..domain.documents import Document
from ..domain.dossier import Dossier
from ..domain.errors import DomainError
from ..domain.model import Entity, Product
from ..domain.personal_data import RETAINED_ELSEWHERE, Consent, Erasure, Note, erase, forget
from .records import entity_for, not_found


def may_see_personal_data(principal: Principal, entity: Entity) -> None:
    """The provincial office, and whoever registered the entity (not the people it added to
    act for it: the data is the representative's, not the business's)."""
    if principal.has(Role.PROVINCE_OFFICE) or (
            principal.has(Role.ENTITY_USER) and entity.owner_subject == principal.subject):
        return
    raise Forbidden(message("registry.only_whoever_registered_entity_provincial_office"))


async def _entity(uow: UnitOfWork, entity_id: str, principal: Principal) -> Entity:
    entity = await entity_for(uow, entity_id)
    may_see_personal_data(principal, entity)
    return entity


async def withdraw_consent(uow: UnitOfWork, entity_id: str, consent_id: str,
                           principal: Principal) -> Consent:
    """The representative withdraws their consent: the data it covered is erased at once."""
    entity = await _entity(uow, entity_id, principal)
    repo = uow.repository(EntityRepository)
    consent = next((c for c in await repo.consents_of(entity_id) if c.id == consent_id), None)
    if consent is None:
        raise not_found("sự đồng ý", "consent", consent_id)
    try:
        consent.withdraw(principal.subject, uow.clock.now())
    except DomainError as error:
        raise Conflict(Text(error.vi, error.en)) from error
    forget(entity, consent.data_kinds)
    entity.version += 1
    await repo.save_consent(consent)
    await repo.save_entity(entity)
    # the trail is append-only and read by the office: it never says which data was held
    uow.record_change("entity", entity_id,
                      f"consent {consent_id} withdrawn; the data it covered erased",
                      entity_id=entity_id)
    await uow.commit()
    return consent


@dataclass(frozen=True)
class ProductRecords:
    product: Product
    dossiers: list[Dossier]
    documents: list[Document]


@dataclass(frozen=True)
class PersonalData:
    entity: Entity
    registered_at: datetime | None
    members: list[tuple[str, str, str, datetime]]  # id, login, added_by, added_at
    products: list[ProductRecords]
    consents: list[Consent]
    retained: tuple[Note, ...] = RETAINED_ELSEWHERE


async def export(uow: UnitOfWork, entity_id: str, principal: Principal) -> PersonalData:
    """Everything the registry holds about the entity and its representative (a copy handed
    out is on the record, as a dossier's file is)."""
    entity = await _entity(uow, entity_id, principal)
    repo = uow.repository(EntityRepository)
    dossiers, documents = uow.repository(DossierRepository), uow.repository(DocumentRepository)
    products = [ProductRecords(p, await dossiers.dossiers_of(p.id),
                               await documents.documents_of(p.id))
                for p in await uow.repository(ProductRepository).products_of(entity_id)]
    data = PersonalData(
        entity=entity, registered_at=await repo.entity_created_at(entity_id),
        members=[(m.id, m.login, m.added_by, m.added_at) for m in await repo.members(entity_id)],
        products=products, consents=await repo.consents_of(entity_id))
    uow.record_change("entity", entity_id, "personal data exported", entity_id=entity_id)
    await uow.commit()
    return data


async def request_erasure(uow: UnitOfWork, entity_id: str, principal: Principal) -> Erasure:
    """Erase what the law lets go; say what is kept and why."""
    entity = await _entity(uow, entity_id, principal)
    repo = uow.repository(EntityRepository)
    consents = await repo.consents_of(entity_id)
    result = erase(entity, consents, in_progress=await _in_progress(uow, entity_id),
                   by=principal.subject, at=uow.clock.now())
    await repo.save_entity(entity)
    for consent in consents:
        await repo.save_consent(consent)
    uow.record_change("entity", entity_id, "erasure request: the representative's criterion "
                      "3.2 facts, consents and erasable contact data erased", entity_id=entity_id)
    await uow.commit()
    return result


async def _in_progress(uow: UnitOfWork, entity_id: str) -> bool:
    """A dossier not yet evaluated, or a valid certificate: the entity must stay reachable."""
    dossiers = uow.repository(DossierRepository)
    for product in await uow.repository(ProductRepository).products_of(entity_id):
        if product.certificate_active or await dossiers.open_dossier_of(product.id) is not None:
            return True
    return False
