"""Evidence documents of a product: kinds, validity, and which ones a new dossier can reuse."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


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
        "Giấy chứng nhận đăng ký kinh doanh", "Business registration certificate", False),
    DocumentKind.FOOD_SAFETY_CERTIFICATE: KindInfo(
        "Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        "Food-safety facility certificate", True),
    DocumentKind.QUALITY_DECLARATION: KindInfo(
        "Bản tự công bố chất lượng sản phẩm", "Quality declaration", False),
    DocumentKind.TEST_REPORT: KindInfo(
        "Phiếu kết quả kiểm nghiệm", "Laboratory test report", True),
    DocumentKind.TRADEMARK: KindInfo(
        "Giấy tờ nhãn hiệu (đơn đã chấp nhận hoặc giấy chứng nhận)", "Trademark papers", True),
    DocumentKind.LABEL: KindInfo("Nhãn sản phẩm", "Product label", False),
    DocumentKind.PRODUCT_PHOTO: KindInfo("Ảnh sản phẩm", "Product photo", False),
    DocumentKind.LINKAGE_CONTRACT: KindInfo(
        "Hợp đồng liên kết, mua bán nguyên liệu", "Linkage or supply contract", True),
    DocumentKind.ENVIRONMENT_RECORD: KindInfo(
        "Hồ sơ, thủ tục về môi trường", "Environmental records", False),
    DocumentKind.LABOUR_LIST: KindInfo(
        "Danh sách lao động có bảo hiểm", "Insured staff list", False),
    DocumentKind.FINANCIAL_STATEMENTS: KindInfo(
        "Báo cáo tài chính 2 năm gần nhất", "Financial statements of the last 2 years", False),
    DocumentKind.MARKET_EVIDENCE: KindInfo(
        "Hợp đồng, hóa đơn phân phối, xúc tiến thương mại", "Distribution and trade evidence",
        False),
    DocumentKind.PRODUCT_STORY: KindInfo("Câu chuyện sản phẩm", "Product story", False),
    DocumentKind.QUALITY_SYSTEM_CERTIFICATE: KindInfo(
        "Chứng nhận hệ thống quản lý chất lượng (ISO, HACCP...)",
        "Quality management system certificate", True),
    DocumentKind.AWARD: KindInfo("Giải thưởng", "Award", False),
    DocumentKind.OTHER: KindInfo("Tài liệu khác", "Other document", False),
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
