"""Administrative units as versioned data: the packaged An Giang / Kiên Giang history and the loaders."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from registry.adapters.admin_units_loader import (
    AdminUnitsFileError,
    load_gso_csv,
    load_packaged,
    read_gso_csv,
    read_units_json,
)
from registry.domain.admin_units import (
    AdminUnit,
    AdminUnitNotInForce,
    AdminUnits,
    InconsistentAdminUnits,
    InvalidAdminUnit,
    Kind,
    Level,
    UnknownAdminUnit,
    fold,
)
from registry.domain.errors import DomainError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BEFORE = date(2021, 1, 1)
LAST_OLD_DAY = date(2025, 6, 30)
REFORM = date(2025, 7, 1)
AFTER = date(2026, 1, 1)


@pytest.fixture(scope="module")
def units() -> AdminUnits:
    return load_packaged()


# ---- packaged data --------------------------------------------------------------------------------
def test_an_giang_89_has_eleven_district_level_units_in_2021_and_none_in_2026(units: AdminUnits) -> None:
    districts = [u for u in units.children("89", BEFORE) if u.level is Level.DISTRICT]
    assert [u.code for u in districts] == ["883", "884", "886", "887", "888", "889", "890", "891", "892",
                                           "893", "894"]
    assert [u.name for u in districts][:2] == ["Thành phố Long Xuyên", "Thành phố Châu Đốc"]
    assert not [u for u in units if u.level is Level.DISTRICT and u.valid_on(AFTER)]
    assert not units.is_valid("89", AFTER)


def test_commune_counts_before_and_after_the_merger(units: AdminUnits) -> None:
    def communes(province: str, on: date) -> int:
        return sum(1 for u in units if u.level is Level.COMMUNE and u.valid_on(on)
                   and units.province_of(u.code, on).code == province)

    assert communes("89", BEFORE) == 156
    assert communes("89", LAST_OLD_DAY) == 155          # Đông Xuyên merged into Mỹ Xuyên on 2025-01-01
    assert communes("91", LAST_OLD_DAY) == 143          # Kiên Giang
    assert communes("91", AFTER) == 102                 # merged An Giang
    assert len(units.children("91", AFTER)) == 102
    kinds = sorted(u.kind.value for u in units.children("91", AFTER))
    assert (kinds.count("commune"), kinds.count("ward"), kinds.count("special_zone")) == (85, 14, 3)


def test_every_old_commune_has_a_successor_in_the_new_province(units: AdminUnits) -> None:
    old = {u.code for u in units if u.level is Level.COMMUNE and u.valid_on(LAST_OLD_DAY)}
    new = [u for u in units if u.level is Level.COMMUNE and u.valid_on(REFORM)]
    assert len(old) == 298
    assert set().union(*(u.succeeds for u in new)) == old
    assert all(units.successors_on(code, AFTER) for code in old)


# ---- resolving by date ------------------------------------------------------------------------------
def test_resolve_before_and_after_2025_07_01(units: AdminUnits) -> None:
    assert units.resolve("30307", LAST_OLD_DAY).name == "Phường Mỹ Hòa"
    assert units.resolve("30307", REFORM).name == "Phường Long Xuyên"
    assert units.resolve("30307", REFORM).parent_code == "91"
    assert units.resolve("91", LAST_OLD_DAY).name == "Tỉnh Kiên Giang"
    assert units.resolve("91", REFORM).name == "Tỉnh An Giang"
    assert units.resolve("91", REFORM).succeeds == ("89", "91")
    assert units.resolve("30280", LAST_OLD_DAY).name == "Phường Mỹ Bình"


def test_resolve_follows_the_2023_redesignation(units: AdminUnits) -> None:
    assert units.resolve("30502", date(2023, 4, 9)).name == "Thị trấn Nhà Bàng"
    assert units.resolve("30502", date(2023, 4, 10)).name == "Phường Nhà Bàng"
    assert units.resolve("890", date(2023, 4, 9)).kind is Kind.DISTRICT
    assert units.resolve("890", date(2023, 4, 10)).kind is Kind.TOWN
    assert units.resolve("890", date(2023, 4, 10)).basis == "721/NQ-UBTVQH15"


def test_pre_reform_commune_on_a_2026_date_fails_naming_its_successor(units: AdminUnits) -> None:
    with pytest.raises(AdminUnitNotInForce) as caught:
        units.resolve("30280", AFTER)
    error = caught.value
    assert isinstance(error, DomainError)
    assert error.en == ("commune 30280 (Phường Mỹ Bình) ceased on 2025-06-30; "
                        "it was succeeded by 30307 Phường Long Xuyên")
    assert error.vi == ("Đơn vị cấp xã 30280 (Phường Mỹ Bình) đã chấm dứt ngày 30/06/2025; "
                        "đơn vị kế thừa: 30307 Phường Long Xuyên")
    assert [u.code for u in error.successors] == ["30307"]
    assert error.nearest.name == "Phường Mỹ Bình"


def test_a_split_commune_names_every_successor_in_part(units: AdminUnits) -> None:
    with pytest.raises(AdminUnitNotInForce) as caught:
        units.resolve("30334", AFTER)
    assert caught.value.en.endswith(
        "succeeded by 30316 Phường Châu Đốc (in part), 30325 Phường Vĩnh Tế (in part)")
    assert "(một phần)" in caught.value.vi


def test_the_successor_named_is_the_one_in_force_on_the_date_asked(units: AdminUnits) -> None:
    # Đông Xuyên went into Mỹ Xuyên on 2025-01-01, which went into Long Xuyên on 2025-07-01
    with pytest.raises(AdminUnitNotInForce) as early:
        units.resolve("30285", date(2025, 3, 1))
    assert [u.name for u in early.value.successors] == ["Phường Mỹ Xuyên"]
    assert [u.name for u in units.successors_on("30285", AFTER)] == ["Phường Long Xuyên"]


def test_province_and_district_level_codes_after_the_reform(units: AdminUnits) -> None:
    with pytest.raises(AdminUnitNotInForce) as province:
        units.resolve("89", AFTER)
    assert "succeeded by 91 Tỉnh An Giang" in province.value.en
    with pytest.raises(AdminUnitNotInForce) as district:
        units.resolve("883", AFTER)
    assert district.value.en == ("district 883 (Thành phố Long Xuyên) ceased on 2025-06-30 "
                                 "and has no successor at its level")


def test_unknown_code(units: AdminUnits) -> None:
    with pytest.raises(UnknownAdminUnit) as caught:
        units.resolve("12345", AFTER)
    assert caught.value.en == "No administrative unit has code 12345"
    assert caught.value.vi == "Không có đơn vị hành chính mã 12345"


@pytest.mark.parametrize(("code", "district", "successor"), [
    ("30280", "Thành phố Long Xuyên", "Phường Long Xuyên"),
    ("30307", "Thành phố Long Xuyên", "Phường Long Xuyên"),
    ("30316", "Thành phố Châu Đốc", "Phường Châu Đốc"),
    ("30340", "Huyện An Phú", "Xã Khánh Bình"),
    ("30376", "Thị xã Tân Châu", "Phường Tân Châu"),
    ("30406", "Huyện Phú Tân", "Xã Phú Tân"),
    ("30463", "Huyện Châu Phú", "Xã Châu Phú"),
    ("30535", "Thị xã Tịnh Biên", "Phường Chi Lăng"),
    ("30544", "Huyện Tri Tôn", "Xã Tri Tôn"),
    ("30568", "Huyện Tri Tôn", "Xã Vĩnh Gia"),
    ("30589", "Huyện Châu Thành", "Xã An Châu"),
    ("30628", "Huyện Chợ Mới", "Xã Chợ Mới"),
    ("30682", "Huyện Thoại Sơn", "Xã Thoại Sơn"),
])
def test_demo_and_district_centre_communes_have_successors(units: AdminUnits, code: str, district: str,
                                                           successor: str) -> None:
    old_district = units.district_of(code, date(2024, 6, 1))
    assert old_district is not None and old_district.name == district
    assert [u.name for u in units.successors_on(code, AFTER)] == [successor]
    assert units.province_of(units.successors_on(code, AFTER)[0].code, AFTER).code == "91"


# ---- hierarchy ----------------------------------------------------------------------------------------
def test_paths_with_diacritics(units: AdminUnits) -> None:
    assert units.path("30280", BEFORE) == "Phường Mỹ Bình, Thành phố Long Xuyên, Tỉnh An Giang"
    assert units.path("30544", date(2024, 6, 1)) == "Thị trấn Tri Tôn, Huyện Tri Tôn, Tỉnh An Giang"
    assert units.path("30502", date(2024, 6, 1)) == "Phường Nhà Bàng, Thị xã Tịnh Biên, Tỉnh An Giang"
    assert units.path("30307", AFTER) == "Phường Long Xuyên, Tỉnh An Giang"
    assert units.path("31078", AFTER) == "Đặc khu Phú Quốc, Tỉnh An Giang"
    assert units.path("30742", date(2024, 6, 1)) == "Phường Vĩnh Bảo, Thành phố Rạch Giá, Tỉnh Kiên Giang"


def test_province_and_district_of(units: AdminUnits) -> None:
    assert units.province_of("30280", BEFORE).code == "89"
    assert units.province_of("30307", AFTER).code == "91"
    assert units.province_of("30307", BEFORE).code == "89"
    assert units.province_of("30742", BEFORE).name == "Tỉnh Kiên Giang"
    district = units.district_of("30280", BEFORE)
    assert district is not None and district.code == "883"
    assert units.district_of("30307", AFTER) is None
    assert units.district_of("89", BEFORE) is None


def test_children_change_with_the_date(units: AdminUnits) -> None:
    assert len(units.children("883", date(2024, 12, 31))) == 13
    assert len(units.children("883", date(2025, 1, 1))) == 12
    assert "30285" not in {u.code for u in units.children("883", date(2025, 1, 1))}
    assert {u.code for u in units.children("91", BEFORE)} >= {"899", "911"}


def test_successors(units: AdminUnits) -> None:
    assert [u.code for u in units.successors("89")] == ["91"]
    assert [u.name for u in units.successors("30280")] == ["Phường Long Xuyên"]
    assert [u.name for u in units.successors("890", on=date(2023, 1, 1))] == ["Thị xã Tịnh Biên"]
    assert units.successors("883") == ()
    assert units.successors("30307", on=AFTER) == ()


# ---- search by name -----------------------------------------------------------------------------------
def test_accent_insensitive_search(units: AdminUnits) -> None:
    assert fold("  Phường  MỸ Bình ") == "phuong my binh"
    assert fold("Xã Mỹ Hoà Hưng") == fold("Xã Mỹ Hòa Hưng") == "xa my hoa hung"
    assert units.search("my binh", on=BEFORE)[0].code == "30280"
    assert [u.name for u in units.search("LONG XUYEN", on=AFTER)] == ["Phường Long Xuyên"]
    assert units.search("long xuyen", on=BEFORE)[0].name == "Thành phố Long Xuyên"
    assert units.search("Đông Xuyên", level=Level.COMMUNE)[0].code == "30285"
    hung = units.search("my hoa hung")
    assert [(u.code, u.valid_from) for u in hung] == [("30313", None), ("30313", REFORM)]
    assert [u.code for u in units.search("vinh phu", on=BEFORE, within="894")] == ["30694"]
    assert units.search("   ") == []


# ---- GSO CSV loader -----------------------------------------------------------------------------------
def test_gso_csv_fixture_loads_with_the_callers_dates() -> None:
    loaded = load_gso_csv(FIXTURES / "gso_an_giang_2024_sample.csv", valid_from=date(2023, 4, 10),
                          valid_to=date(2024, 12, 31))
    by_code = {u.code: u for u in loaded}
    assert sorted(by_code) == ["30280", "30310", "30502", "30544", "30568", "883", "89", "890", "891"]
    assert by_code["89"].kind is Kind.PROVINCE
    assert by_code["890"].kind is Kind.TOWN and by_code["890"].level is Level.DISTRICT
    assert by_code["30544"].kind is Kind.TOWNSHIP and by_code["30544"].parent_code == "891"
    assert all(u.valid_from == date(2023, 4, 10) and u.valid_to == date(2024, 12, 31) for u in loaded)
    registry = AdminUnits(loaded)
    assert registry.path("30568", date(2024, 1, 1)) == "Xã Lương An Trà, Huyện Tri Tôn, Tỉnh An Giang"
    with pytest.raises(AdminUnitNotInForce):
        registry.resolve("30568", date(2025, 1, 1))


def test_gso_csv_bad_rows_are_reported_with_their_row_numbers() -> None:
    with pytest.raises(AdminUnitsFileError) as caught:
        load_gso_csv(FIXTURES / "gso_an_giang_bad_rows.csv", valid_from=date(2024, 1, 1))
    problems = caught.value.problems
    assert [p.row for p in problems] == [3, 4, 6]
    assert problems[0].en == "Mã PX '3O283' is not a 5-digit code"
    assert "Khu phố" in problems[1].en
    assert problems[2].en == "commune code 30568 already appears on row 5"
    assert "row 3: Mã PX '3O283'" in caught.value.en
    assert "dòng 3" in caught.value.vi
    assert caught.value.source == "gso_an_giang_bad_rows.csv"


def test_gso_csv_after_the_reform_without_district_columns() -> None:
    text = (
        "\ufeffMã TP;Tinh Thanh Pho;Mã PX;Phường Xã;Cấp\n"
        "91;Tỉnh An Giang;30307;Phường Long Xuyên;Phường\n"
        "91;Tỉnh An Giang;31078;Đặc khu Phú Quốc;Đặc khu\n"
        "1;Thành phố Hà Nội;4;Phường Ba Đình;Phường\n"
    )
    loaded = read_gso_csv(text.splitlines(), valid_from=REFORM)
    by_code = {u.code: u for u in loaded}
    assert by_code["31078"].kind is Kind.SPECIAL_ZONE and by_code["31078"].parent_code == "91"
    assert by_code["00004"].parent_code == "01" and by_code["01"].kind is Kind.CITY
    assert AdminUnits(loaded).path("30307", AFTER) == "Phường Long Xuyên, Tỉnh An Giang"


def test_gso_csv_missing_columns_and_inconsistent_rows() -> None:
    with pytest.raises(AdminUnitsFileError) as missing:
        read_gso_csv(["Tỉnh / Thành Phố,Mã TP,Phường Xã\n"], valid_from=None)
    assert missing.value.problems[0].row == 1
    assert "Mã PX" in missing.value.problems[0].en
    lines = [
        "Tỉnh / Thành Phố,Mã TP,Quận Huyện,Mã QH,Phường Xã,Mã PX\n",
        "Tỉnh An Giang,89,Thành phố Long Xuyên,883,Phường Mỹ Bình,30280\n",
        "Tỉnh An Giang,89,Thành phố Châu Đốc,883,Phường Châu Phú A,30319\n",
        "Tỉnh An Giang,89,Long Xuyên,884,Phường Mỹ Long,30283\n",
    ]
    with pytest.raises(AdminUnitsFileError) as bad:
        read_gso_csv(lines, valid_from=None)
    assert [p.row for p in bad.value.problems] == [3, 4]
    assert "district 883 is 'Thành phố Châu Đốc'" in bad.value.problems[0].en
    assert "does not start with a district-level kind word" in bad.value.problems[1].en


# ---- JSON format and consistency checks --------------------------------------------------------------
def test_json_loader_reports_bad_units_by_position() -> None:
    text = """{"format": "ocop-admin-units/1", "units": [
      {"code": "89", "name": "Tỉnh An Giang", "kind": "province", "level": "province",
       "parent_code": null, "valid_from": null, "valid_to": "2025-06-30"},
      {"code": "883", "name": "Thành phố Long Xuyên", "kind": "city", "level": "district",
       "parent_code": "89", "valid_from": "2025-13-01", "valid_to": null},
      {"code": "3028", "name": "Phường Mỹ Bình", "kind": "ward", "level": "commune",
       "parent_code": "883", "valid_from": null, "valid_to": null, "colour": "red"},
      {"code": "884", "name": "Phường Mỹ Long", "kind": "ward", "level": "district",
       "parent_code": "883", "valid_from": null, "valid_to": null}
    ]}"""
    with pytest.raises(AdminUnitsFileError) as caught:
        read_units_json(text, source="sample.json")
    problems = caught.value.problems
    assert [p.row for p in problems] == [2, 3, 4]
    assert "'valid_from' = '2025-13-01' is not a YYYY-MM-DD date" in problems[0].en
    assert "unknown field(s): colour" in problems[1].en
    assert problems[2].en == "unit (code 884): kind 'ward' is not a district-level kind"


def _unit(code: str, name: str, kind: Kind, level: Level, parent: str | None,
          valid_from: date | None, valid_to: date | None, succeeds: tuple[str, ...] = ()) -> AdminUnit:
    return AdminUnit(code=code, name=name, kind=kind, level=level, parent_code=parent,
                     valid_from=valid_from, valid_to=valid_to, succeeds=succeeds)


def test_inconsistent_histories_are_refused() -> None:
    province = _unit("89", "Tỉnh An Giang", Kind.PROVINCE, Level.PROVINCE, None, None, date(2025, 6, 30))
    overlapping = [
        province,
        _unit("30280", "Phường Mỹ Bình", Kind.WARD, Level.COMMUNE, "89", None, date(2025, 1, 1)),
        _unit("30280", "Phường Mỹ Bình", Kind.WARD, Level.COMMUNE, "89", date(2024, 1, 1), None),
    ]
    with pytest.raises(InconsistentAdminUnits) as overlap:
        AdminUnits(overlapping)
    assert any("versions of 30280 overlap" in en for _, en in overlap.value.problems)
    assert any("parent 89 is not in force" in en for _, en in overlap.value.problems)
    dangling = [province, _unit("91", "Tỉnh An Giang", Kind.PROVINCE, Level.PROVINCE, None, REFORM, None,
                                succeeds=("89", "92"))]
    with pytest.raises(InconsistentAdminUnits) as succession:
        AdminUnits(dangling)
    assert [en for _, en in succession.value.problems] == [
        "91 (Tỉnh An Giang) succeeds 92 but no version of 92 ends on 2025-06-30"]


def test_a_unit_must_be_well_formed() -> None:
    with pytest.raises(InvalidAdminUnit, match="must be 5 digits"):
        _unit("3028", "Phường Mỹ Bình", Kind.WARD, Level.COMMUNE, "883", None, None)
    with pytest.raises(InvalidAdminUnit, match="valid_to is before valid_from"):
        _unit("30280", "Phường Mỹ Bình", Kind.WARD, Level.COMMUNE, "883", REFORM, BEFORE)
    with pytest.raises(InvalidAdminUnit, match="no parent_code"):
        _unit("30280", "Phường Mỹ Bình", Kind.WARD, Level.COMMUNE, None, None, None)


def test_a_code_asked_before_its_first_version() -> None:
    registry = AdminUnits([_unit("91", "Tỉnh An Giang", Kind.PROVINCE, Level.PROVINCE, None, REFORM, None)])
    with pytest.raises(AdminUnitNotInForce) as caught:
        registry.resolve("91", BEFORE)
    assert caught.value.en == "province 91 (Tỉnh An Giang) is only valid from 2025-07-01, not on 2021-01-01"
    assert caught.value.successors == ()
