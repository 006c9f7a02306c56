"""Which province a commune belongs to, across the 2025 reform. Plain Python.

The platform runs for one province, named by its code since 1 July 2025 (``OCOP_PROVINCE_CODE``).
A commune belongs to it when the unit in force on the day, or what holds its territory today,
lies in that province: An Giang (91) keeps its producers registered in 2020 under province 89's
and Kiên Giang's commune codes, and refuses a commune of Đồng Tháp, then or now.
"""

from __future__ import annotations

from datetime import date

from ocop_shared.errors import Text
from ocop_shared.i18n import said
from ocop_shared.provinces import Province

from .admin_units import AdminUnit, AdminUnits, Kind, Level
from .errors import DomainError

REFORM = date(2025, 7, 1)  # the provinces merged, districts abolished, communes merged (202/2025/QH15)


class OutsideProvince(DomainError):
    """The commune lies in another province than the one the platform runs for."""

    def __init__(self, commune: AdminUnit, then: AdminUnit, now: AdminUnit, configured: AdminUnit,
                 field: str) -> None:
        label = f"{commune.name} ({commune.code})"
        named = Text(label, label)
        if then.name == now.name:  # 87 Đồng Tháp then, 82 Đồng Tháp now: one name
            vi, en = said("registry.commune_outside_province", commune=named, province=in_text(now),
                          configured=in_text(configured))
        else:
            vi, en = said("registry.commune_outside_province_then", commune=named, then=in_text(then),
                          province=in_text(now), configured=in_text(configured))
        super().__init__(vi, en, field=field)


def in_text(province: AdminUnit) -> Text:
    """A province unit as a sentence names it: "tỉnh An Giang" / "An Giang province"."""
    named = Province(code=province.code, name=province.short_name, city=province.kind is Kind.CITY)
    return Text(named.in_text_vi, named.in_text_en)


def _version(units: AdminUnits, code: str, on: date) -> AdminUnit:
    """The version in force on ``on``; else the last one ended before it; else the first."""
    versions = units.versions(code)
    ended = [u for u in versions if u.valid_to is not None and u.valid_to < on]
    return units.find(code, on) or (ended[-1] if ended else versions[0])


def holders(units: AdminUnits, code: str, on: date) -> tuple[AdminUnit, ...]:
    """The units still in force that hold the territory ``code`` had on ``on``: itself if it is
    still in force, else its successors, followed to the end of the records."""
    found: dict[tuple[str, date | None], AdminUnit] = {}
    seen: set[tuple[str, date | None]] = set()
    todo = [_version(units, code, on)]
    while todo:
        unit = todo.pop()
        key = (unit.code, unit.valid_from)
        if key in seen:
            continue
        seen.add(key)
        if unit.valid_to is None:
            found[key] = unit
        else:
            todo.extend(units.successors(unit.code, unit.valid_to))
    return tuple(sorted(found.values(), key=lambda u: u.code))


def _province_today(units: AdminUnits, unit: AdminUnit) -> AdminUnit:
    return units.province_of(unit.code, unit.valid_from or date.max)


def provinces_today(units: AdminUnits, code: str, on: date) -> tuple[AdminUnit, ...]:
    """The provinces in force today that hold the territory ``code`` had on ``on`` (a unit that
    ended without successors: those holding its province's territory)."""
    held = holders(units, code, on)
    if not held:
        version = _version(units, code, on)
        held = holders(units, units.province_of(code, version.some_day()).code, version.some_day())
    by_code = {p.code: p for p in (_province_today(units, u) for u in held)}
    return tuple(by_code[c] for c in sorted(by_code))


def check_in_province(units: AdminUnits, code: str, on: date, province_code: str, *,
                      field: str = "commune_code") -> None:
    """Raise OutsideProvince unless the commune ``code`` (as on ``on``) lies in ``province_code``."""
    today = provinces_today(units, code, on)
    if not today or province_code in {p.code for p in today}:
        return
    commune = _version(units, code, on)
    then = units.province_of(code, commune.some_day() if not commune.valid_on(on) else on)
    configured = _version(units, province_code, date.max)
    raise OutsideProvince(commune, then, today[0], configured, field)


def territory_on(units: AdminUnits, province_code: str, on: date) -> frozenset[str]:
    """The codes of the provinces in force on ``on`` whose territory is now ``province_code``'s
    (on 2025-06-30, An Giang 91's: 89 and the Kiên Giang of that day, also 91)."""
    return frozenset(p.code for p in units if p.level is Level.PROVINCE and p.valid_on(on)
                     and province_code in {q.code for q in provinces_today(units, p.code, on)})
