"""What the registry needs from reference data it does not own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class ProductSetInfo:
    no: int
    name_vi: str
    name_en: str
    category: str  # "I".."VI" of Appendix I


@dataclass(frozen=True)
class OptionInfo:
    label_vi: str
    points: int
    min_star: int | None


@dataclass(frozen=True)
class LeafCriterion:
    part: str
    code: str
    name_vi: str
    max_points: int
    knockout: bool
    note_vi: str | None
    options: tuple[OptionInfo, ...]


class SheetCatalogue(Protocol):
    """The product sets and scoring sheets of each regulation."""

    def product_set(self, regulation: str, set_no: int) -> ProductSetInfo | None: ...

    def product_sets(self, regulation: str) -> list[ProductSetInfo]: ...

    def criteria(self, regulation: str, set_no: int) -> list[str] | None:
        """Leaf criterion codes a self-assessment must cover (None: no sheet for it)."""
        ...

    def leaf_criteria(self, regulation: str, set_no: int) -> list[LeafCriterion] | None:
        """The sheet's leaf criteria with their options, for filling Form 02."""
        ...


@dataclass(frozen=True)
class Place:
    commune_code: str
    province_code: str
    path: str
    commune_name: str = ""
    district_code: str | None = None  # None since the 2025 reform (two-level government)
    district_name: str | None = None


class Places(Protocol):
    """Administrative units valid at a date."""

    def resolve(self, commune_code: str, on: date) -> Place: ...

    def communes(self, on: date, name: str | None = None) -> list[Place]:
        """The communes in force on `on` (whose name matches `name`, accents ignored)."""
        ...
