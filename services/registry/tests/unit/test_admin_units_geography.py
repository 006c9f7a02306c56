"""The registry's geography as built from its sources (the statistics office's list since
2025-07-01, vietnamadminunits before it, our dated An Giang and Kiên Giang history), the province
a commune belongs to across the reform, and address lines placed with the package's parser."""

from __future__ import annotations

from datetime import date

import pytest

from registry.adapters.addresses import place_line
from registry.adapters.admin_units_loader import packaged_admin_units
from registry.domain.admin_units import AdminUnitNotInForce, AdminUnits, Level
from registry.domain.errors import DomainError
from registry.domain.territory import OutsideProvince, check_in_province, provinces_today, territory_on

BEFORE, LAST_OLD_DAY, REFORM, AFTER = date(2021, 1, 1), date(2025, 6, 30), date(2025, 7, 1), date(2026, 1, 1)


@pytest.fixture(scope="module")
def units() -> AdminUnits:
    return packaged_admin_units()


def count(units: AdminUnits, level: Level, on: date) -> int:
    return sum(1 for u in units if u.level is level and u.valid_on(on))


def test_every_province_and_commune_on_either_side_of_the_reform(units: AdminUnits) -> None:
    assert (count(units, Level.PROVINCE, LAST_OLD_DAY), count(units, Level.DISTRICT, LAST_OLD_DAY),
            count(units, Level.COMMUNE, LAST_OLD_DAY)) == (63, 696, 10_035)
    assert (count(units, Level.PROVINCE, AFTER), count(units, Level.DISTRICT, AFTER),
            count(units, Level.COMMUNE, AFTER)) == (34, 0, 3_321)
    assert len(units.children("91", AFTER)) == 102 and len(units.children("82", AFTER)) == 102


def test_our_dated_history_stays_and_every_old_commune_has_a_successor(units: AdminUnits) -> None:
    assert units.resolve("30502", BEFORE).name == "Thị trấn Nhà Bàng"       # until 2023-04-09
    assert units.resolve("30502", date(2024, 1, 1)).name == "Phường Nhà Bàng"
    assert not units.is_valid("30285", date(2025, 1, 1))                   # Đông Xuyên merged then
    old = [u for u in units if u.level is Level.COMMUNE and u.valid_on(LAST_OLD_DAY)]
    assert all(units.successors_on(u.code, AFTER) for u in old)
    assert [u.code for u in units.successors("30334", LAST_OLD_DAY)] == ["30316", "30325"]  # split
    assert units.resolve("30307", AFTER).basis == "1654/NQ-UBTVQH15", "our legal basis is kept"


def test_another_provinces_old_commune_resolves_then_and_is_succeeded_now(units: AdminUnits) -> None:
    assert units.path("30112", BEFORE) == "Xã Mỹ Hiệp, Huyện Cao Lãnh, Tỉnh Đồng Tháp"
    assert units.province_of("30112", BEFORE).code == "87"
    assert units.path("30112", AFTER) == "Xã Mỹ Hiệp, Tỉnh Đồng Tháp"
    assert units.province_of("30112", AFTER).code == "82"
    assert [u.code for u in units.successors_on("82", AFTER)] == ["82"]
    assert set(units.resolve("82", AFTER).succeeds) == {"82", "87"}, "Tiền Giang 82 and Đồng Tháp 87"
    assert units.resolve("11948", AFTER).succeeds == ("318",), "an island district became a special zone"


def test_a_commune_lies_in_the_province_that_holds_its_territory_today(units: AdminUnits) -> None:
    check_in_province(units, "30280", date(2020, 5, 1), "91")   # An Giang 89's commune in 2020
    check_in_province(units, "30280", AFTER, "91")              # no longer in force, succeeded in 91
    check_in_province(units, "30760", BEFORE, "91")             # Kiên Giang's
    assert [p.code for p in provinces_today(units, "30112", BEFORE)] == ["82"]
    with pytest.raises(OutsideProvince) as refused:
        check_in_province(units, "28000", date(2020, 5, 1), "91")
    assert refused.value.vi == ("Xã Thạnh Hòa (28000) thuộc tỉnh Long An (nay là tỉnh Tây Ninh), "
                                "không thuộc tỉnh An Giang")
    with pytest.raises(OutsideProvince) as refused:
        check_in_province(units, "00004", AFTER, "91")
    assert refused.value.en == "Phường Ba Đình (00004) is in Hà Nội City, not in An Giang province"
    assert territory_on(units, "91", LAST_OLD_DAY) == {"89", "91"}
    assert territory_on(units, "91", AFTER) == {"91"}
    assert territory_on(units, "79", LAST_OLD_DAY) == {"74", "77", "79"}


@pytest.mark.parametrize(("line", "on", "code"), [
    ("Phường Long Xuyên, An Giang", AFTER, "30307"),
    ("Số 12 Trần Hưng Đạo, phường Mỹ Bình, thành phố Long Xuyên, tỉnh An Giang", AFTER, "30307"),
    ("Phường Mỹ Bình, TP Long Xuyên, An Giang", BEFORE, "30280"),  # on its own day: itself
    ("phuong my binh, tp long xuyen, an giang", AFTER, "30307"),
    ("ấp 3, xã Mỹ Hiệp, huyện Cao Lãnh, Đồng Tháp", AFTER, "30112"),
    ("Đặc khu Phú Quốc, An Giang", AFTER, "31078"),
])
def test_address_lines_new_and_old_are_placed(units: AdminUnits, line: str, on: date, code: str) -> None:
    assert place_line(units, line, on).code == code


def test_an_old_line_says_which_commune_it_named_and_keeps_its_street(units: AdminUnits) -> None:
    placed = place_line(units, "Số 12 Trần Hưng Đạo, phường Mỹ Bình, thành phố Long Xuyên, tỉnh An Giang", AFTER)
    assert (placed.street, placed.named_commune) == ("Số 12 Trần Hưng Đạo", "Phường Mỹ Bình (30280)")


@pytest.mark.parametrize(("line", "en"), [
    ("", "No province or city found in the address “”"),
    ("Khóm 5, Mỹ Bình", "No province or city found in the address “Khóm 5, Mỹ Bình”"),
    ("An Giang", "The address “An Giang” names no commune, ward or special zone of An Giang province"),
    ("Ấp 3, Xã Không Có, An Giang", "“Xã Không Có” was not found in An Giang province"),
    ("Phường Mỹ Bình, Long Xuyên, Đồng Tháp", "“Long Xuyên” was not found in Đồng Tháp province"),
    ("xã Bình Hòa Tây, TP Long Xuyên, An Giang", "“Xã Bình Hòa Tây” was not found in An Giang province"),
    ("xã Vĩnh Châu, TP Châu Đốc, An Giang", "Xã Vĩnh Châu (30334) was divided between Phường Châu Đốc "
                                            "(30316), Phường Vĩnh Tế (30325)"),
])
def test_what_a_line_cannot_place_is_named(units: AdminUnits, line: str, en: str) -> None:
    with pytest.raises(DomainError) as refused:
        place_line(units, line, AFTER)
    assert refused.value.field == "address" and refused.value.en.startswith(en), refused.value.en


def test_a_unit_of_todays_list_on_an_earlier_day_is_not_in_force(units: AdminUnits) -> None:
    with pytest.raises(AdminUnitNotInForce) as refused:
        place_line(units, "Phường Long Xuyên, An Giang", BEFORE)
    assert refused.value.field == "address"
    assert refused.value.en == ("commune 30307 (Phường Long Xuyên) is only valid from 2025-07-01, not on "
                                "2021-01-01")
