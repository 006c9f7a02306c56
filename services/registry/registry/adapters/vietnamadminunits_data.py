"""The 63 provinces' units before 1 July 2025 and their succession, from `vietnamadminunits`' dataset.

The package (MIT) ships its data beside its code: ``data/dataset.db`` (SQLite; tables
``admin_units_legacy`` — one row per commune-level unit of the 63-province list on 2025-06-30 with
its district and province — and ``admin_units``, the 34-province list) and ``data/converter_2025.json``
(which old communes each new one took over, by name keys; the old ones split between several new
ones are listed apart). Both are read here as files: importing the package would load its parsers,
geocoder and unidecode (~0.7 s, 64 MB), which only an address line needs (``addresses.py``).

The dataset has no dates: its legacy units are returned in force until 2025-06-30 (from ``None``,
before our records), and the succession takes effect on 2025-07-01.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib.metadata import version
from pathlib import Path

from ..domain.admin_units import AdminUnit, Kind, Level
from ..domain.territory import REFORM

PACKAGE = "vietnamadminunits"
LAST_OLD_DAY = REFORM - timedelta(days=1)

_KINDS = {"Tỉnh": Kind.PROVINCE, "Thành phố": Kind.CITY, "Thị xã": Kind.TOWN, "Huyện": Kind.DISTRICT,
          "Quận": Kind.URBAN_DISTRICT, "Phường": Kind.WARD, "Xã": Kind.COMMUNE, "Thị trấn": Kind.TOWNSHIP,
          "Đặc khu": Kind.SPECIAL_ZONE}


@dataclass(frozen=True)
class Succession:
    """What one unit since 2025-07-01 took over: old codes, and those it took only part of."""

    succeeds: tuple[str, ...]
    in_part: tuple[str, ...] = ()


def package_version() -> str:
    return version(PACKAGE)


def _data_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{PACKAGE} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _rows(sql: str) -> list[sqlite3.Row]:
    database = _data_dir() / "dataset.db"
    with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(sql).fetchall()


def _kind(word: str | None, name: str) -> Kind:
    if word is None:  # provinces carry no type column: "Thành phố Hà Nội", "Tỉnh An Giang"
        word = "Thành phố" if name.startswith("Thành phố ") else "Tỉnh"
    return _KINDS[word]


@cache
def _legacy_rows() -> tuple[sqlite3.Row, ...]:
    return tuple(_rows(
        "SELECT provinceKey, districtKey, wardKey, provinceCode, province, districtCode, district, "
        "districtType, wardCode, ward, wardType FROM admin_units_legacy ORDER BY wardCode"))


def legacy_units(*, except_provinces: frozenset[str] = frozenset()) -> list[AdminUnit]:
    """The provinces, district-level and commune-level units in force on 2025-06-30 (the 63
    provinces' list), but for ``except_provinces`` (codes of that list)."""
    seen: set[str] = set()
    units: list[AdminUnit] = []

    def add(code: str, name: str, kind_word: str | None, level: Level, parent: str | None) -> None:
        seen.add(code)
        units.append(AdminUnit(code=code, name=" ".join(name.split()), kind=_kind(kind_word, name),
                               level=level, parent_code=parent, valid_from=None, valid_to=LAST_OLD_DAY))

    for row in _legacy_rows():
        province, district, ward = row["provinceCode"], row["districtCode"], row["wardCode"]
        if province in except_provinces:
            continue
        if province not in seen:
            add(province, row["province"], None, Level.PROVINCE, None)
        if district not in seen:
            add(district, row["district"], row["districtType"], Level.DISTRICT, province)
        if ward:  # an island district without communes has no ward
            add(ward, row["ward"], row["wardType"], Level.COMMUNE, district)
    return units


def units_from_2025() -> list[AdminUnit]:
    """The 34 provinces' list (provinces and communes), in force from 2025-07-01 (for comparison
    with the statistics office's list the registry loads)."""
    units: dict[str, AdminUnit] = {}
    for row in _rows("SELECT provinceCode, province, wardCode, ward, wardType FROM admin_units"):
        province = row["provinceCode"]
        if province not in units:
            units[province] = AdminUnit(code=province, name=row["province"], kind=_kind(None, row["province"]),
                                        level=Level.PROVINCE, parent_code=None, valid_from=REFORM,
                                        valid_to=None)
        units[row["wardCode"]] = AdminUnit(code=row["wardCode"], name=" ".join(row["ward"].split()),
                                           kind=_kind(row["wardType"], row["ward"]), level=Level.COMMUNE,
                                           parent_code=province, valid_from=REFORM, valid_to=None)
    return list(units.values())


@cache
def succession() -> dict[str, Succession]:
    """New code (since 2025-07-01; provinces too) → the old codes it took over.

    An old commune whose territory went to several new ones is ``in_part`` of each; an island
    district without communes (its key has no ward) is succeeded as a district (Huyện Bạch Long Vĩ →
    Đặc khu Bạch Long Vĩ).
    """
    old_codes: dict[str, str] = {}
    old_provinces: dict[str, str] = {}
    for row in _legacy_rows():
        key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey'] or ''}"
        old_codes[key] = row["wardCode"] or row["districtCode"]
        old_provinces[row["provinceKey"]] = row["provinceCode"]
    new_codes: dict[tuple[str, str], str] = {}
    new_provinces: dict[str, str] = {}
    for row in _rows("SELECT provinceKey, wardKey, provinceCode, wardCode FROM admin_units"):
        new_codes[(row["provinceKey"], row["wardKey"])] = row["wardCode"]
        new_provinces[row["provinceKey"]] = row["provinceCode"]
    table = json.loads((_data_dir() / "converter_2025.json").read_text(encoding="utf-8"))

    whole: dict[str, set[str]] = defaultdict(set)
    part: dict[str, set[str]] = defaultdict(set)
    for new_province, olds in table["DICT_PROVINCE"].items():
        whole[new_provinces[new_province]].update(old_provinces[key] for key in olds)
    for new_province, wards in table["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, olds in wards.items():
            whole[new_codes[(new_province, ward_key)]].update(old_codes[key] for key in olds)
    for new_province, divided in table["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, news in divided.items():
            for new in news:
                code = new_codes[(new_province, new["newWardKey"])]
                whole[code].add(old_codes[old_key])
                part[code].add(old_codes[old_key])
    return {code: Succession(tuple(sorted(olds)), tuple(sorted(part.get(code, ()))))
            for code, olds in whole.items()}
