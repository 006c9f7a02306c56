"""1048/QĐ-TTg's packaged sheets: built from two transcriptions, every disagreement flagged, and
the schema additions that record it (sources, short parts, unequal cases) checked."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ocop_shared.regulations import SheetValidationError, get_regulation, load_sheet_data, product_sets, sheet

QD1048 = "1048/QĐ-TTg"
ROOT = Path(__file__).resolve().parents[2]
PLATFORM_NUMBERS = [*range(1, 23), 26, 109, 121, 124]
FLAGGED = {(4, "9.1"): "b", (4, "9.2"): "b", (6, "6.2"): "a", (7, "3.1"): "b", (9, "7.1"): "a",
           (15, "6.2"): "a", (15, "6.3"): "a", (15, "6.5"): "a", (15, "7.1"): "a", (16, "7.1"): "b"}


def packaged() -> dict[str, Any]:
    text = resources.files("ocop_shared.regulations").joinpath("data", "qd-1048-2019.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def node(data: dict[str, Any], no: int, code: str) -> dict[str, Any]:
    def walk(nodes: list[dict[str, Any]]) -> Any:
        for n in nodes:
            yield n
            yield from walk(n["children"])

    found = next(s for s in data["product_sets"] if s["no"] == no)
    hit: dict[str, Any] = next(n for p in found["parts"] for n in walk(p["criteria"]) if n["code"] == code)
    return hit


def issues_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SheetValidationError) as err:
        load_sheet_data(data, get_regulation(QD1048))
    return [str(i) for i in err.value.issues]


def test_the_loader_accepts_1048s_26_sets_under_the_platforms_numbers() -> None:
    sets = product_sets(QD1048)
    assert [s.no for s in sets] == PLATFORM_NUMBERS
    assert sum(len(s.leaf_codes) for s in sets) == 782
    for s in sets:
        assert {p.code: p.max for p in s.parts} == {"A": 35, "B": 25, "C": 40}, s.no
        sums = {p.code: sum(leaf.max for leaf in p.leaves()) for p in s.parts}
        assert sums == {"A": 35, "B": 25, "C": 38 if s.no == 18 else 40}, s.no
        assert not any(leaf.star_marks for leaf in s.leaves()), "neither source marks star minimums"
    assert dict(sheet(QD1048, 18).short_parts) == {"C": 38}
    assert [s.no for s in sets if s.short_parts] == [18]
    assert (sheet(QD1048, 8).name_vi, sheet(QD1048, 109).name_vi) == (
        "Chế biến từ thịt, trứng, sữa", "Chế biến từ thủy, hải sản")
    assert sheet(QD1048, 26).name_vi == "Dịch vụ du lịch cộng đồng và điểm du lịch"


def test_every_criterion_the_sources_disagree_on_is_flagged_with_both_versions() -> None:
    sets = product_sets(QD1048)
    flagged = {(s.no, n.code): n for s in sets for n in s.walk() if n.sources_differ is not None}
    assert {key: n.sources_differ.chosen for key, n in flagged.items()  # type: ignore[union-attr]
            } == FLAGGED
    for (no, code), n in flagged.items():
        difference = n.sources_differ
        assert difference is not None and difference.why
        chosen = difference.a if difference.chosen == "a" else difference.b
        assert chosen == tuple(o.points for o in n.options), (no, code)
    rare = sheet(QD1048, 16).criterion("7.1")
    assert rare is not None and rare.sources_differ is not None
    assert (rare.sources_differ.a, rare.sources_differ.b) == ((0, 2, 5, 0), (0, 2, 5, 10))
    bases = {s.no: s.sources.base for s in sets if s.sources is not None}
    assert len(bases) == 26 and sorted(no for no, base in bases.items() if base == "b") == [4, 7, 16, 26]
    only_a = sheet(QD1048, 3).sources
    assert only_a is not None and only_a.b is None and "only source A" in only_a.why


def test_knock_outs_and_cases_come_from_the_sources_notes() -> None:
    sets = product_sets(QD1048)
    assert sum(1 for s in sets for n in s.walk() if n.knockout) == 64
    assert not any(n.knockout for n in sheet(QD1048, 3).walk())  # A carries no notes
    group = sheet(QD1048, 16).criterion("6")
    assert group is not None and group.knockout and not group.is_leaf  # "các chỉ tiêu trên"
    community = sheet(QD1048, 8).criterion("3.2")
    assert community is not None and community.unequal_cases and len(community.cases) == 2
    assert [max(o.points for o in community.options_in_case(c)) for c in community.cases] == [2, 1]
    tourism = sheet(QD1048, 26)
    assert [leaf.code for leaf in tourism.leaves() if leaf.cases] == ["3.2", "9.1", "10.1", "16.1"]
    assert not any(leaf.unequal_cases for leaf in tourism.leaves())


def test_a_case_topping_out_below_the_maximum_must_be_declared() -> None:
    data = packaged()
    del node(data, 8, "3.2")["unequal_cases"]
    (issue,) = issues_of(data)
    assert issue.startswith("set 8, part A, criterion 3.2: leaf maximum 2 but highest option of case 'b. ")


def test_a_short_part_must_be_recorded_exactly() -> None:
    data = packaged()
    del next(s for s in data["product_sets"] if s["no"] == 18)["short_parts"]
    assert issues_of(data) == ["set 18, part C: leaf maxima add up to 38 but the part maximum is 40"]
    data = packaged()
    next(s for s in data["product_sets"] if s["no"] == 18)["short_parts"] = {"C": 37}
    found = issues_of(data)
    assert "set 18, part C: short_parts records 37 but the leaf maxima add up to 38" in found


def test_a_flag_must_hold_the_chosen_sources_points() -> None:
    data = copy.deepcopy(packaged())
    node(data, 16, "7.1")["sources_differ"]["chosen"] = "a"
    node(data, 9, "7.1")["sources_differ"]["chosen"] = "c"
    found = issues_of(data)
    assert "set 16, part C, criterion 7.1: options [0, 2, 5, 10] are not those of source a [0, 2, 5, 0]" in found
    assert "set 9, part C, criterion 7.1, sources_differ: 'chosen' must be one of a, b" in found


def test_the_file_is_what_the_script_makes_of_the_sources() -> None:
    spec = importlib.util.spec_from_file_location("build_1048_sheets", ROOT / "tools" / "build_1048_sheets.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = tool  # its dataclasses look their module up
    spec.loader.exec_module(tool)
    committed = resources.files("ocop_shared.regulations").joinpath("data", "qd-1048-2019.json")
    assert tool.render(tool.SOURCES) == committed.read_text("utf-8"), "run tools/build_1048_sheets.py"
