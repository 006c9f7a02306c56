"""Builders shared by the scoring unit tests (not a test module)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from ocop_shared.regulations import ProductSet, get_regulation, load_sheet_file, sheet
from scoring.domain.council import (
    Council,
    CouncilEvaluation,
    CouncilMember,
    CouncilRules,
    ProductUnderEvaluation,
    Role,
)
from scoring.domain.sheet_scoring import KnockOut, MemberSheet

QD26 = "26/2026/QĐ-TTg"
QD1048 = "1048/QĐ-TTg"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def province_1048_sheet() -> ProductSet:
    (only,) = load_sheet_file(FIXTURES / "province-sheet-1048.json", get_regulation(QD1048))
    return only


def top(product_set: ProductSet, case: int = 0) -> dict[str, int]:
    """Index of the highest option of every leaf (two-case criteria: the top of case `case`)."""
    choice: dict[str, int] = {}
    for leaf in product_set.leaves():
        if leaf.cases:
            choice[leaf.code] = leaf.options_in_case(leaf.cases[case])[-1].index
        else:
            choice[leaf.code] = len(leaf.options) - 1
    return choice


def bottom(product_set: ProductSet, case: int = 0) -> dict[str, int]:
    """Index of the lowest option of every leaf."""
    choice: dict[str, int] = {}
    for leaf in product_set.leaves():
        options = leaf.options_in_case(leaf.cases[case]) if leaf.cases else leaf.options
        choice[leaf.code] = options[0].index
    return choice


def member_sheet(product_set: ProductSet, base: Mapping[str, int], **changes: int) -> MemberSheet:
    """A sheet from `base` with some choices changed; keyword `c1_1=0` means criterion 1.1 → 0."""
    choices = dict(base)
    for key, index in changes.items():
        choices[key.removeprefix("c").replace("_", ".")] = index
    return MemberSheet.of(product_set, choices)


def knocked(product_set: ProductSet, code: str | None, reason: str = "Phát hiện tạp chất") -> MemberSheet:
    return MemberSheet(product_set.regulation_code, product_set.no, (), KnockOut(code, reason))


def council(n_members: int = 4, *, level: str = "province", regulation: str = QD26,
            rules: CouncilRules | None = None, secretary: bool = True,
            extra: Iterable[CouncilMember] = ()) -> Council:
    """A chair "chair" + members "m1".."mN" (+ secretary "sec"), each from a different department."""
    members = [CouncilMember("chair", "Chủ tịch", Role.CHAIR, department="UBND tỉnh", commune_code="X-00")]
    members += [CouncilMember(f"m{i}", f"Thành viên {i}", Role.MEMBER, department=f"Sở {i}",
                              commune_code=f"X-{i:02d}") for i in range(1, n_members + 1)]
    if secretary:
        members.append(CouncilMember("sec", "Thư ký", Role.SECRETARY, department="Văn phòng điều phối"))
    members += list(extra)
    return Council("HD-1", level, regulation, tuple(members), rules or CouncilRules())


def product(product_set: ProductSet, *, commune: str = "X-99", entity: str = "E-1",
            suppliers: Iterable[str] = ()) -> ProductUnderEvaluation:
    return ProductUnderEvaluation("P-1", entity, commune, product_set.regulation_code, product_set.no,
                                  frozenset(suppliers))


def evaluation(product_set: ProductSet, the_council: Council | None = None, *,
               present: Iterable[str] | None = None, declared: Mapping[str, str] | None = None,
               the_product: ProductUnderEvaluation | None = None) -> CouncilEvaluation:
    c = the_council or council()
    here = [m.member_id for m in c.members] if present is None else list(present)
    return CouncilEvaluation(c, get_regulation(product_set.regulation_code), product_set,
                             the_product or product(product_set), present=here, declared_conflicts=declared)


def score_all(ev: CouncilEvaluation, sheets: Mapping[str, MemberSheet]) -> None:
    for member_id, s in sheets.items():
        ev.submit_sheet(member_id, s)


def set26(no: int) -> ProductSet:
    return sheet(QD26, no)
