"""Who recognises and revokes a star, by regulation and decision date (data/authorities.json)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ocop_shared.regulations import get_regulation, regulations
from ocop_shared.regulations.authorities import FILE, AuthorityGap, load_authorities

AUTHORITIES = load_authorities(regulations())
R1048, R148, R26 = (get_regulation(code) for code in ("1048/QĐ-TTg", "148/QĐ-TTg", "26/2026/QĐ-TTg"))


def who(regulation_code: str, stars: int, day: date) -> str:
    return AUTHORITIES.recognising(get_regulation(regulation_code), stars, day, province="An Giang",
                                   district="huyện Châu Thành").name_vi


@pytest.mark.parametrize(("regulation", "stars", "day", "expected"), [
    # 1048: the province recognises 3★-4★, the central level 5★ (the ministry of the day)
    ("1048/QĐ-TTg", 3, date(2020, 11, 20), "UBND tỉnh An Giang"),
    ("1048/QĐ-TTg", 4, date(2021, 12, 1), "UBND tỉnh An Giang"),
    ("1048/QĐ-TTg", 5, date(2022, 6, 1), "Bộ Nông nghiệp và Phát triển nông thôn"),
    # 148 from 24 Feb 2023: the district recognises 3★, the province 4★
    ("148/QĐ-TTg", 3, date(2023, 2, 24), "UBND huyện Châu Thành"),
    ("148/QĐ-TTg", 4, date(2023, 2, 24), "UBND tỉnh An Giang"),
    ("148/QĐ-TTg", 5, date(2025, 2, 28), "Bộ Nông nghiệp và Phát triển nông thôn"),
    # MARD merged into the Ministry of Agriculture and Environment on 1 March 2025
    ("148/QĐ-TTg", 5, date(2025, 3, 1), "Bộ Nông nghiệp và Môi trường"),
    ("148/QĐ-TTg", 3, date(2025, 6, 30), "UBND huyện Châu Thành"),
    # districts ceased on 1 July 2025: the province acts for them until 1489's procedure
    ("148/QĐ-TTg", 3, date(2025, 7, 1), "UBND tỉnh An Giang"),
    ("148/QĐ-TTg", 3, date(2025, 8, 1), "UBND tỉnh An Giang"),  # 1489: the province, 3★-4★
    ("26/2026/QĐ-TTg", 3, date(2026, 5, 22), "UBND tỉnh An Giang"),
    ("26/2026/QĐ-TTg", 5, date(2026, 5, 22), "Bộ Nông nghiệp và Môi trường"),
])
def test_the_body_that_recognises_a_star_follows_the_regulation_and_the_date(
        regulation: str, stars: int, day: date, expected: str) -> None:
    assert who(regulation, stars, day) == expected


def test_a_body_is_named_with_its_place_on_the_documents() -> None:
    province = AUTHORITIES.recognising(R26, 4, date(2026, 6, 1), province="Đồng Tháp")
    assert province.header_vi == ("ỦY BAN NHÂN DÂN", "TỈNH ĐỒNG THÁP")
    assert province.decider_en == "Chairman of the People's Committee of Đồng Tháp province"
    assert province.place == "Đồng Tháp"
    district = AUTHORITIES.recognising(R148, 3, date(2024, 5, 1), province="An Giang",
                                       district="Thành phố Long Xuyên")
    assert (district.name_vi, district.header_vi) == (
        "UBND thành phố Long Xuyên", ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ LONG XUYÊN"))
    unknown = AUTHORITIES.recognising(R148, 3, date(2024, 5, 1), province="An Giang")
    assert (unknown.name_vi, unknown.name_en) == ("UBND cấp huyện", "People's Committee of the district")
    city = AUTHORITIES.recognising(R26, 3, date(2026, 6, 1), province="Hồ Chí Minh", city=True)
    assert (city.name_vi, city.name_en, city.header_vi[1]) == (
        "UBND thành phố Hồ Chí Minh", "People's Committee of Hồ Chí Minh City", "THÀNH PHỐ HỒ CHÍ MINH")


def test_revocation_goes_to_the_issuer_or_its_legal_successor() -> None:
    district_3_star = AUTHORITIES.recognising(R148, 3, date(2023, 9, 1), province="An Giang",
                                              district="huyện Châu Thành")
    assert district_3_star.body_id == "district-committee"
    before = AUTHORITIES.revoking("district-committee", date(2025, 5, 1), province="An Giang",
                                  district="huyện Châu Thành")
    after = AUTHORITIES.revoking("district-committee", date(2026, 3, 1), province="An Giang",
                                 district="huyện Châu Thành")
    assert (before.name_vi, after.name_vi) == ("UBND huyện Châu Thành", "UBND tỉnh An Giang")
    assert AUTHORITIES.revoking("mard", date(2026, 3, 1), province="An Giang").name_vi == (
        "Bộ Nông nghiệp và Môi trường")


def test_no_level_recognises_a_star_below_the_certifiable() -> None:
    with pytest.raises(LookupError, match="2★"):
        AUTHORITIES.recognising(R26, 2, date(2026, 6, 1), province="An Giang")
    # a 1048 round decided after 1048 ceased follows the procedure it began with
    late = AUTHORITIES.recognising(R1048, 3, date(2023, 3, 1), province="An Giang")
    assert (late.body_id, late.level) == ("province-committee", "province")


def test_data_that_leaves_a_level_without_a_body_is_refused_naming_the_gap(tmp_path: Path) -> None:
    data = json.loads(FILE.read_text(encoding="utf-8"))
    data["bodies"] = [body for body in data["bodies"] if body["id"] != "mae"]
    broken = tmp_path / "authorities.json"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(AuthorityGap) as refused:
        load_authorities(regulations(), broken)
    assert "central from 2025-03-01 (148/QĐ-TTg)" in refused.value.gaps
    assert "central from 2026-05-22 (26/2026/QĐ-TTg)" in refused.value.gaps
