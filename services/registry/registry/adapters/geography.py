"""The registry's administrative units, and which source gives what (``data/admin_units/README.md``).

* From 2025-07-01, the 34 provinces and their 3,321 communes: the statistics office's code list
  (``gso_2025-07-01.csv``, read with ``read_gso_csv``). What each unit took over comes from
  `vietnamadminunits`' succession table; for a unit it does not map, from our file
  ``91_an_giang_from_2025-07-01.json``, which also gives An Giang's units their legal basis.
* Until 2025-06-30: An Giang (89) and Kiên Giang (91) from our files, which date the changes of
  2023-04-10 and 2025-01-01 that neither package has; the 61 other provinces from
  `vietnamadminunits`' 63-province list (state on 2025-06-30, undated).

Built once per process, on first use (``geography()``, ~0.4 s for ~14,200 unit versions): the
registry starts without it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from importlib import resources

from ..domain.admin_units import AdminUnit, AdminUnits
from ..domain.territory import REFORM
from .admin_units_loader import DATA_DIR, DATA_PACKAGE, load_packaged, read_gso_csv
from .vietnamadminunits_data import legacy_units, succession

OWN_HISTORY = frozenset({"89", "91"})  # province codes (before the reform) whose history is ours
GSO_LIST = "gso_2025-07-01.csv"


def read_gso_list() -> list[AdminUnit]:
    """The statistics office's list of provinces and communes in force from 2025-07-01."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_DIR).joinpath(GSO_LIST).read_text(encoding="utf-8")
    return read_gso_csv(text.splitlines(), valid_from=REFORM, source=GSO_LIST)


def current_units(ours: AdminUnits) -> list[AdminUnit]:
    """The list from 2025-07-01, each unit with the codes it took over (package first, then ours)."""
    own = {u.code: u for u in ours if u.valid_from == REFORM}
    table = succession()
    units: list[AdminUnit] = []
    for unit in read_gso_list():
        mapped, recorded = table.get(unit.code), own.get(unit.code)
        if mapped is not None:
            unit = replace(unit, succeeds=mapped.succeeds, succeeds_in_part=mapped.in_part)
        elif recorded is not None:
            unit = replace(unit, succeeds=recorded.succeeds, succeeds_in_part=recorded.succeeds_in_part)
        if recorded is not None:
            unit = replace(unit, basis=recorded.basis, note=recorded.note, verified=recorded.verified)
        units.append(unit)
    return units


def load_geography() -> AdminUnits:
    ours = load_packaged()
    history = [u for u in ours if u.valid_to is not None and u.valid_to < REFORM]
    return AdminUnits([*history, *legacy_units(except_provinces=OWN_HISTORY), *current_units(ours)])


@cache
def geography() -> AdminUnits:
    """``load_geography()``, once per process."""
    return load_geography()
