"""Report periods, plan targets and product-group names: data (`data/targets.json`), not code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from ocop_shared.regulations import RegulationError, sheet

DATA = Path(__file__).parent / "data" / "targets.json"
CLASSIFICATION = "26/2026/QĐ-TTg"  # the registry numbers product sets 1-26 as in 26/2026
PERIOD_KINDS = ("half-year", "annual")


class UnknownPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    year: int
    kind: str  # half-year | annual
    start: date
    end: date
    due: date
    name_vi: str
    name_en: str

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Target:
    metric: str
    min: float
    max: float | None
    label_vi: str
    label_en: str
    note_vi: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class Plan:
    year: int
    plan_vi: str
    plan_en: str
    targets: tuple[Target, ...]
    units: tuple[tuple[str, str], ...] = ()  # (code, name) of the units "every unit" targets cover


@cache
def _data(path: Path = DATA) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _day(year: int, month_day: str) -> date:
    month, day = (int(part) for part in month_day.split("-"))
    return date(year, month, day)


def period(year: int, kind: str, path: Path = DATA) -> Period:
    spec = _data(path)["periods"].get(kind)
    if spec is None:
        raise UnknownPeriod(kind)
    return Period(year=year, kind=kind, start=_day(year, spec["start"]), end=_day(year, spec["end"]),
                  due=_day(year, spec["due"]), name_vi=spec["name_vi"], name_en=spec["name_en"])


def plan(year: int, province_code: str, path: Path = DATA) -> Plan | None:
    """The plan of the province (by its code) for `year`, if the data has one."""
    spec = _data(path)["plans"].get(province_code, {}).get(str(year))
    if spec is None:
        return None
    targets = tuple(Target(metric=t["metric"], min=float(t["min"]),
                           max=float(t["max"]) if t.get("max") is not None else None,
                           label_vi=t["label_vi"], label_en=t["label_en"],
                           note_vi=t.get("note_vi", ""), note_en=t.get("note_en", ""))
                    for t in spec["targets"])
    units = tuple((code, name) for code, name in spec.get("units", {}).items())
    return Plan(year=year, plan_vi=spec["plan_vi"], plan_en=spec["plan_en"], targets=targets, units=units)


def to_date(period: Period) -> Period:
    """Everything from the start of the records up to the period's end."""
    return Period(year=period.year, kind=period.kind, start=date(1900, 1, 1), end=period.end,
                  due=period.due, name_vi=period.name_vi, name_en=period.name_en)


@dataclass(frozen=True)
class Group:
    category: str  # I..VI
    name_vi: str
    name_en: str


UNKNOWN_GROUP = Group("?", "Chưa rõ nhóm", "Unknown group")


@cache
def group_of(product_set_no: int) -> Group:
    """The product group (category I-VI) of a product set, from the regulation data."""
    try:
        product_set = sheet(CLASSIFICATION, product_set_no)
    except (RegulationError, LookupError):
        return UNKNOWN_GROUP
    category = product_set.category or "?"
    name_en = _data(DATA)["categories_en"].get(category, category)
    return Group(category, product_set.category_vi or category, name_en)


def all_groups() -> list[Group]:
    seen: dict[str, Group] = {}
    for number in range(1, 27):
        found = group_of(number)
        seen.setdefault(found.category, found)
    return sorted(seen.values(), key=lambda g: _roman(g.category))


_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}


def _roman(category: str) -> int:
    return _ROMAN.get(category, 99)
