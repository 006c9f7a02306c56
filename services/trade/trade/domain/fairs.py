"""Fairs and trade events: only products certified through the whole event may exhibit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ocop_shared.aggregate import Aggregate
from ocop_shared.contracts.trade_events import FairExhibitorRegistered, FairExhibitorRegisteredPayload
from ocop_shared.i18n import said

from .catalog import CertifiedProduct
from .errors import DomainError


@dataclass
class Fair(Aggregate):
    """A fair; its stream counts its exhibitors (`version`: how many have registered)."""

    id: str
    name: str
    starts_on: date
    ends_on: date
    place: str
    version: int = 0

    def register(self, product: CertifiedProduct | None, at: datetime) -> Exhibitor:
        """Admit `product` as an exhibitor (FairExhibitorRegistered), or refuse it (DomainError)."""
        check_exhibitor(self, product)
        assert product is not None
        item = product.item
        self.record(FairExhibitorRegistered, FairExhibitorRegisteredPayload(
            fair_id=self.id, fair_name=self.name, starts_on=self.starts_on, ends_on=self.ends_on,
            place=self.place, product_id=product.product_id, product_name=item.product_name,
            entity_name=item.entity_name, stars=item.stars,
            certificate_number=item.certificate_number))
        return Exhibitor(fair_id=self.id, product_id=product.product_id,
                         certificate_number=item.certificate_number, registered_at=at)


@dataclass(frozen=True)
class Exhibitor:
    """A product registered for a fair, with what it sold there (recorded after the fair)."""

    fair_id: str
    product_id: str
    certificate_number: str
    registered_at: datetime
    sales_vnd: int | None = None
    contracts: int | None = None
    notes: str | None = None


def check_exhibitor(fair: Fair, product: CertifiedProduct | None) -> None:
    if product is None or not product.listed:
        raise DomainError(
            *said("trade.product_has_no_valid_ocop_certificate"), field="product_id")
    if product.item.valid_through < fair.ends_on:
        raise DomainError(
            *said("trade.certificate_expires_before_fair_ends",
                  product_item_certificate_number=product.item.certificate_number,
                  product_item_valid_until=product.item.valid_until, fair_ends_on=fair.ends_on), field="product_id")
    if product.item.issued_on > fair.starts_on:
        raise DomainError(
            *said("trade.certificate_valid_only_from_after_fair",
                  product_item_certificate_number=product.item.certificate_number,
                  product_item_issued_on=product.item.issued_on), field="product_id")
