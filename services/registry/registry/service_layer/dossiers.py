"""Registry use cases: a product's dossier, from its forms to its filing with the commune, the
commune's report that submits the product to the province, and its withdrawal."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime

from ocop_shared.auth import Principal, Role
from ocop_shared.contracts.common import EvaluationCase
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, Forbidden, Invalid, Text
from ocop_shared.i18n import message

from ..adapters.repository import (
    DocumentRepository,
    DossierRepository,
    ProductRepository,
    RoundRepository,
)
from ..domain import validation
from ..domain.documents import Document
from ..domain.dossier import (
    Dossier,
    DossierStatus,
    Form01,
    Form02,
    Form03,
    ProductFacts,
    manifest,
    missing_items,
)
from ..domain.errors import DomainError, Incomplete
from ..domain.model import Product, ProductStatus
from ..domain.rounds import Round, check_case_allowed, check_round_open
from .ports import Places, SheetCatalogue
from .records import dossier_for, in_province, may_act_for, may_read, not_found, problem, product_for


async def open_dossier(uow: UnitOfWork, *, product_id: str, case: EvaluationCase, round_id: str,
                       principal: Principal, places: Places) -> Dossier:
    """Start a dossier; an upgrade or re-rating starts from the last one's forms."""
    product, entity = await product_for(uow, product_id, for_update=True)
    may_act_for(principal, entity)
    in_province(uow, places, entity.commune_code, field=None)
    round_ = await uow.repository(RoundRepository).get_round(round_id)
    if round_ is None:
        raise not_found("đợt đánh giá", "round", round_id)
    try:
        check_case_allowed(case, uow.clock.now().date(), product.certificate_valid_until,
                           product.certificate_active)
    except DomainError as error:
        raise Conflict(Text(error.vi, error.en)) from error
    repo = uow.repository(DossierRepository)
    if await repo.open_dossier_of(product_id) is not None:
        raise Conflict(message("registry.product_already_has_dossier_progress"))
    previous = await repo.last_evaluated_dossier(product_id)
    dossier = Dossier(
        id=str(uuid.uuid4()), product_id=product_id, case=case, round_id=round_id,
        form01=replace(previous.form01, commitment=False) if previous and previous.form01
        else None,
        form02=replace(previous.form02, changes="") if previous and previous.form02 else None,
    )
    await repo.add_dossier(dossier)
    await uow.commit()
    return dossier


async def dossiers_of(uow: UnitOfWork, product_id: str, principal: Principal) -> list[Dossier]:
    """The product's dossiers, for whoever may read the product."""
    _, entity = await product_for(uow, product_id)
    may_read(principal, entity, product_id)
    return await uow.repository(DossierRepository).dossiers_of(product_id)


async def dossier_state(uow: UnitOfWork, dossier_id: str, catalogue: SheetCatalogue
                        ) -> tuple[Dossier, list[tuple[str, str]], list[Document]]:
    """A dossier, what it still misses, and its product's documents (the routes checked who
    may read it)."""
    dossier, product, _ = await dossier_for(uow, dossier_id)
    missing = await missing_for(uow, dossier, product, catalogue)
    return dossier, missing, await uow.repository(DocumentRepository).documents_of(product.id)


def _editable(dossier: Dossier) -> None:
    if dossier.status is not DossierStatus.DRAFT:
        raise Conflict(message("registry.dossier_has_been_filed_cannot_change", dossier_status=dossier.status))


async def _round_of(uow: UnitOfWork, dossier: Dossier) -> Round:
    round_ = await uow.repository(RoundRepository).get_round(dossier.round_id)
    assert round_ is not None
    return round_


async def save_form01(uow: UnitOfWork, dossier_id: str, form: Form01,
                      principal: Principal) -> Dossier:
    dossier, _, entity = await dossier_for(uow, dossier_id, for_update=True)
    may_act_for(principal, entity)
    _editable(dossier)
    try:
        form = replace(form, phone=validation.normalise_phone(form.phone),
                       email=validation.normalise_email(form.email))
    except DomainError as error:
        raise problem(error) from error
    dossier.form01 = form
    dossier.version += 1
    await uow.repository(DossierRepository).save_dossier(dossier)
    await uow.commit()
    return dossier


async def save_form02(uow: UnitOfWork, dossier_id: str, form: Form02, catalogue: SheetCatalogue,
                      principal: Principal) -> Dossier:
    dossier, product, entity = await dossier_for(uow, dossier_id, for_update=True)
    may_act_for(principal, entity)
    _editable(dossier)
    round_ = await _round_of(uow, dossier)
    criteria = catalogue.criteria(round_.regulation, product.product_set_no) or []
    unknown = sorted({c.criterion_code for c in form.claims} - set(criteria)) if criteria else []
    if unknown:
        raise Invalid(message("registry.criteria_not_sheet_product_set",
                              product_product_set_no=product.product_set_no,
                              unknown=', '.join(unknown)), field="claims")
    dossier.form02 = form
    dossier.version += 1
    await uow.repository(DossierRepository).save_dossier(dossier)
    await uow.commit()
    return dossier


async def missing_for(uow: UnitOfWork, dossier: Dossier, product: Product,
                      catalogue: SheetCatalogue) -> list[tuple[str, str]]:
    round_ = await _round_of(uow, dossier)
    info = catalogue.product_set(round_.regulation, product.product_set_no)
    category = info.category if info else "I"
    criteria = catalogue.criteria(round_.regulation, product.product_set_no) or []
    documents = await uow.repository(DocumentRepository).documents_of(product.id)
    return missing_items(dossier, ProductFacts(product.product_set_no, category), documents,
                         criteria, uow.clock.now().date())


async def file_dossier(uow: UnitOfWork, dossier_id: str, catalogue: SheetCatalogue,
                       principal: Principal) -> Dossier:
    """The entity files its dossier with the commune (step 1 of the procedure)."""
    dossier, product, entity = await dossier_for(uow, dossier_id, for_update=True)
    may_act_for(principal, entity)
    _editable(dossier)
    round_ = await _round_of(uow, dossier)
    today = uow.clock.now().date()
    try:
        check_round_open(round_, today)
        check_case_allowed(dossier.case, today, product.certificate_valid_until,
                           product.certificate_active)
    except DomainError as error:
        raise Conflict(Text(error.vi, error.en), slug="outside-window") from error
    missing = await missing_for(uow, dossier, product, catalogue)
    if missing:
        incomplete = Incomplete(missing)
        raise Invalid(Text(incomplete.vi, incomplete.en), slug="incomplete-dossier",
                      missing=[{"vi": vi, "en": en} for vi, en in missing])
    dossier.status = DossierStatus.AWAITING_COMMUNE
    dossier.version += 1
    await uow.repository(DossierRepository).save_dossier(dossier, filed_at=uow.clock.now())
    before = len(product.timeline)
    product.add_step(ProductStatus.SUBMITTED, uow.clock.now(),
                     f"dossier filed ({dossier.case.value}, round {round_.name})")
    await uow.repository(ProductRepository).save_product(product, before)
    await uow.commit()
    return dossier


async def record_commune_report(uow: UnitOfWork, dossier_id: str, form: Form03,
                                principal: Principal, places: Places) -> Dossier:
    """The commune's report (Form 03) completes the dossier; it goes to the province (with
    the district of the producer's commune that day: a district recognised 3★ under 148)."""
    dossier, product, entity = await dossier_for(uow, dossier_id, for_update=True)
    if not (principal.has(Role.PROVINCE_OFFICE) or (
            principal.has(Role.COMMUNE_OFFICER) and entity.commune_code in principal.communes)):
        raise Forbidden(message("registry.only_officer_entity_s_commune_may"))
    if dossier.status is not DossierStatus.AWAITING_COMMUNE:
        raise Conflict(message("registry.dossier_not_awaiting_commune", dossier_status=dossier.status))
    round_ = await _round_of(uow, dossier)
    assert dossier.form02 is not None and dossier.form01 is not None
    documents = manifest(await uow.repository(DocumentRepository).documents_of(product.id),
                         uow.clock.now().date())
    dossier.form03 = form
    dossier.status = DossierStatus.FORWARDED
    dossier.manifest = [d.id for d in documents]
    dossier.version += 1
    await uow.repository(DossierRepository).save_dossier(dossier, forwarded_at=uow.clock.now())
    product.submit(dossier, regulation=round_.regulation, entity=entity, documents=documents,
                   district=_district_of(places, entity.commune_code, uow.clock.now().date()))
    uow.track(product)
    await uow.repository(ProductRepository).save_product(product, len(product.timeline))
    await uow.commit()
    return dossier


async def withdraw_dossier(uow: UnitOfWork, dossier_id: str, reason: str,
                           principal: Principal) -> Dossier:
    dossier, product, entity = await dossier_for(uow, dossier_id, for_update=True)
    may_act_for(principal, entity)
    if dossier.status not in (DossierStatus.DRAFT, DossierStatus.AWAITING_COMMUNE,
                              DossierStatus.FORWARDED):
        raise Conflict(message("registry.dossier_was_already_evaluated_withdrawn"))
    if any(e.status is ProductStatus.UNDER_EVALUATION and e.at >= _filed_at(product)
           for e in product.timeline) and dossier.status is DossierStatus.FORWARDED:
        raise Conflict(message("registry.council_has_started_evaluating_dossier_can"))
    was_forwarded = dossier.status is DossierStatus.FORWARDED
    dossier.status = DossierStatus.WITHDRAWN
    dossier.version += 1
    await uow.repository(DossierRepository).save_dossier(dossier)
    before = len(product.timeline)
    product.withdraw(dossier.id, reason, uow.clock.now(), was_submitted=was_forwarded)
    uow.track(product)
    await uow.repository(ProductRepository).save_product(product, before)
    await uow.commit()
    return dossier


def _filed_at(product: Product) -> datetime:
    filed = [e.at for e in product.timeline if e.status is ProductStatus.SUBMITTED]
    return max(filed) if filed else datetime.min.replace(tzinfo=product.timeline[0].at.tzinfo)


def _district_of(places: Places, commune_code: str, on: date) -> tuple[str, str] | None:
    """The (code, name) of the commune's district on `on`; none since the 2025 reform."""
    try:
        place = places.resolve(commune_code, on)
    except DomainError:
        return None  # a commune no longer in force: there are no districts since 2025 either
    if place.district_code is None or place.district_name is None:
        return None
    return place.district_code, place.district_name
