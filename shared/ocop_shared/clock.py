"""Injectable time, so tests can move the clock instead of waiting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment


def aware(moment: datetime) -> datetime:
    """A stored time as UTC-aware (SQLite hands timezone-aware columns back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


VIETNAM = timezone(timedelta(hours=7), "ICT")  # Vietnam's time (UTC+7, no daylight saving)


def vietnam_today() -> date:
    """Today's calendar day in Vietnam (what offices date their documents by)."""
    return datetime.now(VIETNAM).date()
