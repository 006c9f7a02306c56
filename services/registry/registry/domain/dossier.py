"""A product dossier: Forms 01, 02 and 03 and the evidence it refers to, and what is missing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from ocop_shared.contracts.common import EvaluationCase

from .documents import KINDS, Document, DocumentKind, current_documents

TOURISM_SET = 26
SAMPLES_REQUIRED = 5
# Product categories (Appendix I of 26/2026) whose sets need food-style legal papers.
FOOD_LIKE_CATEGORIES = frozenset({"I", "II", "III"})


class DossierStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_COMMUNE = "awaiting_commune"  # filed by the entity, commune checking (15 working days)
    FORWARDED = "forwarded"  # commune report done, sent to the province: ProductSubmitted
    WITHDRAWN = "withdrawn"
    EVALUATED = "evaluated"


@dataclass(frozen=True)
class Form01:
    """Phiếu đăng ký sản phẩm."""

    applicant: str
    representative: str
    representative_position: str
    address: str
    phone: str
    email: str
    product_name: str
    samples: int
    commitment: bool


@dataclass(frozen=True)
class Claim:
    criterion_code: str
    option_index: int
    description: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form02:
    """Báo cáo tự đánh giá."""

    specification: str
    plan_results: str
    next_plan: str
    claims: tuple[Claim, ...]
    changes: str = ""  # upgrade: what changed; re-rating: changes since recognition


@dataclass(frozen=True)
class Form03:
    """Báo cáo của UBND cấp xã."""

    local_raw_materials: str
    local_labour: str
    idea_origin: str
    local_identity: str
    officer: str
    signed_on: date


@dataclass
class Dossier:
    id: str
    product_id: str
    case: EvaluationCase
    round_id: str
    status: DossierStatus = DossierStatus.DRAFT
    form01: Form01 | None = None
    form02: Form02 | None = None
    form03: Form03 | None = None
    version: int = 1
    manifest: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProductFacts:
    product_set_no: int
    category: str  # "I".."VI"


def _required_kinds(facts: ProductFacts) -> list[DocumentKind]:
    kinds = [DocumentKind.BUSINESS_REGISTRATION, DocumentKind.PRODUCT_PHOTO]
    if facts.category in FOOD_LIKE_CATEGORIES:
        kinds += [DocumentKind.FOOD_SAFETY_CERTIFICATE, DocumentKind.QUALITY_DECLARATION,
                  DocumentKind.TEST_REPORT]
    if facts.product_set_no != TOURISM_SET:
        kinds.append(DocumentKind.LABEL)
    return kinds


def missing_items(
    dossier: Dossier,
    facts: ProductFacts,
    documents: Sequence[Document],
    criteria: Sequence[str],
    on: date,
) -> list[tuple[str, str]]:
    """Everything the entity still has to provide, as (Vietnamese, English) sentences."""
    missing: list[tuple[str, str]] = []
    form01, form02 = dossier.form01, dossier.form02
    if form01 is None:
        missing.append(("Phiếu đăng ký (Mẫu 01)", "Registration form (Form 01)"))
    else:
        if not form01.commitment:
            missing.append(("Cam kết tính trung thực của thông tin trong Mẫu 01",
                            "The truthfulness commitment in Form 01"))
        if facts.product_set_no != TOURISM_SET and form01.samples < SAMPLES_REQUIRED:
            missing.append((f"{SAMPLES_REQUIRED} mẫu sản phẩm (đã khai {form01.samples})",
                            f"{SAMPLES_REQUIRED} product samples ({form01.samples} declared)"))
    if form02 is None:
        missing.append(("Báo cáo tự đánh giá (Mẫu 02)", "Self-assessment report (Form 02)"))
    else:
        claimed = {c.criterion_code for c in form02.claims}
        unclaimed = [code for code in criteria if code not in claimed]
        if unclaimed:
            shown = ", ".join(unclaimed[:12]) + ("…" if len(unclaimed) > 12 else "")
            missing.append((f"Tự chấm điểm các tiêu chí: {shown}",
                            f"Self-scoring of criteria: {shown}"))
        if dossier.case is EvaluationCase.UPGRADE and not form02.changes.strip():
            missing.append(("Nội dung thay đổi so với sản phẩm đã được công nhận (Mẫu 02)",
                            "What changed since the recognised product (Form 02)"))
        if dossier.case is EvaluationCase.RERATING and not form02.changes.strip():
            missing.append(("Cập nhật thay đổi, kết quả sau 3 năm được công nhận (Mẫu 02)",
                            "Changes and results since recognition (Form 02)"))
        known = {d.id for d in documents}
        unknown = sorted({e for c in form02.claims for e in c.evidence if e not in known})
        if unknown:
            missing.append((f"Minh chứng được dẫn nhưng chưa tải lên: {', '.join(unknown)}",
                            f"Evidence referred to but not uploaded: {', '.join(unknown)}"))
    current = current_documents(documents)
    for kind in _required_kinds(facts):
        of_kind = [d for d in current if d.kind is kind]
        info = KINDS[kind]
        if not of_kind:
            missing.append((info.vi, info.en))
        elif not any(d.valid_on(on) for d in of_kind):
            latest = max(of_kind, key=lambda d: d.valid_until or date.min)
            missing.append((f"{info.vi} còn hiệu lực (bản hiện có hết hạn {latest.valid_until})",
                            f"A valid {info.en.lower()} (the one on file expired "
                            f"{latest.valid_until})"))
    return missing


def manifest(documents: Sequence[Document], on: date) -> list[Document]:
    """The documents a dossier submitted on `on` carries: current versions valid that day."""
    return [d for d in current_documents(documents) if d.valid_on(on)]
