"""Administrative units (đơn vị hành chính) as versioned data. Plain Python, no framework.

Places change and codes get reused, so a unit is never looked up by code alone: every record is one
*version* of a code, valid from ``valid_from`` to ``valid_to`` (both inclusive; ``None`` means open),
and an address resolves to the version in force on a given date. Examples from An Giang:

* 30280 was Phường Mỹ Bình (Thành phố Long Xuyên, Tỉnh An Giang 89) until 2025-06-30 and no longer
  exists; it was succeeded by 30307 Phường Long Xuyên (Tỉnh An Giang 91) from 2025-07-01.
* 30307 was Phường Mỹ Hòa until 2025-06-30 and is Phường Long Xuyên from 2025-07-01: same code,
  another unit.
* 91 was Tỉnh Kiên Giang until 2025-06-30 and is the merged Tỉnh An Giang from 2025-07-01.

``succeeds`` on a version lists the codes whose versions ending the day before ``valid_from`` it
replaced (its own code too when the unit merely changed name, kind or territory);
``succeeds_in_part`` is the subset that only contributed part of its territory (the rest went to
another successor). The data itself lives in ``registry/data/admin_units`` (see the README there).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise

from .admin_unit_errors import (
    AdminUnitNotInForce,
    InconsistentAdminUnits,
    InvalidAdminUnit,
    UnknownAdminUnit,
    vi_date,
)

__all__ = [
    "AdminUnit",
    "AdminUnitNotInForce",
    "AdminUnits",
    "InconsistentAdminUnits",
    "InvalidAdminUnit",
    "Kind",
    "Level",
    "UnknownAdminUnit",
    "fold",
]


class Level(StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class Kind(StrEnum):
    PROVINCE = "province"              # Tỉnh
    CITY = "city"                      # Thành phố (province level: trực thuộc trung ương; or district level)
    TOWN = "town"                      # Thị xã
    DISTRICT = "district"              # Huyện
    URBAN_DISTRICT = "urban_district"  # Quận
    WARD = "ward"                      # Phường
    COMMUNE = "commune"                # Xã
    TOWNSHIP = "township"              # Thị trấn
    SPECIAL_ZONE = "special_zone"      # Đặc khu (commune level since 2025-07-01)


KIND_LEVELS: dict[Kind, frozenset[Level]] = {
    Kind.PROVINCE: frozenset({Level.PROVINCE}),
    Kind.CITY: frozenset({Level.PROVINCE, Level.DISTRICT}),
    Kind.TOWN: frozenset({Level.DISTRICT}),
    Kind.DISTRICT: frozenset({Level.DISTRICT}),
    Kind.URBAN_DISTRICT: frozenset({Level.DISTRICT}),
    Kind.WARD: frozenset({Level.COMMUNE}),
    Kind.COMMUNE: frozenset({Level.COMMUNE}),
    Kind.TOWNSHIP: frozenset({Level.COMMUNE}),
    Kind.SPECIAL_ZONE: frozenset({Level.COMMUNE}),
}

# The words that open an official name ("Phường Mỹ Bình"), per kind.
KIND_WORDS: dict[Kind, str] = {
    Kind.PROVINCE: "Tỉnh",
    Kind.CITY: "Thành phố",
    Kind.TOWN: "Thị xã",
    Kind.DISTRICT: "Huyện",
    Kind.URBAN_DISTRICT: "Quận",
    Kind.WARD: "Phường",
    Kind.COMMUNE: "Xã",
    Kind.TOWNSHIP: "Thị trấn",
    Kind.SPECIAL_ZONE: "Đặc khu",
}

# General Statistics Office codes: 2 digits (province), 3 (district), 5 (commune).
CODE_LENGTHS: dict[Level, int] = {Level.PROVINCE: 2, Level.DISTRICT: 3, Level.COMMUNE: 5}

_RANK = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2}
def fold(text: str) -> str:
    """Accent-, case- and spacing-insensitive form of a Vietnamese name ("Mỹ Hoà" -> "my hoa")."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True, slots=True)
class AdminUnit:
    """One version of an administrative unit."""

    code: str
    name: str                   # official full name, with diacritics: "Phường Mỹ Bình"
    kind: Kind
    level: Level
    parent_code: str | None     # None only for provinces
    valid_from: date | None     # first day in force; None = since before our records
    valid_to: date | None       # last day in force; None = still in force
    succeeds: tuple[str, ...] = ()
    succeeds_in_part: tuple[str, ...] = ()
    basis: str | None = None    # legal instrument, e.g. "1654/NQ-UBTVQH15"
    verified: bool = True       # False: some fact of this record could not be checked
    note: str | None = None

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem is not None:
            raise InvalidAdminUnit(self.code, *problem)

    def _problem(self) -> tuple[str, str] | None:
        width = CODE_LENGTHS[self.level]
        if not (self.code.isascii() and self.code.isdigit() and len(self.code) == width):
            return (f"mã '{self.code}' phải gồm {width} chữ số",
                    f"code '{self.code}' must be {width} digits for level {self.level.value}")
        if not self.name.strip() or self.name != " ".join(self.name.split()):
            return "tên trống hoặc có khoảng trắng thừa", f"name {self.name!r} is empty or badly spaced"
        if self.level not in KIND_LEVELS[self.kind]:
            return (f"loại '{self.kind.value}' không thuộc cấp '{self.level.value}'",
                    f"kind '{self.kind.value}' is not a {self.level.value}-level kind")
        if (self.parent_code is None) != (self.level is Level.PROVINCE):
            return ("chỉ đơn vị cấp tỉnh không có đơn vị cấp trên",
                    "exactly the province-level units have no parent_code")
        if self.valid_from is not None and self.valid_to is not None and self.valid_to < self.valid_from:
            return "ngày hết hiệu lực trước ngày có hiệu lực", "valid_to is before valid_from"
        if self.succeeds and self.valid_from is None:
            return ("đơn vị kế thừa phải có ngày bắt đầu hiệu lực",
                    "a unit that succeeds others needs valid_from")
        if not set(self.succeeds_in_part) <= set(self.succeeds):
            return "succeeds_in_part phải nằm trong succeeds", "succeeds_in_part must be a subset of succeeds"
        return None

    @property
    def short_name(self) -> str:
        """The name without the word of its kind: "Phường Mỹ Bình" -> "Mỹ Bình"."""
        word = KIND_WORDS[self.kind]
        if self.name.casefold().startswith(word.casefold() + " "):
            return self.name[len(word) + 1:]
        return self.name

    def valid_on(self, on: date) -> bool:
        started = self.valid_from is None or self.valid_from <= on
        return started and (self.valid_to is None or on <= self.valid_to)

    def some_day(self) -> date:
        """A day on which this version is in force."""
        return self.valid_from or self.valid_to or date.min


class AdminUnits:
    """A registry of unit versions; checks that they form a consistent history."""

    def __init__(self, units: Iterable[AdminUnit]) -> None:
        by_code: dict[str, list[AdminUnit]] = defaultdict(list)
        for unit in units:
            by_code[unit.code].append(unit)
        self._by_code = {code: sorted(vs, key=lambda u: u.valid_from or date.min)
                         for code, vs in by_code.items()}
        self._by_parent: dict[str, list[AdminUnit]] = defaultdict(list)
        self._succeeded_by: dict[tuple[str, date], list[AdminUnit]] = defaultdict(list)
        for versions in self._by_code.values():
            for unit in versions:
                if unit.parent_code is not None:
                    self._by_parent[unit.parent_code].append(unit)
                if unit.valid_from is not None:
                    for old in unit.succeeds:
                        self._succeeded_by[(old, unit.valid_from - timedelta(days=1))].append(unit)
        self._folded: dict[int, tuple[str, str]] = {}  # names folded for search, as searches meet them
        problems = self._problems()
        if problems:
            raise InconsistentAdminUnits(problems)

    # ---- consistency -----------------------------------------------------------------------------
    def _problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        for code, versions in self._by_code.items():
            for before, after in pairwise(versions):
                if before.valid_to is None or after.valid_from is None or before.valid_to >= after.valid_from:
                    problems.append((f"các phiên bản của mã {code} chồng lấn nhau",
                                     f"versions of {code} overlap"))
                if before.level is not after.level:
                    problems.append((f"mã {code} đổi cấp", f"code {code} changes level"))
        for unit in self:
            if unit.parent_code is not None:
                problems.extend(self._parent_problems(unit))
            if unit.valid_from is not None:
                day_before = unit.valid_from - timedelta(days=1)
                for old in unit.succeeds:
                    if not any(v.valid_to == day_before for v in self._by_code.get(old, [])):
                        problems.append((
                            f"{unit.code} ({unit.name}) kế thừa {old} nhưng không có phiên bản nào của {old} "
                            f"kết thúc ngày {vi_date(day_before)}",
                            f"{unit.code} ({unit.name}) succeeds {old} but no version of {old} ends on "
                            f"{day_before.isoformat()}",
                        ))
        return problems

    def _parent_problems(self, unit: AdminUnit) -> list[tuple[str, str]]:
        """The parent must be of a higher level and in force, without gaps, whenever the unit is."""
        assert unit.parent_code is not None
        parent_code = unit.parent_code
        start, end = unit.valid_from or date.min, unit.valid_to or date.max
        cursor = start  # first day not yet known to be covered
        for parent in self._by_code.get(parent_code, []):
            p_start, p_end = parent.valid_from or date.min, parent.valid_to or date.max
            if p_end < cursor or p_start > end:
                continue
            if _RANK[parent.level] >= _RANK[unit.level] or (
                    unit.level is Level.DISTRICT and parent.level is not Level.PROVINCE):
                return [(f"{unit.code}: đơn vị cấp trên {parent_code} không ở cấp cao hơn",
                         f"{unit.code}: parent {parent_code} is not of a higher level")]
            if p_start > cursor:
                break
            if p_end >= end:
                return []
            cursor = p_end + timedelta(days=1)
        return [(f"{unit.code} ({unit.name}): đơn vị cấp trên {parent_code} không có hiệu lực suốt thời gian "
                 "của nó",
                 f"{unit.code} ({unit.name}): parent {parent_code} is not in force over its whole validity")]

    # ---- lookups ---------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[AdminUnit]:
        for versions in self._by_code.values():
            yield from versions

    def __len__(self) -> int:
        return sum(len(vs) for vs in self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def versions(self, code: str) -> tuple[AdminUnit, ...]:
        """Every version of ``code``, oldest first."""
        try:
            return tuple(self._by_code[code])
        except KeyError:
            raise UnknownAdminUnit(code) from None

    def find(self, code: str, on: date) -> AdminUnit | None:
        """The version of ``code`` in force on ``on``, or None."""
        for unit in self._by_code.get(code, ()):
            if unit.valid_on(on):
                return unit
        return None

    def is_valid(self, code: str, on: date) -> bool:
        return self.find(code, on) is not None

    def resolve(self, code: str, on: date, *, field: str = "code") -> AdminUnit:
        """The version of ``code`` in force on ``on``.

        Raises UnknownAdminUnit for a code that never existed and AdminUnitNotInForce (naming the
        successors in force on ``on``) for a code with no version on that date; either names
        ``field``, the request's field the code came from.
        """
        try:
            versions = self.versions(code)
        except UnknownAdminUnit as error:
            error.field = field
            raise
        for unit in versions:
            if unit.valid_on(on):
                return unit
        ended = [u for u in versions if u.valid_to is not None and u.valid_to < on]
        nearest = ended[-1] if ended else versions[0]
        chain = self._chain(nearest, on) if ended else ()
        refused = AdminUnitNotInForce(code, on, nearest, chain)
        refused.field = field
        raise refused

    def parent(self, code: str, on: date) -> AdminUnit | None:
        unit = self.resolve(code, on)
        return None if unit.parent_code is None else self.resolve(unit.parent_code, on)

    def ancestors(self, code: str, on: date) -> tuple[AdminUnit, ...]:
        """The unit itself, then its parent, ... up to the province."""
        chain = [self.resolve(code, on)]
        while chain[-1].parent_code is not None:
            parent_code = chain[-1].parent_code
            assert parent_code is not None
            chain.append(self.resolve(parent_code, on))
        return tuple(chain)

    def province_of(self, code: str, on: date) -> AdminUnit:
        return self.ancestors(code, on)[-1]

    def district_of(self, code: str, on: date) -> AdminUnit | None:
        """The district-level unit above ``code`` (or ``code`` itself); None since the 2025 reform."""
        for unit in self.ancestors(code, on):
            if unit.level is Level.DISTRICT:
                return unit
        return None

    def children(self, code: str, on: date) -> list[AdminUnit]:
        """The units directly under ``code`` in force on ``on``, by code."""
        self.resolve(code, on)
        return sorted((u for u in self._by_parent.get(code, ()) if u.valid_on(on)), key=lambda u: u.code)

    def path(self, code: str, on: date, separator: str = ", ") -> str:
        """"Phường Mỹ Bình, Thành phố Long Xuyên, Tỉnh An Giang"."""
        return separator.join(u.name for u in self.ancestors(code, on))

    # ---- succession ------------------------------------------------------------------------------
    def successors(self, code: str, on: date | None = None) -> tuple[AdminUnit, ...]:
        """The units that directly replaced a version of ``code``.

        The version is the one in force on ``on``; without ``on`` (or if none is in force then) the
        last version that ended (before ``on``). Empty if that version has not ended.
        """
        versions = self.versions(code)
        version: AdminUnit | None = None
        if on is not None:
            version = self.find(code, on)
        if version is None:
            ended = [u for u in versions if u.valid_to is not None and (on is None or u.valid_to < on)]
            if not ended:
                return ()
            version = ended[-1]
        return tuple(unit for unit, _ in self._direct(version))

    def successors_on(self, code: str, on: date) -> tuple[AdminUnit, ...]:
        """The units in force on ``on`` that hold the territory ``code`` had (itself if in force)."""
        try:
            return (self.resolve(code, on),)
        except AdminUnitNotInForce as error:
            return error.successors

    def _direct(self, version: AdminUnit) -> list[tuple[AdminUnit, bool]]:
        if version.valid_to is None:
            return []
        found = self._succeeded_by.get((version.code, version.valid_to), [])
        return [(u, version.code in u.succeeds_in_part) for u in sorted(found, key=lambda u: u.code)]

    def _chain(self, version: AdminUnit, on: date) -> tuple[tuple[AdminUnit, bool], ...]:
        result: dict[tuple[str, date | None], tuple[AdminUnit, bool]] = {}
        todo = [(unit, part) for unit, part in self._direct(version)]
        while todo:
            unit, part = todo.pop(0)
            key = (unit.code, unit.valid_from)
            if unit.valid_on(on):
                if key not in result or (result[key][1] and not part):
                    result[key] = (unit, part)
            elif unit.valid_to is not None and unit.valid_to < on:
                todo.extend((nxt, part or nxt_part) for nxt, nxt_part in self._direct(unit))
        return tuple(sorted(result.values(), key=lambda item: item[0].code))

    # ---- search by name --------------------------------------------------------------------------
    def search(self, text: str, *, on: date | None = None, level: Level | None = None,
               within: str | None = None, limit: int | None = 20) -> list[AdminUnit]:
        """Units whose name matches ``text`` ignoring accents and case ("my binh" finds Mỹ Bình).

        Exact names first, then names starting with the text, then names with a word starting with
        it. ``on`` keeps the versions in force that day (otherwise every version matches);
        ``within`` keeps the units under that code (e.g. a province).
        """
        query = fold(text)
        if not query:
            return []
        word = re.compile(r"(?:^|\s)" + re.escape(query))
        ranked: list[tuple[int, int, str, date, AdminUnit]] = []
        for unit in self:
            if on is not None and not unit.valid_on(on):
                continue
            if level is not None and unit.level is not level:
                continue
            full, short = self._folded.get(id(unit)) or self._folded.setdefault(
                id(unit), (fold(unit.name), fold(unit.short_name)))
            if query in (full, short):
                rank = 0
            elif short.startswith(query) or full.startswith(query):
                rank = 1
            elif word.search(full):
                rank = 2
            else:
                continue
            if within is not None:
                day = on or unit.some_day()
                if within not in {a.code for a in self.ancestors(unit.code, day)[1:]}:
                    continue
            ranked.append((rank, _RANK[unit.level], unit.code, unit.valid_from or date.min, unit))
        ranked.sort(key=lambda item: item[:4])
        found = [item[4] for item in ranked]
        return found if limit is None else found[:limit]
