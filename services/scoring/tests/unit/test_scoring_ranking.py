"""Council result: mean, bands, star-minimum caps, knock-outs and routing between levels."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from scoring_support import QD26, bottom, knocked, member_sheet, set26, top

from ocop_shared.regulations import ProductSet, get_regulation
from scoring.domain.bands import stars_for
from scoring.domain.errors import NotAScoringLevel, RankingError
from scoring.domain.ranking import (
    CouncilResult,
    Outcome,
    consensus_option,
    mean_score,
    rank,
    route,
)
from scoring.domain.sheet_scoring import MemberSheet, ScoredSheet, score_sheet

R26 = get_regulation(QD26)


def scored(product_set: ProductSet, *sheets: MemberSheet) -> list[ScoredSheet]:
    return [score_sheet(product_set, s, f"m{i}") for i, s in enumerate(sheets, 1)]


def sheet_with_total(product_set: ProductSet, total: int) -> MemberSheet:
    """Top options, lowered leaf by leaf until `total`, never below a star mark the band needs."""
    keep = R26.stars_for(Decimal(total))
    choices = top(product_set)

    def current() -> int:
        return sum(product_set.criterion(c).options[i].points for c, i in choices.items())  # type: ignore[union-attr]

    for _ in range(2):
        for leaf in product_set.leaves():
            need = current() - total
            floor = max((o.index for o in leaf.star_marks if o.min_star is not None and o.min_star <= keep),
                        default=0)
            chosen = leaf.options[choices[leaf.code]]
            for option in leaf.options[floor:]:
                if option.case_vi == chosen.case_vi and 0 <= chosen.points - option.points <= need:
                    choices[leaf.code] = option.index
                    break
    assert current() == total, current()
    return MemberSheet.of(product_set, choices)


def test_bands_module_keeps_its_signature() -> None:
    assert stars_for(Decimal("69.99")) == 3
    assert stars_for(Decimal("70.00")) == 4
    assert stars_for(Decimal("89.99")) == 4
    assert stars_for(Decimal("90")) == 5
    assert stars_for(Decimal("49.99")) == 2
    assert stars_for(Decimal("50"), "1048/QĐ-TTg") == 3


def test_mean_is_rounded_half_up_to_cents() -> None:
    assert mean_score([70, 70, 69]) == Decimal("69.67")
    assert mean_score([70] * 7 + [67]) == Decimal("69.63")  # 69.625: half up, not half even
    assert mean_score([75, 76]) == Decimal("75.50")
    with pytest.raises(RankingError):
        mean_score([])


@pytest.mark.parametrize(("totals", "mean", "stars"), [
    ((70, 70, 69), "69.67", 3),
    ((70, 70, 70), "70.00", 4),
    ((90, 90, 89), "89.67", 4),
    ((90, 90, 90), "90.00", 5),
    ((50, 50, 49), "49.67", 2),
    ((50, 50, 50), "50.00", 3),
])
def test_council_band_edges_on_set_8(totals: tuple[int, ...], mean: str, stars: int) -> None:
    s8 = set26(8)
    sheets = scored(s8, *(sheet_with_total(s8, t) for t in totals))
    assert [s.total for s in sheets] == list(totals)
    result = rank(R26, s8, sheets)
    assert result.mean_total == Decimal(mean)
    assert result.band_stars == stars
    assert result.stars == stars and not result.capped  # these sheets meet every mark
    assert result.certifiable is (stars >= 3)


def test_part_means_are_rounded_each() -> None:
    s8 = set26(8)
    a = member_sheet(s8, top(s8))                 # A40 B25 C35
    b = member_sheet(s8, top(s8), c1_7=0)         # A39
    c = member_sheet(s8, top(s8), c1_7=0, c11=0)  # A39, C33 (11: 3 -> 1)
    result = rank(R26, s8, scored(s8, a, b, c))
    assert dict(result.part_means) == {"A": Decimal("39.33"), "B": Decimal("25.00"), "C": Decimal("34.33")}
    assert result.mean_total == Decimal("98.67")  # 296 / 3, not the sum of the part means (98.66)
    assert dict(result.member_totals) == {"m1": 100, "m2": 99, "m3": 97}


def test_set_8_product_scoring_75_without_a_4_star_market_is_3_stars() -> None:
    s8 = set26(8)
    sheet = member_sheet(s8, top(s8), c4_1=1, c4_3=0, c4_2=0, c5_2=0, c1_2=0, c1_3=0, c1_4=0, c1_7=0,
                         c3_1=0, c3_3=0, c10=0)
    result = rank(R26, s8, scored(s8, sheet, sheet, sheet))
    assert result.mean_total == Decimal("75.00") and result.band_stars == 4
    assert result.stars == 3 and result.certifiable
    assert result.capped_by == ("4.1",)
    (cap,) = result.caps
    assert (cap.criterion_code, cap.mark_star, cap.capped_to, cap.marked_option_index) == ("4.1", 4, 3, 2)
    assert (cap.members_meeting, cap.members_scoring) == (0, 3)
    assert cap.message_en == ("criterion 4.1: 0 of 3 members reached the 4-star minimum (option 2); "
                              "at most 3 stars")


def test_a_mark_is_met_by_a_strict_majority_only() -> None:
    s8 = set26(8)
    base = top(s8)
    reached, missed = member_sheet(s8, base), member_sheet(s8, base, c4_1=1)  # 100 and 97
    two_of_three = rank(R26, s8, scored(s8, reached, reached, missed))
    assert two_of_three.stars == 5 and two_of_three.caps == ()
    assert two_of_three.consensus["4.1"].index == 3
    one_of_three = rank(R26, s8, scored(s8, reached, missed, missed))
    assert one_of_three.mean_total == Decimal("98.00") and one_of_three.band_stars == 5
    assert one_of_three.stars == 3 and one_of_three.capped_by == ("4.1",)
    # 4.1's 5-star mark (option 3) is missed too, but the 4-star miss binds
    assert [(c.mark_star, c.capped_to) for c in one_of_three.caps] == [(4, 3), (5, 4)]
    half = rank(R26, s8, scored(s8, reached, reached, missed, missed))
    assert half.stars == 3  # a tie does not meet the mark


def test_consensus_is_the_lower_median() -> None:
    leaf = set26(8).criterion("6.5")
    assert leaf is not None
    o = leaf.options
    assert consensus_option(leaf, [o[0], o[2], o[3]]) is o[2]
    assert consensus_option(leaf, [o[0], o[1], o[2], o[3]]) is o[1]
    assert consensus_option(leaf, []) is None


def test_set_1_near_perfect_without_attractive_packaging_is_2_stars() -> None:
    s1 = set26(1)
    sheet = member_sheet(s1, top(s1), c2_2=1)  # packaging 3 -> 1, below the 3-star mark (option 2)
    result = rank(R26, s1, scored(s1, sheet, sheet, sheet))
    assert result.mean_total == Decimal("98.00") and result.band_stars == 5
    assert result.stars == 2 and not result.certifiable
    assert result.capped_by == ("2.2",)
    routing = route(R26, result, "province")
    assert not routing.certifiable and routing.recognised_by is None and routing.forward_to is None


def test_set_1_missing_a_5_star_mark_stays_at_the_province() -> None:
    s1 = set26(1)
    sheet = member_sheet(s1, top(s1), c1_3=1)  # processing technology 3 -> 2, below the 5-star mark
    result = rank(R26, s1, scored(s1, sheet, sheet, sheet))
    assert (result.mean_total, result.band_stars, result.stars) == (Decimal("99.00"), 5, 4)
    assert result.capped_by == ("1.3",)
    routing = route(R26, result, "province")
    assert routing.recognised_by == "province" and routing.forward_to is None and routing.stars == 4


def test_set_26_tourism_product_capped_by_business_growth() -> None:
    s26 = set26(26)
    sheet = member_sheet(s26, top(s26), c3_4=0,                 # A: 3 -> 1 (4-star mark missed)
                         c1_2=0, c2_1=0, c2_3=0, c1_4=0,        # A: -4 -4 -4 -1
                         c4_1=0, c4_4=0,                        # B: -4 -3
                         c13=0)                                 # C: -3
    result = rank(R26, s26, scored(s26, sheet, sheet, sheet))
    assert dict(result.part_means) == {"A": Decimal("25.00"), "B": Decimal("18.00"), "C": Decimal("32.00")}
    assert result.mean_total == Decimal("75.00")
    assert (result.band_stars, result.stars, result.capped_by) == (4, 3, ("3.4",))


def test_set_26_lowest_possible_tourism_score_is_2_stars() -> None:
    s26 = set26(26)
    result = rank(R26, s26, scored(s26, *(member_sheet(s26, bottom(s26)) for _ in range(3))))
    assert result.mean_total == Decimal("31.00") and result.stars == 2 and not result.certifiable
    assert result.caps == ()  # no marks bind below 3 stars


def test_marks_of_the_unused_case_do_not_apply() -> None:
    s26 = set26(26)
    result = rank(R26, s26, scored(s26, *(member_sheet(s26, top(s26, case=1)) for _ in range(3))))
    assert result.stars == 5 and result.consensus["8"].case_vi is not None
    assert result.consensus["8"].case_vi.startswith("b.")


def test_knockout_by_majority() -> None:
    s8 = set26(8)
    full = member_sheet(s8, top(s8))
    ko = knocked(s8, "6.1", "Có côn trùng trong mẫu")
    result = rank(R26, s8, scored(s8, ko, ko, full))
    assert result.outcome is Outcome.KNOCKED_OUT and result.knocked_out
    assert result.stars is None and result.mean_total is None and not result.certifiable
    assert [f.knockout.criterion_code for f in result.knockouts] == ["6.1", "6.1"]
    routing = route(R26, result, "province")
    assert routing.stars is None and routing.recognised_by is None and routing.forward_to is None


def test_minority_knockout_is_dissent_unless_confirmed() -> None:
    s8 = set26(8)
    full, ko = member_sheet(s8, top(s8)), knocked(s8, "2.1", "Sản phẩm giống hệt của nhà sản xuất khác")
    sheets = scored(s8, full, full, ko)
    ranked = rank(R26, s8, sheets)
    assert ranked.outcome is Outcome.RANKED and ranked.sheets_scored == 2 and ranked.sheets_submitted == 3
    assert ranked.mean_total == Decimal("100.00") and len(ranked.knockouts) == 1
    assert rank(R26, s8, sheets, confirm_knockout=True).knocked_out
    with pytest.raises(RankingError):
        rank(R26, s8, scored(s8, full), confirm_knockout=True)


def test_rank_refuses_foreign_sheets() -> None:
    s8, s9 = set26(8), set26(9)
    with pytest.raises(RankingError):
        rank(R26, s8, scored(s9, member_sheet(s9, top(s9))))
    with pytest.raises(RankingError):
        rank(R26, s8, [])
    with pytest.raises(RankingError):
        rank(get_regulation("148/QĐ-TTg"), s8, scored(s8, member_sheet(s8, top(s8))))


# --------------------------------------------------------------------- routing


def result_of(mean: str, stars: int) -> CouncilResult:
    return CouncilResult(regulation_code=QD26, product_set_no=8, outcome=Outcome.RANKED, sheets_submitted=3,
                         sheets_scored=3, mean_total=Decimal(mean), part_means={}, band_stars=stars,
                         stars=stars, certifiable=stars >= 3)


def test_routing_under_26_2026() -> None:
    assert route(R26, result_of("95.00", 5), "province").forward_to == "central"
    province_4 = route(R26, result_of("89.99", 4), "province")
    assert province_4.recognised_by == "province" and province_4.recognisable_here
    assert route(R26, result_of("55.00", 3), "province").recognised_by == "province"
    assert route(R26, result_of("49.99", 2), "province").certifiable is False
    central_5 = route(R26, result_of("92.00", 5), "central")
    assert central_5.recognised_by == "central" and central_5.forward_to is None
    central_4 = route(R26, result_of("88.50", 4), "central")  # < 90 at central: province may recognise
    assert central_4.recognised_by == "province" and central_4.fallback and not central_4.recognisable_here
    with pytest.raises(NotAScoringLevel):
        route(R26, result_of("95.00", 5), "commune")
    with pytest.raises(NotAScoringLevel):
        route(R26, result_of("95.00", 5), "district")


def test_routing_under_148_before_and_after_1489() -> None:
    r148 = get_regulation("148/QĐ-TTg")
    before = date(2024, 5, 1)
    assert route(r148, result_of("65.00", 3), "district", before).recognised_by == "district"
    assert route(r148, result_of("75.00", 4), "district", before).forward_to == "province"
    assert route(r148, result_of("75.00", 4), "province", before).recognised_by == "province"
    assert route(r148, result_of("91.00", 5), "province", before).forward_to == "central"
    assert route(r148, result_of("65.00", 3), "province", before).recognised_by is None  # no fallback in data
    after = date(2025, 9, 1)
    assert route(r148, result_of("65.00", 3), "province", after).recognised_by == "province"
    with pytest.raises(NotAScoringLevel):
        route(r148, result_of("65.00", 3), "district", after)
