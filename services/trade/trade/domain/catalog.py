"""What a shop may sell as OCOP: products whose certificate is valid, and how events change that.

Events from several topics can arrive late or out of order, so every change is checked
against what is already known: a removal only ends the certificate the product holds now,
and an older certificate never replaces a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum


class Removal(StrEnum):
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    DROPPED = "dropped_from_assortment"


REMOVAL_VI = {
    Removal.EXPIRED: "giấy chứng nhận hết hiệu lực",
    Removal.REVOKED: "giấy chứng nhận bị thu hồi",
    Removal.SUPERSEDED: "được thay bằng giấy chứng nhận mới",
    Removal.DROPPED: "điểm bán không còn kinh doanh sản phẩm",
}


@dataclass(frozen=True)
class CatalogItem:
    """What a till needs to sell a product as OCOP."""

    product_id: str
    product_name: str
    product_code: str
    entity_name: str
    stars: int
    certificate_id: str
    certificate_number: str
    issued_on: date
    valid_until: date
    verification_url: str
    extended_until: date | None = None  # re-rating pending: valid until the decision, at most this

    @property
    def valid_through(self) -> date:
        return max(self.valid_until, self.extended_until or self.valid_until)


@dataclass(frozen=True)
class CertifiedProduct:
    """The trade service's view of one product's certificate."""

    product_id: str
    item: CatalogItem
    listed: bool
    removal: Removal | None
    changed_at: datetime

    def valid_on(self, day: date) -> bool:
        return self.listed and day <= self.item.valid_through


def on_certified(current: CertifiedProduct | None, item: CatalogItem,
                 at: datetime) -> CertifiedProduct | None:
    """The new state, or None when the event is older news than what is known."""
    if current is not None and current.item.certificate_number != item.certificate_number:
        if current.item.issued_on > item.issued_on:
            return None
    if current is not None and current.item.certificate_number == item.certificate_number \
            and not current.listed:
        return None  # that certificate already ended; a late Certified must not revive it
    return CertifiedProduct(product_id=item.product_id, item=item, listed=True, removal=None,
                            changed_at=at)


def on_certificate_ended(current: CertifiedProduct | None, certificate_number: str,
                         removal: Removal, at: datetime) -> CertifiedProduct | None:
    """The product leaves every catalog if the ended certificate is the one it holds."""
    if current is None or not current.listed:
        return None
    if current.item.certificate_number != certificate_number:
        return None
    return replace(current, listed=False, removal=removal, changed_at=at)


def on_certificate_extended(current: CertifiedProduct | None, certificate_number: str,
                            extended_until: date, at: datetime) -> CertifiedProduct | None:
    """A pending re-rating keeps the product on sale past the printed expiry."""
    if current is None or not current.listed:
        return None
    if current.item.certificate_number != certificate_number:
        return None
    return replace(current, item=replace(current.item, extended_until=extended_until),
                   changed_at=at)
