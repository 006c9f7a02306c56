"""The provinces of Viet Nam since 1 July 2025 (`data/provinces.csv`: the statistics office's
code list, the same as the registry's `gso_2025-07-01.csv`, which a test keeps equal). The
platform runs for one of them (`OCOP_PROVINCE_CODE`).

`vietnam-provinces` on PyPI has this list, but its licence (GPL-3.0-or-later, declared in its
repository's pyproject.toml) does not fit the platform's; 34 rows of public data are kept here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FILE = Path(__file__).parent / "data" / "provinces.csv"
_KINDS = {"Tỉnh ": False, "Thành phố ": True}


class UnknownProvince(ValueError):
    def __init__(self, code: str) -> None:
        known = ", ".join(f"{p.code} {p.name}" for p in all_provinces())
        super().__init__(f"unknown province code {code!r}; the codes since 1 July 2025 are: {known}")
        self.code = code


@dataclass(frozen=True)
class Province:
    code: str  # two digits, e.g. "91"
    name: str  # as written after its kind word: "An Giang", "Hồ Chí Minh"
    city: bool  # a centrally-governed city (thành phố) rather than a province (tỉnh)

    @property
    def kind_vi(self) -> str:
        return "thành phố" if self.city else "tỉnh"

    @property
    def full_name(self) -> str:
        """"Tỉnh An Giang", "Thành phố Hồ Chí Minh"."""
        return f"{self.kind_vi.capitalize()} {self.name}"

    @property
    def in_text_vi(self) -> str:
        """Within a sentence: "tỉnh An Giang", "thành phố Hồ Chí Minh"."""
        return f"{self.kind_vi} {self.name}"

    @property
    def in_text_en(self) -> str:
        """"An Giang province", "Hồ Chí Minh City"."""
        return f"{self.name} City" if self.city else f"{self.name} province"


def _parsed(code: str, full_name: str) -> Province:
    for word, city in _KINDS.items():
        if full_name.startswith(word):
            return Province(code=code, name=full_name.removeprefix(word), city=city)
    raise ValueError(f"{FILE.name}: {full_name!r} is neither a Tỉnh nor a Thành phố")


@cache
def all_provinces() -> tuple[Province, ...]:
    with FILE.open(encoding="utf-8", newline="") as rows:
        return tuple(sorted((_parsed(row["code"], row["name"]) for row in csv.DictReader(rows)),
                            key=lambda p: p.code))


def province(code: str) -> Province:
    """The province with this code (e.g. "91"), or UnknownProvince."""
    found = next((p for p in all_provinces() if p.code == code), None)
    if found is None:
        raise UnknownProvince(code)
    return found


def named(name: str) -> Province:
    """The province called `name` ("An Giang", "Hồ Chí Minh"); a name no longer in use (a
    province merged in 2025, e.g. "Kiên Giang") is a province of that name without a code."""
    found = next((p for p in all_provinces() if p.name == name), None)
    return found or Province(code="", name=name, city=False)
