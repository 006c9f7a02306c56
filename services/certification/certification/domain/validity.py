"""Certificate validity: 36 months from the day of issue (26/2026)."""

from __future__ import annotations

import calendar
from datetime import date

VALIDITY_MONTHS = 36


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(issued_on: date, months: int = VALIDITY_MONTHS) -> date:
    """Last day of validity: the day before the same date 36 months later."""
    from datetime import timedelta

    return add_months(issued_on, months) - timedelta(days=1)
