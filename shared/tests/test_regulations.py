"""Regulations as data: the packaged files, the public API and the sheet validator."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from ocop_shared import regulations as regs
from ocop_shared.regulations import (
    NoPackagedSheets,
    RegulationDataError,
    SheetValidationError,
    UnknownProductSet,
    UnknownRegulation,
    get_regulation,
    load_sheet_data,
    parse_regulations,
    product_sets,
    sheet,
)

QD26 = "26/2026/QĐ-TTg"
QD148 = "148/QĐ-TTg"
QD1048 = "1048/QĐ-TTg"


def packaged_json(name: str) -> Any:
    return json.loads(resources.files("ocop_shared.regulations").joinpath("data", name).read_text("utf-8"))


def sheet_data() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(packaged_json("qd-26-2026.json"))
    return data


def set_no(data: dict[str, Any], no: int) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in data["product_sets"] if s["no"] == no)
    return found


def node(data: dict[str, Any], no: int, code: str) -> dict[str, Any]:
    def walk(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
        for n in nodes:
            if n["code"] == code:
                return n
            found = walk(n["children"])
            if found is not None:
                return found
        return None

    for part in set_no(data, no)["parts"]:
        hit = walk(part["criteria"])
        if hit is not None:
            return hit
    raise KeyError(code)


def issues_of(data: Any, code: str = QD26) -> list[str]:
    with pytest.raises(SheetValidationError) as err:
        load_sheet_data(data, get_regulation(code))
    return [str(i) for i in err.value.issues]


# ------------------------------------------------------------------- packaging


def test_data_files_are_package_resources() -> None:
    data = resources.files("ocop_shared.regulations").joinpath("data")
    assert data.joinpath("qd-26-2026.json").is_file()
    assert data.joinpath("regulations.json").is_file()
    assert packaged_json("qd-26-2026.json")["regulation"]["code"] == QD26


def test_whole_26_2026_file_validates_with_the_documented_counts() -> None:
    sets = product_sets(QD26)
    assert [s.no for s in sets] == list(range(1, 27))
    nodes = [n for s in sets for n in s.walk()]
    leaves = [n for n in nodes if n.is_leaf]
    options = [o for n in leaves for o in n.options]
    marks = [o.min_star for o in options if o.min_star is not None]
    assert (len(nodes), len(leaves), len(options)) == (943, 787, 2579)
    assert (marks.count(3), marks.count(4), marks.count(5)) == (179, 290, 106)
    assert sum(1 for n in nodes if n.knockout) == 46
    assert sum(1 for n in leaves if n.implicit_options) == 22
    for s in sets:
        assert {p.code: p.max for p in s.parts} == {"A": 40, "B": 25, "C": 35}
        assert s.max_total == 100
        assert s.source == "qd-26-2026.json"


def test_ties_and_two_case_criteria_are_accepted_as_printed() -> None:
    assert [o.points for o in sheet(QD26, 7).criterion("3.1").options] == [1, 1, 3]  # type: ignore[union-attr]
    assert [o.points for o in sheet(QD26, 23).criterion("6.2").options] == [1, 1, 3, 5]  # type: ignore[union-attr]
    crit8 = sheet(QD26, 26).criterion("8")
    assert crit8 is not None and len(crit8.cases) == 2
    assert [o.points for o in crit8.options_in_case(crit8.cases[1])] == [1, 3]


# ------------------------------------------------------------------ regulations


def test_regulations_are_data() -> None:
    assert [r.code for r in regs.regulations()] == [QD26, QD148, QD1048]
    r26, r148, r1048 = (get_regulation(c) for c in (QD26, QD148, QD1048))
    assert dict(r26.part_max) == {"A": 40, "B": 25, "C": 35} == dict(r148.part_max)
    assert dict(r1048.part_max) == {"A": 35, "B": 25, "C": 40}
    assert r26.effective_from == date(2026, 5, 22) and r26.ceases_on is None
    assert r148.ceases_on == date(2026, 7, 21)
    assert r26.certificate_validity_months == 36
    assert r26.rerating_window is not None
    assert (r26.rerating_window.earliest_days, r26.rerating_window.latest_days) == (180, 120)
    assert r26.revocation_deadline_days == 15
    assert r26.rerating_max_days == 45
    assert r26.sheets_file == "qd-26-2026.json" and r148.sheets_file is None
    assert r1048.sheets_file == "qd-1048-2019.json"


@pytest.mark.parametrize(("score", "stars"), [
    ("0", 1), ("29.99", 1), ("30", 2), ("49.99", 2), ("50.00", 3), ("69.99", 3), ("70.00", 4),
    ("89.99", 4), ("90", 5), ("100", 5),
])
def test_star_bands_are_half_open(score: str, stars: int) -> None:
    for code in (QD26, QD148, QD1048):
        assert get_regulation(code).stars_for(Decimal(score)) == stars


def test_scores_outside_the_scale_are_refused() -> None:
    with pytest.raises(ValueError):
        get_regulation(QD26).stars_for(Decimal("100.01"))
    with pytest.raises(ValueError):
        get_regulation(QD26).stars_for(Decimal("-1"))


def test_certifiable_from_three_stars() -> None:
    r = get_regulation(QD26)
    assert [r.is_certifiable(s) for s in range(1, 6)] == [False, False, True, True, True]


def test_levels_per_procedure() -> None:
    p26 = get_regulation(QD26).procedure_on(date(2026, 6, 1))
    assert p26.level_codes == ("commune", "province", "central")
    assert p26.level("commune") is not None and not p26.level("commune").scores  # type: ignore[union-attr]
    assert p26.level("province").recognises == {3, 4}  # type: ignore[union-attr]
    assert p26.level("central").recognises == {5}  # type: ignore[union-attr]
    up = p26.escalation_from("province")
    assert up is not None and up.to_level == "central" and up.min_score == 90 and up.fallback_recognition

    r148 = get_regulation(QD148)
    before = r148.procedure_on(date(2024, 3, 1))
    assert before.level_codes == ("district", "province", "central")
    assert [before.level(c).recognises for c in before.level_codes] == [{3}, {4}, {5}]  # type: ignore[union-attr]
    after = r148.procedure_on(date(2025, 8, 1))
    assert after.amended_by == ("1489/QĐ-TTg",)
    assert after.level_codes == ("commune", "province", "central")
    assert after.level("province").recognises == {3, 4}  # type: ignore[union-attr]
    with pytest.raises(LookupError):
        r148.procedure_on(date(2026, 8, 1))  # 148 has lapsed

    p1048 = get_regulation(QD1048).procedure_on(date(2021, 1, 1))
    assert p1048.level_codes == ("district", "province", "central")
    assert p1048.level("district").recognises == frozenset()  # type: ignore[union-attr]
    assert p1048.escalation_from("district").min_score == 50  # type: ignore[union-attr]
    assert p1048.amended_by == ("781/QĐ-TTg",)


def test_regulations_in_force_overlap_during_the_transition() -> None:
    assert [r.code for r in regs.regulations_in_force(date(2026, 6, 1))] == [QD26, QD148]
    assert regs.regulation_in_force(date(2026, 6, 1)).code == QD26
    assert regs.regulation_in_force(date(2026, 7, 21)).code == QD26
    assert [r.code for r in regs.regulations_in_force(date(2026, 7, 21))] == [QD26]
    assert regs.regulation_in_force(date(2020, 1, 1)).code == QD1048
    with pytest.raises(LookupError):
        regs.regulation_in_force(date(2018, 1, 1))


def test_lookups_fail_cleanly() -> None:
    with pytest.raises(UnknownRegulation):
        get_regulation("999/QĐ-TTg")
    with pytest.raises(UnknownProductSet):
        sheet(QD26, 27)
    with pytest.raises(NoPackagedSheets) as err:
        product_sets(QD148)
    assert "load_sheet_file" in str(err.value)


def test_sheet_navigation() -> None:
    s8 = sheet(QD26, 8)
    assert s8.key == (QD26, 8)
    assert s8.criterion("1.1").max == 3  # type: ignore[union-attr]
    assert s8.part_of("6.1").code == "C"  # type: ignore[union-attr]
    assert [n.code for n in s8.ancestors("6.1")] == ["6"]
    assert s8.criterion("99") is None
    assert len(s8.leaf_codes) == 32


# ------------------------------------------------------------------ validator


def test_validator_rejects_a_bad_leaf_maximum_with_the_exact_place() -> None:
    data = sheet_data()
    node(data, 8, "1.1")["options"][2]["points"] = 2
    assert issues_of(data) == ["set 8, part A, criterion 1.1: leaf maximum 3 but highest option is 2"]


def test_validator_rejects_a_part_that_does_not_add_up() -> None:
    data = sheet_data()
    n = node(data, 8, "1.2")
    n["max"] = 3
    n["options"][2]["points"] = 3
    assert issues_of(data) == [
        "set 8, part A: leaf maxima add up to 41 but the part maximum is 40",
        "set 8, part A, criterion 1: inner maximum 18 but children add up to 19",
    ]


def test_validator_rejects_a_part_maximum_other_than_the_regulation() -> None:
    data = sheet_data()
    set_no(data, 3)["parts"][2]["max"] = 36
    found = issues_of(data)
    assert "set 3, part C: part maximum 36 but 26/2026/QĐ-TTg sets 35" in found
    assert "set 3, part C: leaf maxima add up to 35 but the part maximum is 36" in found
    assert "set 3: parts add up to 101, not 100" in found


def test_validator_rejects_star_mark_6() -> None:
    data = sheet_data()
    node(data, 8, "1.1")["options"][0]["min_star"] = 6
    assert issues_of(data) == ["set 8, part A, criterion 1.1, option 0: star mark 6 is not one of 3, 4, 5"]


def test_validator_rejects_unordered_options() -> None:
    data = sheet_data()
    opts = node(data, 1, "6.2")["options"]
    opts[1], opts[2] = opts[2], opts[1]
    assert issues_of(data) == [
        "set 1, part C, criterion 6.2: options not in non-decreasing order of points: "
        "option 2 (1) follows option 1 (2)"
    ]


def test_validator_checks_each_case_of_a_two_case_criterion() -> None:
    data = sheet_data()
    node(data, 26, "8")["options"][3]["points"] = 2
    (issue,) = issues_of(data)
    assert issue.startswith("set 26, part C, criterion 8: leaf maximum 3 but highest option of case 'b. ")
    assert issue.endswith(" is 2")


def test_validator_rejects_marks_out_of_order_and_duplicate_codes() -> None:
    data = sheet_data()
    opts = node(data, 8, "1.5")["options"]
    opts[2]["min_star"], opts[3]["min_star"] = 5, 4
    node(data, 8, "1.7")["code"] = "1.6"
    found = issues_of(data)
    assert ("set 8, part A, criterion 1.5: star marks out of order: option 3 is marked 4 stars after "
            "option 2 marked 5") in found
    assert "set 8, part A, criterion 1.6: code 1.6 is used twice (also in part A)" in found


def test_validator_reports_structural_errors_with_their_place() -> None:
    data = sheet_data()
    node(data, 2, "1.1")["options"][0]["points"] = "one"
    node(data, 2, "1.2")["min_stars"] = 3
    found = issues_of(data)
    assert "set 2, part A, criterion 1.1, option 0: 'points' must be an integer, not string" in found
    assert "set 2, part A, criterion 1.2: unknown key 'min_stars'" in found


def test_validation_messages_are_bilingual() -> None:
    data = sheet_data()
    node(data, 8, "1.1")["options"][2]["points"] = 2
    with pytest.raises(SheetValidationError) as err:
        load_sheet_data(data, get_regulation(QD26))
    assert err.value.issues[0].vi == "bộ 8, phần A, tiêu chí 1.1: điểm tối đa 3 nhưng lựa chọn cao nhất là 2"
    assert "bộ 8, phần A, tiêu chí 1.1" in err.value.message_vi


def test_a_file_for_another_regulation_is_refused() -> None:
    data = sheet_data()
    found = issues_of(data, QD1048)
    assert "regulation: file is for '26/2026/QĐ-TTg', not '1048/QĐ-TTg'" in found
    assert "set 1, part A: part maximum 40 but 1048/QĐ-TTg sets 35" in found


def test_a_148_sheet_loads_from_a_bare_list() -> None:
    data = sheet_data()
    sets = load_sheet_data([set_no(data, 8)], get_regulation(QD148), source="province-148.json")
    assert [(s.regulation_code, s.no, s.source) for s in sets] == [(QD148, 8, "province-148.json")]


# ------------------------------------------------------------ regulation data


def regulations_data() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(packaged_json("regulations.json"))
    return data


def test_regulation_data_is_validated() -> None:
    data = regulations_data()
    data["regulations"][0]["star_bands"][2]["min"] = 55
    data["regulations"][2]["part_max"]["C"] = 45
    data["regulations"][1]["procedures"][0]["escalations"][0]["to"] = "ward"
    with pytest.raises(RegulationDataError) as err:
        parse_regulations(data)
    found = [str(i) for i in err.value.issues]
    assert "regulation 26/2026/QĐ-TTg, band 2: starts at 55, expected 50 (bands must be contiguous)" in found
    assert "regulation 1048/QĐ-TTg: part maxima add up to 105, not 100" in found
    assert "regulation 148/QĐ-TTg, procedure 0, escalation 0: unknown level in district -> ward" in found


def test_a_new_regulation_needs_no_code() -> None:
    data = regulations_data()
    new = copy.deepcopy(data["regulations"][0])
    new.update(code="99/2030/QĐ-TTg", effective_from="2030-01-01", signed_on="2030-01-01", sheets=None,
               part_max={"A": 30, "B": 30, "C": 40})
    new["procedures"][0]["effective_from"] = "2030-01-01"
    data["regulations"].insert(0, new)
    (r99, *_rest) = parse_regulations(data)
    assert r99.code == "99/2030/QĐ-TTg" and r99.max_total == 100
    assert r99.stars_for(Decimal("89.99")) == 4
    assert r99.procedure_on(date(2031, 1, 1)).level("province").recognises == {3, 4}  # type: ignore[union-attr]
