"""Address lines typed by people ("xã Mỹ Hòa Hưng, TP Long Xuyên, An Giang", "Phường Long Xuyên,
An Giang") placed in a commune with `vietnamadminunits`' parser (``parse_address``).

A line that names a district-level unit is read against the 63 provinces' list (``LEGACY``); when
that finds its commune, the commune in force on the day is the old one's successor in our
geography, which holds the package's own succession table. The package's ``convert_address`` is
not called: for an old commune split between several new ones it geocodes the line with ArcGIS
over the network (a person's address, sent to a third party) or picks a default ward; here the
person is asked which of the new communes it is. Any other line is read against the 34
provinces' list (``FROM_2025``). What cannot be placed is named in the error, on ``address``.

The package is imported on the first line parsed (~0.7 s, 64 MB).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from ocop_shared.errors import Text
from ocop_shared.i18n import said

from ..domain.admin_units import AdminUnitNotInForce, AdminUnits, fold
from ..domain.errors import DomainError
from ..domain.territory import REFORM, in_text

FIELD = "address"
# How a commune-level part of a line starts (folded): a part left over with one was not placed.
_COMMUNE_WORDS = ("xa ", "phuong ", "thi tran ", "dac khu ", "p.", "x.", "tt.")


@dataclass(frozen=True)
class LinePlace:
    """What a line names: a commune code (in force on the day), and what came before it."""

    code: str
    street: str | None
    named_commune: str | None = None  # the pre-reform commune the line named, when it names one


@cache
def _parser() -> Any:
    import vietnamadminunits  # type: ignore[import-untyped]  # (no type hints) loaded on first use

    return vietnamadminunits


def _parse(line: str, mode: str) -> Any:
    package = _parser()
    level = 3 if mode == "LEGACY" else 2
    try:
        return package.parse_address(line, mode=package.ParseMode[mode], keep_street=True, level=level)
    except Exception:  # the parser's own failure on odd input is a line it could not place
        return None


def place_line(units: AdminUnits, line: str, on: date) -> LinePlace:
    """The commune code in force on ``on`` that ``line`` names; DomainError (on ``address``) naming
    the part of the line that could not be placed."""
    text = " ".join(line.split())
    old = _parse(text, "LEGACY") if text else None
    if old is not None and old.ward_code and old.district_code:
        return _from_old_commune(units, old, on)
    new = _parse(text, "FROM_2025") if text else None
    province_code = (new and new.province_code) or (old and old.province_code)
    if not province_code or new is None:
        raise DomainError(*said("registry.address_no_province", line=text), field=FIELD)
    province = in_text(units.versions(province_code)[-1])
    leftover = _parts(new.street)
    if new.ward_code and not (leftover and fold(leftover[-1]).startswith(_COMMUNE_WORDS)):
        current = units.find(new.ward_code, REFORM)
        if on < REFORM and current is not None:  # a unit of today's list named on an earlier day
            refused = AdminUnitNotInForce(new.ward_code, on, current, ())
            refused.field = FIELD
            raise refused
        return LinePlace(code=new.ward_code, street=new.street)
    if new.ward_code:  # "xã Đông Xuyên, TP Long Xuyên": the district read as a ward of today
        raise DomainError(*said("registry.address_part_not_placed", part=leftover[-1], province=province),
                          field=FIELD)
    placed = {fold(name) for name in (new.short_province, old and old.short_province,
                                      old and old.short_district) if name}
    parts = _parts(text)
    unplaced = [part for part in parts if not any(name in fold(part) for name in placed)]
    if not unplaced and len(parts) == 1 and fold(parts[0]) not in placed:  # no commas to tell parts apart
        unplaced = parts
    if not unplaced:
        raise DomainError(*said("registry.address_no_commune", line=text, province=province), field=FIELD)
    raise DomainError(*said("registry.address_part_not_placed", part=unplaced[-1], province=province),
                      field=FIELD)


def _parts(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _from_old_commune(units: AdminUnits, old: Any, on: date) -> LinePlace:
    code: str = old.ward_code
    label = f"{old.ward} ({code})"
    successors = units.successors_on(code, on)
    if not successors:  # not yet in force on that day: the registry's own words say since when
        units.resolve(code, on, field=FIELD)
    if len(successors) != 1:
        listed = ", ".join(f"{u.name} ({u.code})" for u in successors)
        raise DomainError(*said("registry.address_old_commune_split", old=Text(label, label),
                                successors=Text(listed, listed)), field=FIELD)
    successor = successors[0]
    unchanged = successor.code == code and fold(successor.name) == fold(old.ward)
    return LinePlace(code=successor.code, street=old.street, named_commune=None if unchanged else label)
