"""Entities (chủ thể OCOP) and their products. Plain Python, no framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ocop_shared.contracts.common import EvaluationCase, LegalForm


class ProductStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_EVALUATION = "under_evaluation"
    SCORED = "scored"
    CERTIFIED = "certified"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class DomainError(Exception):
    """A rule of the registry was broken; carries a Vietnamese and an English message."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


@dataclass
class Entity:
    id: str
    name: str
    legal_form: LegalForm
    registration_no: str
    commune_code: str
    province_code: str
    representative_name: str = ""
    representative_female: bool = False
    representative_ethnic_minority: bool = False
    representative_disabled: bool = False
    version: int = 0


@dataclass
class TimelineEntry:
    at: datetime
    status: ProductStatus
    note: str


@dataclass
class Product:
    id: str
    entity_id: str
    name: str
    product_set_no: int
    status: ProductStatus = ProductStatus.DRAFT
    version: int = 0
    timeline: list[TimelineEntry] = field(default_factory=list)

    SUBMITTABLE = frozenset({ProductStatus.DRAFT, ProductStatus.SCORED, ProductStatus.CERTIFIED,
                             ProductStatus.EXPIRED, ProductStatus.REVOKED})

    def submit(self, case: EvaluationCase, at: datetime) -> None:
        if self.status not in self.SUBMITTABLE:
            raise DomainError(
                f"Sản phẩm đang ở trạng thái '{self.status}', không thể nộp hồ sơ mới",
                f"The product is '{self.status}' and cannot be submitted again",
            )
        self.move(ProductStatus.SUBMITTED, at, f"submitted ({case})")

    def move(self, status: ProductStatus, at: datetime, note: str) -> None:
        self.status = status
        self.timeline.append(TimelineEntry(at=at, status=status, note=note))
