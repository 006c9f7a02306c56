"""Star bands: half-open score ranges of a regulation (26/2026 Article 3)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Band:
    stars: int
    minimum: Decimal
    below: Decimal | None  # exclusive upper bound; None = up to and including 100


BANDS_26_2026 = (
    Band(1, Decimal(0), Decimal(30)),
    Band(2, Decimal(30), Decimal(50)),
    Band(3, Decimal(50), Decimal(70)),
    Band(4, Decimal(70), Decimal(90)),
    Band(5, Decimal(90), None),
)


def stars_for(mean: Decimal, bands: tuple[Band, ...] = BANDS_26_2026) -> int:
    if not Decimal(0) <= mean <= Decimal(100):
        raise ValueError(f"score {mean} outside 0-100")
    for band in bands:
        if mean >= band.minimum and (band.below is None or mean < band.below):
            return band.stars
    raise ValueError(f"no band for {mean}")
