"""Fairs and trade events: only products certified through the whole event may exhibit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ocop_shared.aggregate import Aggregate
from ocop_shared.contracts.trade_events import FairExhibitorRegistered, FairExhibitorRegisteredPayload

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
            "Sản phẩm chưa có giấy chứng nhận OCOP còn hiệu lực, không thể đăng ký tham gia",
            "The product has no valid OCOP certificate and cannot exhibit", field="product_id")
    if product.item.valid_through < fair.ends_on:
        raise DomainError(
            f"Giấy chứng nhận {product.item.certificate_number} hết hạn "
            f"{product.item.valid_until:%d/%m/%Y}, trước khi hội chợ kết thúc "
            f"({fair.ends_on:%d/%m/%Y})",
            f"Certificate {product.item.certificate_number} expires {product.item.valid_until}, "
            f"before the fair ends ({fair.ends_on})", field="product_id")
    if product.item.issued_on > fair.starts_on:
        raise DomainError(
            f"Giấy chứng nhận {product.item.certificate_number} chỉ có hiệu lực từ "
            f"{product.item.issued_on:%d/%m/%Y}, sau khi hội chợ bắt đầu",
            f"Certificate {product.item.certificate_number} is valid only from "
            f"{product.item.issued_on}, after the fair starts", field="product_id")
