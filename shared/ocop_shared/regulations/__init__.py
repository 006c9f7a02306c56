"""OCOP regulations as versioned data (1048/2019, 148/2023 + 1489/2025, 26/2026).

The packaged `data/regulations.json` describes each regulation (part maxima,
star bands, evaluation levels, certificate time limits); `data/qd-26-2026.json`
holds the 26 product-set sheets of Decision 26/2026/QĐ-TTg and `data/qd-1048-2019.json`
those of 1048/QĐ-TTg (built from two transcriptions, see data/README.md). A regulation
without packaged sheets (148/QĐ-TTg) takes a province-supplied sheet file:

    reg = get_regulation("26/2026/QĐ-TTg")
    reg.stars_for(Decimal("69.99"))          # 3
    sheet(reg.code, 8).criterion("1.1")      # a Criterion with its options
    r148 = get_regulation("148/QĐ-TTg")
    sets = load_sheet_file("an-giang-148.json", r148)   # validated, or SheetValidationError

Nothing here does I/O beyond reading JSON files; results are cached.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from .loader import (
    DataValidationError,
    Issue,
    NoPackagedSheets,
    RegulationDataError,
    RegulationError,
    SheetValidationError,
    UnknownProductSet,
    UnknownRegulation,
    load_packaged_sheets,
    load_regulations,
    load_sheet_data,
    load_sheet_file,
    parse_regulations,
    validate_product_set,
)
from .model import (
    Band,
    Criterion,
    Escalation,
    Level,
    Option,
    Part,
    Procedure,
    ProductSet,
    Regulation,
    ReratingWindow,
    Sheet,
    SheetSources,
    SourceDifference,
)

__all__ = [
    "Band",
    "Criterion",
    "DataValidationError",
    "Escalation",
    "Issue",
    "Level",
    "NoPackagedSheets",
    "Option",
    "Part",
    "Procedure",
    "ProductSet",
    "Regulation",
    "RegulationDataError",
    "RegulationError",
    "ReratingWindow",
    "Sheet",
    "SheetSources",
    "SheetValidationError",
    "SourceDifference",
    "UnknownProductSet",
    "UnknownRegulation",
    "get_regulation",
    "load_regulations",
    "load_sheet_data",
    "load_sheet_file",
    "parse_regulations",
    "product_sets",
    "regulation_in_force",
    "regulations",
    "regulations_in_force",
    "sheet",
    "validate_product_set",
]


@cache
def regulations() -> tuple[Regulation, ...]:
    """Every packaged regulation, in file order (newest first)."""
    return load_regulations()


def get_regulation(code: str) -> Regulation:
    """The packaged regulation `code` (e.g. "26/2026/QĐ-TTg"); raises UnknownRegulation."""
    for regulation in regulations():
        if regulation.code == code:
            return regulation
    raise UnknownRegulation(code)


def regulations_in_force(on: date) -> tuple[Regulation, ...]:
    """Regulations in force on a day (two overlap during a transition), newest first."""
    return tuple(sorted((r for r in regulations() if r.in_force_on(on)),
                        key=lambda r: r.effective_from, reverse=True))


def regulation_in_force(on: date) -> Regulation:
    """The newest regulation in force on a day; raises LookupError if none is."""
    found = regulations_in_force(on)
    if not found:
        raise LookupError(f"no OCOP regulation in force on {on.isoformat()}")
    return found[0]


@cache
def product_sets(code: str) -> tuple[ProductSet, ...]:
    """The packaged, validated product sets of a regulation, by number.

    Raises UnknownRegulation, or NoPackagedSheets for 148 (use load_sheet_file)."""
    return load_packaged_sheets(get_regulation(code))


def sheet(code: str, set_no: int) -> ProductSet:
    """The packaged sheet of product set `set_no` (1-26 for 26/2026)."""
    for product_set in product_sets(code):
        if product_set.no == set_no:
            return product_set
    raise UnknownProductSet(code, set_no)
