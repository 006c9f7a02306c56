"""Star bands of a regulation (half-open score ranges, 26/2026 Article 3), read from the
regulation data in `ocop_shared.regulations`; kept for the service layer's `stars_for(mean)`."""

from __future__ import annotations

from decimal import Decimal

from ocop_shared.regulations import Band, get_regulation

REGULATION_IN_FORCE = "26/2026/QĐ-TTg"


def bands(regulation_code: str = REGULATION_IN_FORCE) -> tuple[Band, ...]:
    return get_regulation(regulation_code).bands


def stars_for(mean: Decimal, regulation_code: str = REGULATION_IN_FORCE) -> int:
    """The band of a mean total (before star-minimum caps). ValueError outside 0-100."""
    return get_regulation(regulation_code).stars_for(mean)
