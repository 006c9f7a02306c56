"""A 1048/QĐ-TTg round: district → province → central, on a test sheet with star marks (A35/B25/C40,
the fixture a province could load) and on 1048's packaged sheets (no marks: the band alone)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from scoring_support import (
    QD1048,
    bottom,
    council,
    evaluation,
    member_sheet,
    product,
    province_1048_sheet,
    top,
)

from ocop_shared.regulations import get_regulation, sheet
from scoring.domain.council import CouncilEvaluation
from scoring.domain.errors import ConflictOfInterestError
from scoring.domain.ranking import route
from scoring.domain.sheet_scoring import MemberSheet, score_sheet

R1048 = get_regulation(QD1048)
SHEET = province_1048_sheet()
TOP = top(SHEET)
ON = date(2021, 6, 1)

# the fixture's leaves: 1.1 [1*3, 3, 5] 1.2 [0, 5*4, 10*5] 2.1 [0, 5*3, 10] 2.2 [2, 6, 10]
#                       3.1 [3, 8*3, 12*4, 15*5] 3.2 [0, 5, 10] 4.1 [0, 10, 15*4, 20] 4.2 [5*3, 12, 20*5]
THREE_STAR = {"1.1": 0, "1.2": 1, "2.1": 1, "2.2": 1, "3.1": 1, "3.2": 1, "4.1": 1, "4.2": 1}  # 52


def scored_round(level: str, sheets: dict[str, MemberSheet]) -> CouncilEvaluation:
    ev = evaluation(SHEET, council(2, level=level, regulation=QD1048))
    for member_id, s in sheets.items():
        ev.submit_sheet(member_id, s)
    return ev


def test_the_province_sheet_file_is_validated_and_loaded() -> None:
    assert SHEET.regulation_code == QD1048 and SHEET.no == 1
    assert {p.code: p.max for p in SHEET.parts} == {"A": 35, "B": 25, "C": 40}
    assert SHEET.source.endswith("province-sheet-1048.json")
    assert R1048.procedure_on(ON).level_codes == ("district", "province", "central")


def test_a_5_star_product_goes_from_district_to_province_to_central() -> None:
    # district: 100, 100, 100 -> 5★ band; the district recognises nothing, forwards (>= 50)
    district = scored_round("district", {m: member_sheet(SHEET, TOP) for m in ("chair", "m1", "m2")})
    d = district.finalise().result
    assert d.mean_total == Decimal("100.00") and d.stars == 5
    d_route = route(R1048, d, "district", ON)
    assert d_route.forward_to == "province" and d_route.recognised_by is None

    # province: 100; 95 (4.1 -> 15); 94 (1.1 -> 3, 2.2 -> 6) -> 289 / 3 = 96.33 -> forwarded (>= 90)
    province = scored_round("province", {
        "chair": member_sheet(SHEET, TOP),
        "m1": member_sheet(SHEET, TOP, c4_1=2),
        "m2": member_sheet(SHEET, TOP, c1_1=1, c2_2=1),
    })
    p = province.finalise().result
    assert [p.member_totals[m] for m in ("chair", "m1", "m2")] == [100, 95, 94]
    assert p.mean_total == Decimal("96.33") and p.stars == 5
    assert dict(p.part_means) == {"A": Decimal("33.00"), "B": Decimal("25.00"), "C": Decimal("38.33")}
    assert route(R1048, p, "province", ON).forward_to == "central"

    # central: 95, 95, 94 -> 94.67 -> 5★, recognised by the central level
    central = scored_round("central", {
        "chair": member_sheet(SHEET, TOP, c4_1=2),
        "m1": member_sheet(SHEET, TOP, c4_1=2),
        "m2": member_sheet(SHEET, TOP, c1_1=1, c2_2=1),
    })
    c = central.finalise().result
    assert c.mean_total == Decimal("94.67") and c.stars == 5
    c_route = route(R1048, c, "central", ON)
    assert c_route.recognised_by == "central" and c_route.certifiable


def test_a_3_star_product_is_recognised_by_the_province() -> None:
    sheets = {m: MemberSheet.of(SHEET, THREE_STAR) for m in ("chair", "m1", "m2")}
    d = scored_round("district", sheets).finalise().result
    assert d.mean_total == Decimal("52.00") and d.stars == 3 and d.caps == ()
    assert route(R1048, d, "district", ON).forward_to == "province"
    p = scored_round("province", sheets).finalise().result
    p_route = route(R1048, p, "province", ON)
    assert p_route.recognised_by == "province" and p_route.stars == 3 and p_route.forward_to is None


def test_a_missed_mark_on_the_province_sheet_caps_the_product() -> None:
    # 3.1 "outside the commune" (8) is the 3★ minimum; "within the commune" (3) leaves 47 -> 2★ anyway,
    # so raise 3.2 to 10 to keep the total in the 3★ band: 52 - 5 + 5 = 52, capped to 2★
    sheet = MemberSheet.of(SHEET, {**THREE_STAR, "3.1": 0, "3.2": 2})
    d = scored_round("district", {m: sheet for m in ("chair", "m1", "m2")}).finalise().result
    assert d.mean_total == Decimal("52.00") and d.band_stars == 3
    assert d.stars == 2 and d.capped_by == ("3.1",) and not d.certifiable
    d_route = route(R1048, d, "district", ON)
    assert d_route.forward_to is None and not d_route.certifiable


def test_a_product_under_90_at_central_has_no_fallback_under_1048() -> None:
    sheet = member_sheet(SHEET, TOP, c4_1=2, c2_2=0, c3_2=1)  # 100 - 5 - 8 - 5 = 82
    c = scored_round("central", {m: sheet for m in ("chair", "m1", "m2")}).finalise().result
    assert c.mean_total == Decimal("82.00") and c.stars == 4
    c_route = route(R1048, c, "central", ON)
    assert c_route.recognised_by is None and not c_route.fallback  # the data grants no fallback for 1048


def test_district_council_members_from_the_products_commune_are_excluded() -> None:
    ev = evaluation(SHEET, council(2, level="district", regulation=QD1048),
                    the_product=product(SHEET, commune="X-01"))
    with pytest.raises(ConflictOfInterestError):
        ev.open_sheet("m1")
    assert ev.eligible_scorers == ("chair", "m2")


def test_1048s_own_sheets_score_uneven_options_and_rank_by_the_band_alone() -> None:
    real = sheet(QD1048, 8)  # "Chế biến từ thịt, trứng, sữa"
    assert score_sheet(real, member_sheet(real, top(real))).total == 100
    # 3.2's second case (one-member companies, households) tops out at 1 of 2
    assert score_sheet(real, member_sheet(real, top(real, case=1))).total == 99
    lowest = score_sheet(real, member_sheet(real, bottom(real)))
    assert lowest.total == 10 and lowest.part_totals == {"A": 6, "B": 2, "C": 2}  # not every criterion has a 0
    assert not any(leaf.star_marks for leaf in real.leaves())
    # 100 less 7.1 (0/1/3/5: one step down costs 2), 10.1 (1/3/5: -4), 9.1, 4.3, 5.1 (-5 each),
    # 6.4 (0/1/2/5: -4) = 75
    sheets = {m: member_sheet(real, top(real), c7_1=2, c10_1=0, c9_1=0, c4_3=0, c5_1=0, c6_4=1)
              for m in ("chair", "m1", "m2")}
    ev = evaluation(real, council(2, level="province", regulation=QD1048))
    for member_id, s in sheets.items():
        ev.submit_sheet(member_id, s)
    result = ev.finalise().result
    assert result.mean_total == Decimal("75.00") and (result.band_stars, result.stars) == (4, 4)
    assert result.caps == () and route(R1048, result, "province", ON).recognised_by == "province"
