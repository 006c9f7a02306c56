"""Fairs, their exhibitors and results, and the marketplace feed of certified products."""

from __future__ import annotations

from datetime import date

from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, Invalid, NotFound, Text
from ocop_shared.i18n import message

from ..adapters.fairs import FairRepository
from ..adapters.products import ProductRepository
from ..domain.catalog import CatalogItem
from ..domain.errors import DomainError
from ..domain.fairs import Exhibitor, Fair, check_exhibitor


async def create_fair(uow: UnitOfWork, fair: Fair) -> None:
    if fair.ends_on < fair.starts_on:
        raise Invalid(message("trade.ends_before_starts"),
                      field="ends_on")
    fairs = uow.repository(FairRepository)
    if await fairs.exists(fair.id):
        raise Conflict(message("trade.fair_exists", fair_id=fair.id))
    await fairs.add(fair)
    await uow.commit()


async def fair_row(uow: UnitOfWork, fair_id: str) -> Fair:
    found = await uow.repository(FairRepository).get(fair_id)
    if found is None:
        raise NotFound(message("trade.no_fair", fair_id=fair_id))
    return found


async def register_exhibitor(uow: UnitOfWork, fair_id: str, product_id: str) -> None:
    """Register a product for a fair (FairExhibitorRegistered, numbered by the fair's exhibitors)."""
    fair = await fair_row(uow, fair_id)
    product = await uow.repository(ProductRepository).get(product_id)
    try:
        check_exhibitor(fair, product)
    except DomainError as error:
        raise Invalid(Text(error.vi, error.en), field=error.field) from error
    fairs = uow.repository(FairRepository)
    if await fairs.is_exhibitor(fair_id, product_id):
        raise Conflict(message("trade.product_already_registered_fair"))
    await fairs.add_exhibitor(fair.register(product, uow.clock.now()))
    uow.track(fair)
    await uow.commit()


async def record_fair_result(uow: UnitOfWork, fair_id: str, product_id: str, *, sales_vnd: int,
                             contracts: int, notes: str) -> None:
    await fair_row(uow, fair_id)
    if not await uow.repository(FairRepository).record_result(
            fair_id, product_id, sales_vnd=sales_vnd, contracts=contracts, notes=notes):
        raise NotFound(message("trade.product_not_registered_fair"))
    await uow.commit()


async def exhibitors(uow: UnitOfWork, fair_id: str) -> list[Exhibitor]:
    """The fair's exhibitors in the order they registered (404 for an unknown fair)."""
    await fair_row(uow, fair_id)
    return await uow.repository(FairRepository).exhibitors(fair_id)


async def certified_now(uow: UnitOfWork, day: date) -> list[CatalogItem]:
    """The products certified on `day`, by name (the marketplace feed)."""
    items = await uow.repository(ProductRepository).listed()
    return sorted((i for i in items if i.valid_through >= day),
                  key=lambda i: (i.product_name, i.product_id))
