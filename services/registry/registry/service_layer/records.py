"""What the registry's use cases share: finding the records they act on, and who may act on
them (the guard let the caller in by role, the permission matrix; these check the records: the
entities they registered or joined, their commune, the products their council evaluates)."""

from __future__ import annotations

from ocop_shared.auth import Principal, Role
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Forbidden, Invalid, NotFound, Text
from ocop_shared.i18n import message

from ..adapters.repository import DossierRepository, EntityRepository, ProductRepository
from ..domain.dossier import Dossier
from ..domain.errors import DomainError
from ..domain.model import Entity, Product
from .ports import Places

SERVICE = "registry"
REGULATION_IN_FORCE = "26/2026/QĐ-TTg"


def problem(error: DomainError) -> Invalid:
    return Invalid(Text(error.vi, error.en), field=error.field)


def in_province(uow: UnitOfWork, places: Places, commune_code: str, *, field: str | None) -> None:
    """422 (on `field`) unless the commune (as on the day, or its successor today) lies in the
    province the platform runs for; for a product or dossier: of an entity registered under
    another configuration."""
    try:
        places.check_in_province(commune_code, uow.clock.now().date(), uow.settings.province_code)
    except DomainError as error:
        error.field = field
        raise problem(error) from error


def not_found(what_vi: str, what_en: str, key: str) -> NotFound:
    return NotFound(message("common.no_such_record", what=Text(what_vi, what_en), key=key))


# -- who may act ------------------------------------------------------------------------------

def may_act_for(principal: Principal, entity: Entity) -> None:
    """Province office: everything; a producer: only the entities they act for."""
    if principal.has(Role.PROVINCE_OFFICE):
        return
    if principal.has(Role.ENTITY_USER) and entity.id in principal.entities:
        return
    raise Forbidden(message("registry.you_may_only_act_your_own"))


def may_read(principal: Principal, entity: Entity, product_id: str | None = None) -> None:
    """Besides who acts for the entity: its commune's officers, and the members of the council
    evaluating the product (while the evaluation is open)."""
    if principal.has(Role.COMMUNE_OFFICER) and entity.commune_code in principal.communes:
        return
    if product_id is not None and product_id in principal.products:
        return
    may_act_for(principal, entity)


async def may_read_entity(uow: UnitOfWork, principal: Principal, entity: Entity) -> None:
    """An entity is readable by the council evaluating one of its products too."""
    if principal.products and await uow.repository(ProductRepository).entity_has_product(
            entity.id, principal.products):
        return
    may_read(principal, entity)


# -- the records acted on ---------------------------------------------------------------------

async def entity_for(uow: UnitOfWork, entity_id: str) -> Entity:
    entity = await uow.repository(EntityRepository).get_entity(entity_id)
    if entity is None:
        raise not_found("chủ thể", "entity", entity_id)
    return entity


async def product_for(uow: UnitOfWork, product_id: str, *,
                      for_update: bool = False) -> tuple[Product, Entity]:
    product = await uow.repository(ProductRepository).get_product(product_id,
                                                                  for_update=for_update)
    if product is None:
        raise not_found("sản phẩm", "product", product_id)
    entity = await uow.repository(EntityRepository).get_entity(product.entity_id)
    assert entity is not None
    return product, entity


async def dossier_for(uow: UnitOfWork, dossier_id: str, *,
                      for_update: bool = False) -> tuple[Dossier, Product, Entity]:
    dossier = await uow.repository(DossierRepository).get_dossier(dossier_id,
                                                                  for_update=for_update)
    if dossier is None:
        raise not_found("hồ sơ", "dossier", dossier_id)
    product, entity = await product_for(uow, dossier.product_id)
    return dossier, product, entity
