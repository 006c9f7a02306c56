"""A council member's score sheet: one option per leaf criterion, validated and totalled.

Options are referenced by criterion code and 0-based option index, as printed on the
sheet. Points are integers, so sheet totals are integers (0-100).

Knock-outs. The data only flags which criteria carry a knock-out note (`knockout`), e.g.
"Bị loại nếu sử dụng toàn bộ nguyên liệu nhập khẩu…" or "…sẽ không đánh giá các bước tiếp
theo". Whether the condition holds is a finding, so the member records it explicitly:
`KnockOut(criterion_code, reason_vi)` on a flagged criterion (leaf or inner node), or with
`criterion_code=None` for the set's dossier disqualifiers ("Hồ sơ bị loại khi…"). A knock-out
ends that member's evaluation: the rest of the sheet may stay blank (options already chosen
are still validated). How the council treats knock-outs is decided in `ranking`/`council`.

Two-case criteria (set 26, criteria 8, 9 and 15: "Lựa chọn một trong hai trường hợp sau"):
the evaluator uses one case. Within one sheet the chosen cases must agree: whenever two
two-case criteria offer the same case label, either both choices are in that case or neither
is (the product is, e.g., community-provided or not, for every such criterion).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

from ocop_shared.i18n import said
from ocop_shared.regulations import Criterion, Option, ProductSet

from .errors import (
    DuplicateChoice,
    InconsistentCase,
    InvalidKnockOut,
    MissingCriteria,
    NotALeafCriterion,
    UnknownCriterion,
    UnknownOption,
    WrongProductSet,
)


@dataclass(frozen=True)
class Choice:
    """The option a member picked on a leaf criterion (0-based index in the printed list)."""

    criterion_code: str
    option_index: int


@dataclass(frozen=True)
class KnockOut:
    """A member's finding that ends the evaluation ("bị loại" / "không đánh giá tiếp").

    `criterion_code` names a criterion flagged `knockout` in the sheet, or is None for the
    product set's dossier disqualifiers (`disqualifiers_vi`)."""

    criterion_code: str | None
    reason_vi: str
    reason_en: str = ""


@dataclass(frozen=True)
class MemberSheet:
    """What a member hands in: which regulation and product set it scores, and the choices."""

    regulation_code: str
    product_set_no: int
    choices: tuple[Choice, ...] = ()
    knockout: KnockOut | None = None

    @classmethod
    def of(cls, product_set: ProductSet, choices: Mapping[str, int] | Iterable[Choice],
           knockout: KnockOut | None = None) -> MemberSheet:
        items = (tuple(Choice(c, i) for c, i in choices.items()) if isinstance(choices, Mapping)
                 else tuple(choices))
        return cls(product_set.regulation_code, product_set.no, items, knockout)


@dataclass(frozen=True)
class ScoredSheet:
    """A validated sheet with its totals."""

    product_set: ProductSet
    member_id: str
    chosen: Mapping[str, Option]  # leaf code -> chosen option
    knockout: KnockOut | None
    part_totals: Mapping[str, int] = field(init=False)
    total: int = field(init=False)

    def __post_init__(self) -> None:
        parts = {part.code: sum(self.chosen[leaf.code].points for leaf in part.leaves()
                                if leaf.code in self.chosen)
                 for part in self.product_set.parts}
        object.__setattr__(self, "part_totals", parts)
        object.__setattr__(self, "total", sum(parts.values()))

    @property
    def knocked_out(self) -> bool:
        return self.knockout is not None

    @property
    def complete(self) -> bool:
        return all(code in self.chosen for code in self.product_set.leaf_codes)

    def node_total(self, code: str) -> int:
        """Points of a criterion (inner nodes: the sum of their chosen leaves)."""
        node = self.product_set.criterion(code)
        if node is None:
            raise KeyError(code)
        return sum(self.chosen[leaf.code].points for leaf in node.leaves() if leaf.code in self.chosen)

    @property
    def choices(self) -> tuple[Choice, ...]:
        return tuple(Choice(code, option.index) for code, option in self.chosen.items())


# ----------------------------------------------------------------------- validation


def check_product_set(product_set: ProductSet, regulation_code: str, product_set_no: int) -> None:
    """Refuse a sheet written for another product set (or another regulation)."""
    if (regulation_code, product_set_no) != product_set.key:
        raise WrongProductSet(
            *said("scoring.sheet_product_set_but_product_evaluated", product_set_no=product_set_no,
                  regulation_code=regulation_code, product_set_no_2=product_set.no,
                  product_set_regulation_code=product_set.regulation_code),
            expected=product_set.key, got=(regulation_code, product_set_no),
        )


def check_choice(product_set: ProductSet, choice: Choice) -> tuple[Criterion, Option]:
    """The leaf and option a choice designates; raises if either does not exist."""
    node = product_set.criterion(choice.criterion_code)
    if node is None:
        raise UnknownCriterion(
            *said("scoring.criterion_not_sheet_product_set", choice_criterion_code=choice.criterion_code,
                  product_set_no=product_set.no),
            criterion=choice.criterion_code,
        )
    if not node.is_leaf:
        raise NotALeafCriterion(
            *said("scoring.criterion_has_sub_criteria_choose_option", node_code=node.code),
            criterion=node.code,
        )
    option = node.option(choice.option_index)
    if option is None:
        raise UnknownOption(
            *said("scoring.criterion_has_no_option_has_options", node_code=node.code,
                  choice_option_index=choice.option_index, node_options=len(node.options)),
            criterion=node.code, option=choice.option_index,
        )
    return node, option


def check_knockout(product_set: ProductSet, knockout: KnockOut) -> None:
    if not knockout.reason_vi.strip():
        raise InvalidKnockOut(*said("scoring.knock_out_needs_reason"))
    code = knockout.criterion_code
    if code is None:
        if not product_set.disqualifiers_vi:
            raise InvalidKnockOut(
                *said("scoring.product_set_has_no_dossier_disqualifiers", product_set_no=product_set.no),
            )
        return
    node = product_set.criterion(code)
    if node is None:
        raise UnknownCriterion(
            *said("scoring.criterion_not_sheet_product_set_2", code=code, product_set_no=product_set.no),
            criterion=code,
        )
    if not node.knockout:
        raise InvalidKnockOut(
            *said("scoring.criterion_carries_no_knock_out_rule", code=code),
            criterion=code,
        )


def check_cases(chosen: Mapping[str, Option], product_set: ProductSet) -> None:
    """Two-case criteria must agree on the case wherever they share a case label."""
    with_cases = [(code, product_set.criterion(code), option) for code, option in chosen.items()
                  if option.case_vi is not None]
    for (code_a, node_a, opt_a), (code_b, node_b, opt_b) in combinations(with_cases, 2):
        assert node_a is not None and node_b is not None
        shared = set(node_a.cases) & set(node_b.cases)
        for label in shared:
            if (opt_a.case_vi == label) != (opt_b.case_vi == label):
                raise InconsistentCase(
                    *said("scoring.criterion_scored_under_but_criterion_under", code_a=code_a,
                          opt_a_case_vi=opt_a.case_vi, code_b=code_b, opt_b_case_vi=opt_b.case_vi),
                    criteria=(code_a, code_b),
                )


def score_sheet(product_set: ProductSet, sheet: MemberSheet, member_id: str = "") -> ScoredSheet:
    """Validate a member's sheet against the product set's sheet and total it.

    Refused (ScoringDomainError subclasses, Vietnamese and English messages): a sheet for
    another product set, a criterion not in this sheet or not a leaf, an option that does not
    exist, two choices for one criterion, inconsistent cases, a knock-out on a criterion
    without a knock-out rule, and - unless the sheet records a knock-out - missing criteria.
    """
    check_product_set(product_set, sheet.regulation_code, sheet.product_set_no)
    chosen: dict[str, Option] = {}
    for choice in sheet.choices:
        node, option = check_choice(product_set, choice)
        if node.code in chosen:
            raise DuplicateChoice(
                *said("scoring.criterion_chosen_twice", node_code=node.code),
                criterion=node.code,
            )
        chosen[node.code] = option
    check_cases(chosen, product_set)
    if sheet.knockout is not None:
        check_knockout(product_set, sheet.knockout)
    else:
        missing = [code for code in product_set.leaf_codes if code not in chosen]
        if missing:
            raise MissingCriteria(
                *said("scoring.criteria_not_scored", missing=', '.join(missing)),
                criteria=tuple(missing),
            )
    ordered = {code: chosen[code] for code in product_set.leaf_codes if code in chosen}
    return ScoredSheet(product_set=product_set, member_id=member_id, chosen=ordered,
                       knockout=sheet.knockout)
