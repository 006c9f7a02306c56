"""A member's score sheet: validation, totals, knock-outs (26/2026 sets 1, 8 and 26)."""

from __future__ import annotations

import pytest
from scoring_support import bottom, knocked, member_sheet, set26, top

from scoring.domain.errors import (
    DuplicateChoice,
    InconsistentCase,
    InvalidKnockOut,
    MissingCriteria,
    NotALeafCriterion,
    UnknownCriterion,
    UnknownOption,
    WrongProductSet,
)
from scoring.domain.sheet_scoring import Choice, KnockOut, MemberSheet, score_sheet


def test_top_and_bottom_sheets_of_set_8() -> None:
    s8 = set26(8)
    best = score_sheet(s8, member_sheet(s8, top(s8)), "m1")
    assert best.total == 100 and dict(best.part_totals) == {"A": 40, "B": 25, "C": 35}
    worst = score_sheet(s8, member_sheet(s8, bottom(s8)))
    # lowest options: A 1.1:1 1.3:1 1.4:1 1.6:1 2.1:1 2.3:1 3.1:1 3.3:1 3.4:1 3.5:1 = 10;
    # B 4.1:1 = 1;  C 8:2 9:1 10:1 11:1 = 5
    assert dict(worst.part_totals) == {"A": 10, "B": 1, "C": 5} and worst.total == 16


def test_hand_computed_sheet_of_set_8_totals_75() -> None:
    s8 = set26(8)
    sheet = score_sheet(s8, member_sheet(
        s8, top(s8),
        c4_1=1,                                             # B: 5 -> 2   (-3)
        c4_3=0, c4_2=0, c5_2=0,                             # B: -5 -3 -2
        c1_2=0, c1_3=0, c1_4=0, c1_7=0, c3_1=0, c3_3=0,     # A: -2 -2 -2 -1 -2 -2
        c10=0,                                              # C: 2 -> 1   (-1)
    ))
    assert dict(sheet.part_totals) == {"A": 29, "B": 12, "C": 34}
    assert sheet.total == 75
    assert sheet.node_total("1") == 18 - 7 and sheet.node_total("4") == 13 - 11
    assert sheet.complete and not sheet.knocked_out


def test_set_1_differs_from_set_8() -> None:
    s1 = set26(1)
    assert score_sheet(s1, member_sheet(s1, top(s1))).total == 100
    # set 1's lowest options: 2.1 starts at 0 and part C has nutrition (7) and 12 criteria
    assert score_sheet(s1, member_sheet(s1, bottom(s1))).total == 15
    with pytest.raises(UnknownCriterion):  # 6.5 (taste) exists in set 8, not in set 1
        score_sheet(s1, member_sheet(s1, top(s1), c6_5=0))


def test_set_26_tourism_sheet() -> None:
    s26 = set26(26)
    assert score_sheet(s26, member_sheet(s26, top(s26, case=0))).total == 100
    assert score_sheet(s26, member_sheet(s26, top(s26, case=1))).total == 100
    low = score_sheet(s26, member_sheet(s26, bottom(s26)))
    # every lowest option is 1 point except 3.2 (0): A 11, B 8, C 12
    assert dict(low.part_totals) == {"A": 11, "B": 8, "C": 12} and low.total == 31


def test_set_26_cases_must_agree_within_a_sheet() -> None:
    s26 = set26(26)
    # criterion 8 in case 1 (community-provided, index 1) but criterion 9 in case 2 (index 3)
    with pytest.raises(InconsistentCase) as err:
        score_sheet(s26, member_sheet(s26, top(s26, case=0), c9=3))
    assert "Trường hợp" in err.value.message_vi and err.value.details["criteria"] == ("8", "9")
    # the same case on all three two-case criteria is fine, whatever the option
    ok = score_sheet(s26, member_sheet(s26, top(s26, case=1), c8=2, c15=2))
    assert ok.total == 100 - 2 - 2


def test_invalid_option_is_refused_in_both_languages() -> None:
    s8 = set26(8)
    with pytest.raises(UnknownOption) as err:
        score_sheet(s8, member_sheet(s8, top(s8), c1_1=3))
    assert err.value.message_en == "Criterion 1.1 has no option 3 (it has 3 options, numbered from 0)"
    assert err.value.message_vi == "Tiêu chí 1.1 không có lựa chọn số 3 (có 3 lựa chọn, đánh số từ 0)"
    with pytest.raises(UnknownOption):
        score_sheet(s8, member_sheet(s8, top(s8), c1_1=-1))


def test_criterion_not_in_the_sheet_or_not_a_leaf_is_refused() -> None:
    s8 = set26(8)
    with pytest.raises(UnknownCriterion) as err:
        score_sheet(s8, member_sheet(s8, top(s8), c12=0))
    assert err.value.message_en == "Criterion 12 is not in the sheet of product set 8"
    with pytest.raises(NotALeafCriterion):
        score_sheet(s8, member_sheet(s8, top(s8), c6=0))


def test_missing_criteria_are_listed() -> None:
    s8 = set26(8)
    choices = top(s8)
    del choices["2.4"], choices["6.5"]
    with pytest.raises(MissingCriteria) as err:
        score_sheet(s8, MemberSheet.of(s8, choices))
    assert err.value.details["criteria"] == ("2.4", "6.5")
    assert err.value.message_vi == "Chưa chấm các tiêu chí: 2.4, 6.5"


def test_a_criterion_chosen_twice_is_refused() -> None:
    s8 = set26(8)
    choices = [Choice(c, i) for c, i in top(s8).items()] + [Choice("1.1", 0)]
    with pytest.raises(DuplicateChoice):
        score_sheet(s8, MemberSheet.of(s8, choices))


def test_a_sheet_for_another_product_set_is_refused() -> None:
    s8, s9 = set26(8), set26(9)
    with pytest.raises(WrongProductSet) as err:
        score_sheet(s8, member_sheet(s9, top(s9)))
    assert err.value.message_en.startswith("The sheet is for product set 9 (26/2026/QĐ-TTg)")
    with pytest.raises(WrongProductSet):
        score_sheet(s8, MemberSheet("148/QĐ-TTg", 8, ()))


def test_knockout_ends_the_sheet() -> None:
    s8 = set26(8)
    ko = score_sheet(s8, knocked(s8, "6.1", "Có lông, côn trùng trong mẫu"), "m2")
    assert ko.knocked_out and not ko.complete and ko.total == 0
    assert ko.knockout == KnockOut("6.1", "Có lông, côn trùng trong mẫu")
    partial = MemberSheet.of(s8, {"1.1": 0, "1.2": 2}, KnockOut("1.1", "Toàn bộ nguyên liệu nhập khẩu"))
    assert score_sheet(s8, partial).total == 3
    with pytest.raises(UnknownOption):  # choices made before the knock-out are still checked
        score_sheet(s8, MemberSheet.of(s8, {"1.1": 9}, KnockOut("1.1", "Nhập khẩu")))


def test_knockout_on_an_inner_node_and_on_the_dossier() -> None:
    s16 = set26(16)
    assert score_sheet(s16, knocked(s16, "6", "Chỉ tiêu 6.2 được 0 điểm")).knocked_out
    s8 = set26(8)
    assert score_sheet(s8, knocked(s8, None, "Giả mạo hồ sơ")).knocked_out


def test_invalid_knockouts_are_refused() -> None:
    s8, s26 = set26(8), set26(26)
    with pytest.raises(InvalidKnockOut) as err:
        score_sheet(s8, knocked(s8, "1.2"))
    assert err.value.message_en == "Criterion 1.2 carries no knock-out rule"
    with pytest.raises(InvalidKnockOut):
        score_sheet(s8, knocked(s8, "1.1", reason="  "))
    with pytest.raises(InvalidKnockOut):  # set 26 prints no dossier disqualifiers
        score_sheet(s26, knocked(s26, None))
    with pytest.raises(UnknownCriterion):
        score_sheet(s8, knocked(s8, "99"))
