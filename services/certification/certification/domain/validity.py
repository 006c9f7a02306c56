"""Certificate validity: 36 months from the day of issue (26/2026/QĐ-TTg Article 4(3)).

"Giấy chứng nhận ... có giá trị trong thời hạn 36 tháng kể từ ngày cơ quan có thẩm quyền
ban hành": the day of issue is the first valid day and the last valid day is the day
before the same date 36 months later. A certificate issued on 29 February has no such
date three years later: it is then valid to the end of February (29 Feb 2024 -> 28 Feb
2027), so the holder never gets less than 36 whole months.

Dates are Vietnamese calendar days (UTC+7, no daylight saving): `local_day` turns an
instant into the day it falls on in Vietnam.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

from ocop_shared.clock import VIETNAM

VALIDITY_MONTHS = 36


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier); clamped to the month's last day."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(issued_on: date, months: int = VALIDITY_MONTHS) -> date:
    """Last day of validity: the day before the same date `months` later.

    When that date does not exist (29 Feb in a common year, or the 31st of a shorter
    month for other periods), the certificate runs to the last day of that month.
    """
    anniversary = add_months(issued_on, months)
    if anniversary.day != issued_on.day:  # clamped: the date does not exist that month
        return anniversary
    return anniversary - timedelta(days=1)


def local_day(moment: datetime, tz: timezone = VIETNAM) -> date:
    """The calendar day of an instant in Vietnam (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def start_of_day(day: date, tz: timezone = VIETNAM) -> datetime:
    """The instant a Vietnamese calendar day begins (00:00 ICT)."""
    return datetime(day.year, day.month, day.day, tzinfo=tz)
