"""Evidence documents of a product: kinds, validity, and which ones a new dossier can reuse."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ocop_shared.i18n import said


class DocumentKind(StrEnum):
    BUSINESS_REGISTRATION = "business_registration"
    FOOD_SAFETY_CERTIFICATE = "food_safety_certificate"
    QUALITY_DECLARATION = "quality_declaration"
    TEST_REPORT = "test_report"
    TRADEMARK = "trademark"
    LABEL = "label"
    PRODUCT_PHOTO = "product_photo"
    LINKAGE_CONTRACT = "linkage_contract"
    ENVIRONMENT_RECORD = "environment_record"
    LABOUR_LIST = "labour_list"
    FINANCIAL_STATEMENTS = "financial_statements"
    MARKET_EVIDENCE = "market_evidence"
    PRODUCT_STORY = "product_story"
    QUALITY_SYSTEM_CERTIFICATE = "quality_system_certificate"
    AWARD = "award"
    OTHER = "other"


@dataclass(frozen=True)
class KindInfo:
    vi: str
    en: str
    time_limited: bool


KINDS: dict[DocumentKind, KindInfo] = {
    DocumentKind.BUSINESS_REGISTRATION: KindInfo(
        *said("registry.business_registration_certificate"), False),
    DocumentKind.FOOD_SAFETY_CERTIFICATE: KindInfo(
        *said("registry.food_safety_facility_certificate"), True),
    DocumentKind.QUALITY_DECLARATION: KindInfo(
        *said("registry.quality_declaration"), False),
    DocumentKind.TEST_REPORT: KindInfo(
        *said("registry.laboratory_test_report"), True),
    DocumentKind.TRADEMARK: KindInfo(
        *said("registry.trademark_papers"), True),
    DocumentKind.LABEL: KindInfo(*said("registry.product_label"), False),
    DocumentKind.PRODUCT_PHOTO: KindInfo(*said("registry.product_photo"), False),
    DocumentKind.LINKAGE_CONTRACT: KindInfo(
        *said("registry.linkage_supply_contract"), True),
    DocumentKind.ENVIRONMENT_RECORD: KindInfo(
        *said("registry.environmental_records"), False),
    DocumentKind.LABOUR_LIST: KindInfo(
        *said("registry.insured_staff_list"), False),
    DocumentKind.FINANCIAL_STATEMENTS: KindInfo(
        *said("registry.financial_statements_last_2_years"), False),
    DocumentKind.MARKET_EVIDENCE: KindInfo(
        *said("registry.distribution_trade_evidence"),
        False),
    DocumentKind.PRODUCT_STORY: KindInfo(*said("registry.product_story"), False),
    DocumentKind.QUALITY_SYSTEM_CERTIFICATE: KindInfo(
        *said("registry.quality_management_system_certificate"), True),
    DocumentKind.AWARD: KindInfo(*said("registry.award"), False),
    DocumentKind.OTHER: KindInfo(*said("registry.other_document"), False),
}


@dataclass(frozen=True)
class Document:
    id: str
    product_id: str
    kind: DocumentKind
    sha256: str
    size: int
    content_type: str
    filename: str
    uploaded_at: datetime
    valid_from: date | None = None
    valid_until: date | None = None
    replaces_id: str | None = None

    def valid_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until

    def expired_on(self, day: date) -> bool:
        return self.valid_until is not None and day > self.valid_until


def current_documents(documents: Iterable[Document]) -> list[Document]:
    """Documents not replaced by a newer version."""
    documents = list(documents)
    replaced = {d.replaces_id for d in documents if d.replaces_id}
    return [d for d in documents if d.id not in replaced]


def reusable_on(documents: Iterable[Document], day: date) -> list[Document]:
    """What a new dossier (upgrade, re-rating) carries over: current versions still valid."""
    return [d for d in current_documents(documents) if d.valid_on(day)]
