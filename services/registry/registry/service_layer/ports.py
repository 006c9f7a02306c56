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


@dataclass(frozen=True)
class PlacedAddress:
    """Where an address line typed by a person lies: the commune in force on the day."""

    place: Place
    street: str | None  # what the line says before its commune ("Số 12 Trần Hưng Đạo")
    named_commune: str | None = None  # the pre-reform commune the line named, "Phường Mỹ Bình (30280)"


class Places(Protocol):
    """Administrative units valid at a date."""

    def resolve(self, commune_code: str, on: date) -> Place: ...

    def communes(self, on: date, name: str | None = None, *, within: str | None = None) -> list[Place]:
        """The communes in force on `on` (whose name matches `name`, accents ignored), in the
        territory that day of the province `within` (a code in force today), if given."""
        ...

    def check_in_province(self, commune_code: str, on: date, province_code: str) -> None:
        """A DomainError naming the commune's province unless the commune (as on `on`, or what
        holds its territory today) lies in `province_code`."""
        ...

    def place_address(self, line: str, on: date) -> PlacedAddress:
        """The commune in force on `on` that an address line names (an old-style line is
        followed to its successor); a DomainError on `address` naming the part it could not place."""
        ...
