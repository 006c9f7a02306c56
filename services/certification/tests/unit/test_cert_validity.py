"""Validity: 36 months from the day of issue, the last valid day being the day before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from certification.domain.validity import VIETNAM, add_months, local_day, start_of_day, valid_until


@pytest.mark.parametrize(("issued", "until"), [
    (date(2026, 6, 15), date(2029, 6, 14)),
    (date(2026, 1, 1), date(2028, 12, 31)),  # year boundary
    (date(2025, 12, 31), date(2028, 12, 30)),
    (date(2026, 3, 31), date(2029, 3, 30)),  # month end, same month 3 years on
    (date(2026, 3, 1), date(2029, 2, 28)),  # the day before 1 March is 28 Feb in a common year
    (date(2025, 3, 1), date(2028, 2, 29)),  # ... and 29 Feb in a leap year
    (date(2024, 2, 28), date(2027, 2, 27)),
    (date(2024, 2, 29), date(2027, 2, 28)),  # no 29 Feb 2027: valid to the end of February
    (date(2024, 3, 1), date(2027, 2, 28)),
    (date(2028, 2, 29), date(2031, 2, 28)),
])
def test_valid_until_is_the_day_before_the_same_date_36_months_later(issued: date, until: date) -> None:
    assert valid_until(issued) == until


def test_validity_never_shrinks_and_always_covers_36_months() -> None:
    day, previous = date(2023, 1, 1), valid_until(date(2022, 12, 31))
    while day <= date(2029, 12, 31):
        until = valid_until(day)
        assert until >= previous
        assert until >= add_months(day, 36) - timedelta(days=1)
        assert until < add_months(day, 36) + timedelta(days=1)
        previous, day = until, day + timedelta(days=1)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 5, 31), 1, date(2026, 6, 30)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 1, 15), -1, date(2025, 12, 15)),
])
def test_add_months_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_valid_until_for_other_periods_uses_the_month_end_when_the_date_is_missing() -> None:
    assert valid_until(date(2026, 1, 28), months=1) == date(2026, 2, 27)
    assert valid_until(date(2026, 1, 31), months=1) == date(2026, 2, 28)


def test_days_are_vietnamese_calendar_days() -> None:
    assert local_day(datetime(2026, 6, 14, 16, 59, tzinfo=UTC)) == date(2026, 6, 14)
    assert local_day(datetime(2026, 6, 14, 17, 0, tzinfo=UTC)) == date(2026, 6, 15)
    assert local_day(datetime(2026, 6, 14, 17, 0)) == date(2026, 6, 15)  # naive = UTC
    assert start_of_day(date(2026, 6, 15)) == datetime(2026, 6, 14, 17, 0, tzinfo=UTC)
    assert start_of_day(date(2026, 6, 15)).tzinfo == VIETNAM
