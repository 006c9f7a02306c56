"""What the exports show, as plain data the PDF and XLSX writers lay out (Vietnamese): a
member's score sheet and the council minutes with the aggregation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ocop_shared.regulations import Criterion, ProductSet

ROLE_VI = {"chair": "Chủ tịch hội đồng", "member": "Thành viên", "secretary": "Thư ký"}
LEVEL_VI = {"commune": "cấp xã", "district": "cấp huyện", "province": "cấp tỉnh",
            "central": "cấp trung ương"}
DECISION_VI = {
    "recognised": "Đề nghị công nhận",
    "escalated": "Đề nghị chuyển cấp trên đánh giá",
    "fallback": "Cấp gửi hồ sơ công nhận theo kết quả của cấp trên",
    "no_certificate": "Có kết quả, không công nhận và không cấp giấy chứng nhận (dưới 3 sao)",
    "not_recognised": "Không có cấp nào công nhận kết quả này theo văn bản áp dụng",
    "knocked_out": "Sản phẩm bị loại",
}


@dataclass(frozen=True)
class SheetLine:
    kind: str  # part | group | leaf
    code: str
    name: str
    maximum: int
    chosen: str = ""  # the chosen option's label (leaves)
    points: int | None = None
    marks: str = ""  # the star-minimum marks of the criterion, e.g. "3★: lựa chọn 1"
    note: str = ""  # knock-out note


@dataclass
class SheetReport:
    evaluation_id: str
    product_name: str
    entity_name: str
    regulation: str
    product_set: str
    council_name: str
    level: str
    member_name: str
    member_role: str
    member_department: str
    status: str  # "Đã nộp" / "Bản nháp"
    submitted_at: datetime | None
    lines: list[SheetLine]
    part_totals: dict[str, int]
    total: int
    maximum: int
    knockout: str | None


@dataclass
class MinutesReport:
    evaluation_id: str
    product_name: str
    entity_name: str
    round_id: str
    level: str
    case: str
    finalised_at: datetime
    body: dict[str, Any]
    decision_vi: str = ""
    notes: list[str] = field(default_factory=list)


def _marks(leaf: Criterion) -> str:
    return "; ".join(f"{o.min_star}★: lựa chọn {o.index}" for o in leaf.star_marks)


def sheet_lines(product_set: ProductSet, choices: dict[str, int]) -> list[SheetLine]:
    lines: list[SheetLine] = []
    for part in product_set.parts:
        lines.append(SheetLine("part", part.code, f"PHẦN {part.code}: {part.name_vi}", part.max,
                               points=sum(_points(leaf, choices) or 0 for leaf in part.leaves())))
        for node in part.walk():
            if not node.is_leaf:
                lines.append(SheetLine("group", node.code, node.name_vi, node.max,
                                       note=node.note_vi or ""))
                continue
            index = choices.get(node.code)
            option = node.option(index) if index is not None else None
            lines.append(SheetLine("leaf", node.code, node.name_vi, node.max,
                                   chosen=option.label_vi if option else "(chưa chấm)",
                                   points=option.points if option else None, marks=_marks(node),
                                   note=(node.note_vi or "") if node.knockout else ""))
    return lines


def _points(leaf: Criterion, choices: dict[str, int]) -> int | None:
    index = choices.get(leaf.code)
    option = leaf.option(index) if index is not None else None
    return option.points if option else None
