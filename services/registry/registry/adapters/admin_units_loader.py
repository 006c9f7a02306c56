"""Loading administrative units: the JSON packaged with the registry, and the GSO code list as CSV.

* ``load_packaged()``: our own records, ``data/admin_units/*.json`` (format in the README there).
* ``read_gso_csv()`` / ``load_gso_csv()`` read the administrative-unit list as the General Statistics
  Office (Tổng cục Thống kê, now Cục Thống kê) exports it from danhmuchanhchinh.gso.gov.vn, saved as
  CSV. One row per commune-level unit; the columns are found by their header, in any order, with or
  without accents, "/" or case ("Tỉnh / Thành Phố" = "Tỉnh Thành Phố" = "tinh thanh pho"):

  ==================  ========  ===========================================================
  header              required  meaning
  ==================  ========  ===========================================================
  Tỉnh / Thành Phố    yes       province name with its kind word ("Tỉnh An Giang")
  Mã TP               yes       province code, 2 digits (leading zeros may be lost: "1")
  Quận Huyện          no*       district name ("Thành phố Long Xuyên"); absent since 2025-07-01
  Mã QH               no*       district code, 3 digits
  Phường Xã           yes       commune name ("Phường Mỹ Bình")
  Mã PX               yes       commune code, 5 digits
  Cấp                 no        "Phường", "Xã", "Thị trấn" or "Đặc khu"; else taken from the name
  (any other)         no        ignored, e.g. "Tên Tiếng Anh"
  ==================  ========  ===========================================================

  (*) both district columns or neither; a row with both empty puts the commune under the province.
  The export carries no dates, so the caller says from when (and until when) the list is in force.
  Bad rows are reported all at once, each with its line number and the reason.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from ..domain.admin_units import (
    AdminUnit,
    AdminUnits,
    InvalidAdminUnit,
    Kind,
    Level,
    fold,
)
from ..domain.errors import DomainError

__all__ = [
    "FORMAT",
    "AdminUnitsFileError",
    "RowProblem",
    "load_gso_csv",
    "load_packaged",
    "packaged_admin_units",
    "read_gso_csv",
    "read_units_json",
]

FORMAT = "ocop-admin-units/1"
DATA_PACKAGE = "registry.data"
DATA_DIR = "admin_units"


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int      # CSV: line number in the file (header = 1); JSON: position in "units" (first = 1)
    vi: str
    en: str


class AdminUnitsFileError(DomainError):
    """A file of administrative units has bad rows; ``problems`` lists every one."""

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        shown = problems[:20]
        more = len(problems) - len(shown)
        vi = f"{source}: {len(problems)} dòng lỗi: " + "; ".join(f"dòng {p.row}: {p.vi}" for p in shown)
        en = f"{source}: {len(problems)} bad row(s): " + "; ".join(f"row {p.row}: {p.en}" for p in shown)
        if more:
            vi += f"; và {more} lỗi khác"
            en += f"; and {more} more"
        super().__init__(vi, en)
        self.source = source
        self.problems = problems


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---- packaged JSON ---------------------------------------------------------------------------------
def read_units_json(text: str, source: str = "<json>") -> list[AdminUnit]:
    """Parse one file of the packaged format; raises AdminUnitsFileError listing bad units."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise AdminUnitsFileError(source, [RowProblem(error.lineno, "không phải JSON hợp lệ",
                                                      f"not valid JSON: {error.msg}")]) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("units"), list):
        raise AdminUnitsFileError(source, [RowProblem(
            0, f"cần một đối tượng có format '{FORMAT}' và units",
            f"expected an object with format '{FORMAT}' and units")])
    units: list[AdminUnit] = []
    problems: list[RowProblem] = []
    for index, record in enumerate(doc["units"], start=1):
        try:
            units.append(_unit_from_record(record))
        except _Bad as bad:
            code = record.get("code") if isinstance(record, dict) else None
            vi_label, en_label = (f" (mã {code})", f" (code {code})") if code else ("", "")
            problems.append(RowProblem(index, f"đơn vị{vi_label}: {bad.vi}", f"unit{en_label}: {bad.en}"))
    if problems:
        raise AdminUnitsFileError(source, problems)
    return units


class _Bad(Exception):
    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


_FIELDS = {"code", "name", "kind", "level", "parent_code", "valid_from", "valid_to", "succeeds",
           "succeeds_in_part", "basis", "verified", "note"}


def _unit_from_record(record: Any) -> AdminUnit:
    if not isinstance(record, dict):
        raise _Bad("không phải một đối tượng", "not an object")
    unknown = sorted(set(record) - _FIELDS)
    if unknown:
        raise _Bad(f"trường không biết: {', '.join(unknown)}", f"unknown field(s): {', '.join(unknown)}")
    try:
        kind = Kind(_text(record, "kind"))
        level = Level(_text(record, "level"))
    except ValueError as error:
        raise _Bad(f"giá trị không hợp lệ: {error}", f"invalid value: {error}") from None
    verified = record.get("verified", True)
    if not isinstance(verified, bool):
        raise _Bad("verified phải là true/false", "verified must be true or false")
    try:
        return AdminUnit(
            code=_text(record, "code"),
            name=_text(record, "name"),
            kind=kind,
            level=level,
            parent_code=_optional_text(record, "parent_code"),
            valid_from=_date(record, "valid_from"),
            valid_to=_date(record, "valid_to"),
            succeeds=_codes(record, "succeeds"),
            succeeds_in_part=_codes(record, "succeeds_in_part"),
            basis=_optional_text(record, "basis"),
            verified=verified,
            note=_optional_text(record, "note"),
        )
    except InvalidAdminUnit as error:
        raise _Bad(error.reason_vi, error.reason_en) from None


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise _Bad(f"thiếu '{key}' (chuỗi)", f"'{key}' must be a string")
    return value


def _optional_text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise _Bad(f"'{key}' phải là chuỗi hoặc null", f"'{key}' must be a string or null")
    return value


def _date(record: dict[str, Any], key: str) -> date | None:
    value = _optional_text(record, key)
    if value is None:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise _Bad(f"'{key}' = '{value}' không phải ngày YYYY-MM-DD",
                   f"'{key}' = '{value}' is not a YYYY-MM-DD date") from None


def _codes(record: dict[str, Any], key: str) -> tuple[str, ...]:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Bad(f"'{key}' phải là danh sách mã", f"'{key}' must be a list of codes")
    return tuple(value)


def load_packaged() -> AdminUnits:
    """Our own records (``registry/data/admin_units/*.json``), as one consistent registry."""
    folder = resources.files(DATA_PACKAGE).joinpath(DATA_DIR)
    units: list[AdminUnit] = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".json"):
            units.extend(read_units_json(entry.read_text(encoding="utf-8"), source=entry.name))
    return AdminUnits(units)


def packaged_admin_units() -> AdminUnits:
    """Every unit the registry knows (``geography.geography()``, which reads through this module)."""
    from .geography import geography

    return geography()


# ---- GSO code list (CSV) -------------------------------------------------------------------------------
_GSO_HEADERS = {
    "tinhthanhpho": "province_name",
    "matp": "province_code",
    "quanhuyen": "district_name",
    "maqh": "district_code",
    "phuongxa": "commune_name",
    "mapx": "commune_code",
    "cap": "commune_kind",
}
_REQUIRED = ("province_name", "province_code", "commune_name", "commune_code")

# kind words by level, longest first so "Thị xã" is not read as "Xã"
_NAME_WORDS: dict[Level, tuple[tuple[str, Kind], ...]] = {
    Level.PROVINCE: (("thanh pho", Kind.CITY), ("tinh", Kind.PROVINCE)),
    Level.DISTRICT: (("thanh pho", Kind.CITY), ("thi xa", Kind.TOWN), ("huyen", Kind.DISTRICT),
                     ("quan", Kind.URBAN_DISTRICT)),
    Level.COMMUNE: (("thi tran", Kind.TOWNSHIP), ("dac khu", Kind.SPECIAL_ZONE), ("phuong", Kind.WARD),
                    ("xa", Kind.COMMUNE)),
}
_CAP_VALUES = {"phuong": Kind.WARD, "xa": Kind.COMMUNE, "thi tran": Kind.TOWNSHIP,
               "dac khu": Kind.SPECIAL_ZONE}
_LEVEL_VI = {Level.PROVINCE: "tỉnh", Level.DISTRICT: "huyện", Level.COMMUNE: "xã"}


def _header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(header))


def _kind_from_name(name: str, level: Level) -> Kind | None:
    folded = fold(name)
    for word, kind in _NAME_WORDS[level]:
        if folded.startswith(word + " "):
            return kind
    return None


@dataclass(slots=True)
class _Seen:
    name: str
    parent: str | None
    kind: Kind
    row: int


# Just over 60 lines: one pass over the statistics office's CSV (it loads gso_2025-07-01.csv, issue 22).
def read_gso_csv(lines: Iterable[str], *, valid_from: date | None, valid_to: date | None = None,
                 source: str = "<csv>", delimiter: str | None = None) -> list[AdminUnit]:
    """Units (provinces, districts, communes) of a GSO export, in force from ``valid_from`` to ``valid_to``.

    ``lines`` is any iterable of text lines (an open file, ``text.splitlines()``); the delimiter is
    guessed from the header (",", ";" or tab) unless given. Raises AdminUnitsFileError listing every
    bad row (line number and reason) and nothing is returned then.
    """
    iterator = iter(lines)
    header_line = next(iterator, None)
    if header_line is None:
        raise AdminUnitsFileError(source, [RowProblem(1, "tệp trống", "the file is empty")])
    header_line = header_line.lstrip("\ufeff")
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(_chain_first(header_line, iterator), delimiter=delimiter)
    header = next(reader)
    columns: dict[str, int] = {}
    for position, title in enumerate(header):
        key = _GSO_HEADERS.get(_header_key(title))
        if key is not None and key not in columns:
            columns[key] = position
    missing = [key for key in _REQUIRED if key not in columns]
    if ("district_name" in columns) != ("district_code" in columns):
        missing.append("district_code" if "district_name" in columns else "district_name")
    if missing:
        titles = {"province_name": "Tỉnh / Thành Phố", "province_code": "Mã TP",
                  "district_name": "Quận Huyện", "district_code": "Mã QH",
                  "commune_name": "Phường Xã", "commune_code": "Mã PX"}
        names = ", ".join(titles[key] for key in missing)
        raise AdminUnitsFileError(source, [RowProblem(1, f"thiếu cột: {names}",
                                                      f"missing column(s): {names}")])

    provinces: dict[str, _Seen] = {}
    districts: dict[str, _Seen] = {}
    communes: dict[str, _Seen] = {}
    problems: list[RowProblem] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            _read_row(row, columns, line, provinces, districts, communes)
        except _Bad as bad:
            problems.append(RowProblem(line, bad.vi, bad.en))
    if not problems and not communes:
        problems.append(RowProblem(1, "không có dòng dữ liệu nào", "no data rows"))
    if problems:
        raise AdminUnitsFileError(source, problems)

    units: list[AdminUnit] = []
    for level, seen in ((Level.PROVINCE, provinces), (Level.DISTRICT, districts), (Level.COMMUNE, communes)):
        for code, item in seen.items():
            try:
                units.append(AdminUnit(code=code, name=item.name, kind=item.kind, level=level,
                                       parent_code=item.parent, valid_from=valid_from, valid_to=valid_to))
            except InvalidAdminUnit as error:
                problems.append(RowProblem(item.row, error.vi, error.en))
    if problems:
        raise AdminUnitsFileError(source, problems)
    return units


def load_gso_csv(path: str | Path, *, valid_from: date | None, valid_to: date | None = None,
                 delimiter: str | None = None) -> list[AdminUnit]:
    """``read_gso_csv`` on a file (UTF-8, with or without BOM)."""
    file = Path(path)
    with file.open(encoding="utf-8-sig", newline="") as handle:
        return read_gso_csv(handle, valid_from=valid_from, valid_to=valid_to, source=file.name,
                            delimiter=delimiter)


def _chain_first(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _cell(row: list[str], columns: dict[str, int], key: str) -> str:
    position = columns.get(key)
    if position is None or position >= len(row):
        return ""
    return " ".join(row[position].split())


def _code(raw: str, width: int, title: str) -> str:
    if not raw:
        raise _Bad(f"thiếu {title}", f"{title} is empty")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > width:
        raise _Bad(f"{title} '{raw}' không phải mã {width} chữ số",
                   f"{title} '{raw}' is not a {width}-digit code")
    return raw.zfill(width)


def _named(raw: str, level: Level, title: str) -> tuple[str, Kind]:
    if not raw:
        raise _Bad(f"thiếu {title}", f"{title} is empty")
    kind = _kind_from_name(raw, level)
    if kind is None:
        raise _Bad(f"{title} '{raw}' không bắt đầu bằng loại đơn vị cấp {_LEVEL_VI[level]}",
                   f"{title} '{raw}' does not start with a {level.value}-level kind word")
    return raw, kind


def _remember(seen: dict[str, _Seen], code: str, name: str, parent: str | None, kind: Kind, line: int,
              what_vi: str, what_en: str) -> None:
    known = seen.get(code)
    if known is None:
        seen[code] = _Seen(name, parent, kind, line)
    elif (known.name, known.parent) != (name, parent):
        raise _Bad(f"{what_vi} {code} là '{name}' (thuộc {parent}) nhưng ở dòng {known.row} là "
                   f"'{known.name}' (thuộc {known.parent})",
                   f"{what_en} {code} is '{name}' (under {parent}) here but '{known.name}' (under "
                   f"{known.parent}) on row {known.row}")


def _read_row(row: list[str], columns: dict[str, int], line: int, provinces: dict[str, _Seen],
              districts: dict[str, _Seen], communes: dict[str, _Seen]) -> None:
    province_code = _code(_cell(row, columns, "province_code"), 2, "Mã TP")
    province_name, province_kind = _named(_cell(row, columns, "province_name"), Level.PROVINCE,
                                          "Tỉnh / Thành Phố")
    commune_code = _code(_cell(row, columns, "commune_code"), 5, "Mã PX")
    commune_name, commune_kind = _named(_cell(row, columns, "commune_name"), Level.COMMUNE, "Phường Xã")
    cap = _cell(row, columns, "commune_kind")
    if cap:
        stated = _CAP_VALUES.get(fold(cap))
        if stated is None:
            raise _Bad(f"Cấp '{cap}' không hợp lệ (Phường, Xã, Thị trấn, Đặc khu)",
                       f"Cấp '{cap}' is not one of Phường, Xã, Thị trấn, Đặc khu")
        commune_kind = stated
    _remember(provinces, province_code, province_name, None, province_kind, line, "Tỉnh", "province")
    parent = province_code
    raw_district_code = _cell(row, columns, "district_code")
    raw_district_name = _cell(row, columns, "district_name")
    if raw_district_code or raw_district_name:
        district_code = _code(raw_district_code, 3, "Mã QH")
        district_name, district_kind = _named(raw_district_name, Level.DISTRICT, "Quận Huyện")
        _remember(districts, district_code, district_name, province_code, district_kind, line,
                  "Đơn vị cấp huyện", "district")
        parent = district_code
    if commune_code in communes:
        raise _Bad(f"mã xã {commune_code} đã có ở dòng {communes[commune_code].row}",
                   f"commune code {commune_code} already appears on row {communes[commune_code].row}")
    communes[commune_code] = _Seen(commune_name, parent, commune_kind, line)
