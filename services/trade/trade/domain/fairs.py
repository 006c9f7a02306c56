"""Fairs and trade events: only products certified through the whole event may exhibit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .catalog import CertifiedProduct
from .errors import DomainError


@dataclass(frozen=True)
class Fair:
    id: str
    name: str
    starts_on: date
    ends_on: date
    place: str


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
