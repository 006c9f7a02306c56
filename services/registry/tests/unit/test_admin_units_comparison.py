"""Our 443 records of administrative units compared with the packages, difference by difference.

The differences are listed in `registry/data/admin_units/README.md` between the two comparison
markers; this test computes them again and fails if the list there is not exactly what the
records, the statistics office's list and the installed `vietnamadminunits` say now (a change to
any of them). On failure the message carries the block to put in the README."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from registry.adapters import vietnamadminunits_data as package
from registry.adapters.admin_units_loader import load_packaged
from registry.adapters.geography import read_gso_list
from registry.domain.admin_units import AdminUnit, AdminUnits, Level
from registry.domain.territory import REFORM

README = Path(__file__).resolve().parents[2] / "registry" / "data" / "admin_units" / "README.md"
START = "<!-- comparison: computed by tests/unit/test_admin_units_comparison.py -->"
END = "<!-- end of comparison -->"
LAST_OLD_DAY = date(2025, 6, 30)
OURS = "ours"


@dataclass(frozen=True, order=True)
class Difference:
    against: str  # what our records are compared with
    code: str
    what: str
    ours: str
    theirs: str

    def row(self) -> str:
        return f"| {self.against} | {self.code} | {self.what} | {self.ours} | {self.theirs} |"


def _same_units(against: str, mine: Iterable[AdminUnit], theirs: Iterable[AdminUnit]) -> list[Difference]:
    """Codes, names, kinds and parents of two lists of units in force on one day."""
    a, b = {u.code: u for u in mine}, {u.code: u for u in theirs}
    found = [Difference(against, code, "missing from the package", a[code].name, "—") for code in a.keys() - b.keys()]
    found += [Difference(against, code, "missing from ours", "—", b[code].name) for code in b.keys() - a.keys()]
    for code in a.keys() & b.keys():
        for what in ("name", "kind", "parent_code"):
            if getattr(a[code], what) != getattr(b[code], what):
                found.append(Difference(against, code, what, str(getattr(a[code], what)),
                                        str(getattr(b[code], what))))
    return found


def _in_provinces(units: list[AdminUnit], provinces: set[str]) -> list[AdminUnit]:
    districts = {u.code for u in units if u.level is Level.DISTRICT and u.parent_code in provinces}
    return [u for u in units if u.code in provinces or u.parent_code in provinces | districts]


def _dated(ours: AdminUnits) -> list[Difference]:
    """Our versions the package cannot have: it is one undated list of the state on 2025-06-30."""
    against = OLD_LIST
    found = []
    for unit in ours:
        if unit.valid_to is not None and unit.valid_to < LAST_OLD_DAY:
            found.append(Difference(against, unit.code, "version only ours",
                                    f"{unit.name} until {unit.valid_to}", "—"))
        elif unit.valid_from is not None and unit.valid_from < REFORM:
            found.append(Difference(against, unit.code, "start date only ours",
                                    f"{unit.name} from {unit.valid_from}", "undated"))
    return found


def _succession(ours: AdminUnits) -> list[Difference]:
    against = SUCCESSION
    table = package.succession()
    found = []
    for unit in ours:
        if unit.valid_from != REFORM:
            continue
        mapped = table.get(unit.code)
        theirs = (set(mapped.succeeds), set(mapped.in_part)) if mapped else (set(), set())
        for what, mine, other in (("succeeds", set(unit.succeeds), theirs[0]),
                                  ("succeeds in part", set(unit.succeeds_in_part), theirs[1])):
            if mine != other:
                found.append(Difference(against, unit.code, what, " ".join(sorted(mine - other)) or "—",
                                        " ".join(sorted(other - mine)) or "—"))
    return found


OLD_LIST = "vietnamadminunits, 63 provinces"
NEW_LIST = "vietnamadminunits, 34 provinces"
GSO_LIST = "statistics office's list"
SUCCESSION = "vietnamadminunits, succession"
NATIONAL = "statistics office's list ↔ vietnamadminunits, all 34 provinces"
COMPARISONS = (OLD_LIST, NEW_LIST, GSO_LIST, SUCCESSION, NATIONAL)


def differences() -> list[Difference]:
    ours = load_packaged()
    before = [u for u in ours if u.valid_on(LAST_OLD_DAY)]
    after = [u for u in ours if u.valid_on(REFORM)]
    found = [*_same_units(OLD_LIST, before, _in_provinces(package.legacy_units(), {"89", "91"})), *_dated(ours),
             *_same_units(NEW_LIST, after, _in_provinces(package.units_from_2025(), {"91"})),
             *_same_units(GSO_LIST, after, _in_provinces(read_gso_list(), {"91"})), *_succession(ours),
             *_same_units(NATIONAL, read_gso_list(), package.units_from_2025())]
    return sorted(found)


def headline(found: list[Difference]) -> str:
    ours = load_packaged()
    before = [u for u in ours if u.valid_on(LAST_OLD_DAY)]
    after = [u for u in ours if u.valid_on(REFORM)]
    levels = Counter(u.level.value for u in before)

    def counted(against: str) -> str:
        whats = Counter(d.what for d in found if d.against == against)
        detail = ", ".join(f"{n} {what}" for what, n in sorted(whats.items()))
        return f"{against}: {sum(whats.values())}" + (f" ({detail})" if detail else "")

    return (f"{len(ours)} records: {len(before)} in force on 2025-06-30 ({levels['province']} provinces, "
            f"{levels['district']} district-level and {levels['commune']} commune-level units), "
            f"{len(ours) - len(before) - len(after)} earlier versions, {len(after)} from 2025-07-01. "
            "Differences — " + "; ".join(counted(against) for against in COMPARISONS) + ".")


def block(found: list[Difference]) -> str:
    rows = ["| compared with | code | what | ours | package or list |", "|---|---|---|---|---|",
            *(d.row() for d in found)]
    return "\n".join([START, "", headline(found), "", *rows, "", END])


def test_the_readme_lists_every_difference_between_our_records_and_the_packages() -> None:
    found = differences()
    text = README.read_text(encoding="utf-8")
    listed = text[text.index(START):text.index(END) + len(END)]
    expected = block(found)
    assert listed == expected, f"the comparison changed; the README's block is now:\n\n{expected}\n"


def test_the_comparison_sees_a_changed_record() -> None:
    """The check would catch a renamed unit (a difference not in the README)."""
    ours = load_packaged()
    unit = next(u for u in ours if u.code == "30316" and u.valid_on(REFORM))
    renamed = [AdminUnit(code=unit.code, name="Phường Châu Đốc Mới", kind=unit.kind, level=unit.level,
                         parent_code=unit.parent_code, valid_from=unit.valid_from, valid_to=unit.valid_to)]
    assert _same_units("x", renamed, [unit]) == [
        Difference("x", "30316", "name", "Phường Châu Đốc Mới", "Phường Châu Đốc")]
