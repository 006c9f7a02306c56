"""Registry use cases: registering entities and products, listing what a caller may see, and
the evaluation rounds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ocop_shared.auth import Principal, Role
from ocop_shared.contracts.common import LegalForm
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, Invalid
from ocop_shared.i18n import message

from ..adapters.repository import EntityRepository, ProductRepository, RoundRepository, Scope
from ..domain import validation
from ..domain.errors import DomainError
from ..domain.model import Entity, Product, declared_ethnicity
from ..domain.personal_data import ConsentGiven, consent_for, sensitive_kinds
from ..domain.rounds import Round
from .ports import Places, SheetCatalogue
from .records import entity_for, in_province, may_act_for, problem


def scope(principal: Principal) -> Scope:
    """The entities (and their products) a caller may list."""
    if principal.has(Role.PROVINCE_OFFICE):
        return Scope()
    if principal.has(Role.COMMUNE_OFFICER):
        return Scope(communes=tuple(sorted(principal.communes)))
    return Scope(entity_ids=tuple(sorted(principal.entities)))


# -- entities ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EntityData:
    name: str
    legal_form: LegalForm
    registration_no: str
    commune_code: str | None  # None: placed from `address` (a line typed by a person)
    address: str
    phone: str
    email: str
    representative_name: str
    representative_position: str = ""
    representative_female: bool = False
    representative_ethnicity: str = ""
    representative_disabled: bool = False
    consent: ConsentGiven | None = None  # needed with an ethnic minority or a disability


async def register_entity(uow: UnitOfWork, data: EntityData, places: Places,
                          principal: Principal) -> Entity:
    now = uow.clock.now()
    entity_id = str(uuid.uuid4())
    ethnicity = declared_ethnicity(data.representative_ethnicity)
    try:
        registration_no = validation.normalise_registration(data.registration_no,
                                                            data.legal_form)
        phone = validation.normalise_phone(data.phone)
        email = validation.normalise_email(data.email)
        if data.commune_code:
            place = places.resolve(data.commune_code, now.date())
        else:
            place = places.place_address(data.address, now.date()).place
        in_province(uow, places, place.commune_code, field="commune_code" if data.commune_code else "address")
        consent = consent_for(sensitive_kinds(ethnicity, data.representative_disabled),
                              data.consent, consent_id=str(uuid.uuid4()), entity_id=entity_id,
                              recorded_by=principal.subject, now=now)
    except DomainError as error:
        raise problem(error) from error
    repo = uow.repository(EntityRepository)
    if await repo.registration_taken(registration_no):
        raise Conflict(message("registry.registration_number_already_registered", registration_no=registration_no))
    entity = Entity(
        id=entity_id, name=data.name.strip(), legal_form=data.legal_form,
        registration_no=registration_no, commune_code=place.commune_code,
        province_code=place.province_code, address=data.address.strip(), phone=phone,
        email=email, representative_name=data.representative_name.strip(),
        representative_position=data.representative_position.strip(),
        representative_female=data.representative_female,
        representative_ethnicity=ethnicity,
        representative_disabled=data.representative_disabled,
        owner_subject=principal.subject,
    )
    entity.register(commune_name=place.commune_name or None, district_code=place.district_code,
                    district_name=place.district_name)
    uow.track(entity)
    await repo.add_entity(entity, now)
    if consent is not None:
        await repo.add_consent(consent)
    await uow.commit()
    return entity


async def list_entities(uow: UnitOfWork, principal: Principal, *, limit: int,
                        offset: int) -> tuple[list[Entity], int]:
    return await uow.repository(EntityRepository).list_entities(scope(principal), limit=limit,
                                                                offset=offset)


# -- products ---------------------------------------------------------------------------------

async def register_product(uow: UnitOfWork, *, entity_id: str, name: str, product_set_no: int,
                           description: str, catalogue: SheetCatalogue, regulation: str,
                           principal: Principal, places: Places) -> Product:
    entity = await entity_for(uow, entity_id)
    may_act_for(principal, entity)
    in_province(uow, places, entity.commune_code, field="entity_id")
    info = catalogue.product_set(regulation, product_set_no)
    if info is None:
        raise Invalid(message("registry.product_set_does_not_exist_valid",
                              product_set_no=product_set_no, regulation=regulation),
            field="product_set_no")
    product = Product(id=str(uuid.uuid4()), entity_id=entity_id, name=name.strip(),
                      product_set_no=product_set_no, description=description.strip())
    product.register(entity, uow.clock.now(), info.name_vi)
    uow.track(product)
    await uow.repository(ProductRepository).add_product(product, uow.clock.now())
    await uow.commit()
    return product


async def list_products(uow: UnitOfWork, principal: Principal, *, limit: int,
                        offset: int) -> tuple[list[Any], int]:
    """Product summaries with their entity's name and commune (rows, not aggregates)."""
    return await uow.repository(ProductRepository).list_products(scope(principal), limit=limit,
                                                                 offset=offset)


# -- rounds -----------------------------------------------------------------------------------

async def create_round(uow: UnitOfWork, round_: Round, catalogue: SheetCatalogue) -> Round:
    if round_.closes_on < round_.opens_on:
        raise Invalid(message("registry.closes_must_not_before_opens"), field="closes_on")
    if catalogue.product_set(round_.regulation, 1) is None and \
            catalogue.criteria(round_.regulation, 1) is None:
        raise Invalid(message("registry.regulation_not_loaded", round_regulation=round_.regulation),
                      field="regulation")
    repo = uow.repository(RoundRepository)
    if await repo.get_round(round_.id) is not None:
        raise Conflict(message("registry.round_exists", round_id=round_.id))
    await repo.add_round(round_)
    await uow.commit()
    return round_


async def list_rounds(uow: UnitOfWork) -> list[Round]:
    return await uow.repository(RoundRepository).list_rounds()
