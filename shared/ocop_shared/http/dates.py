"""Dates and times in requests are ISO strings, nothing else.

pydantic's lax mode reads a number as a Unix time, so `"starts_on": 0` would be a fair on
1970-01-01; its strict mode refuses strings where FastAPI hands it parsed JSON. These types
accept an ISO 8601 string (or a date from Python code) and refuse numbers and booleans; a
time without an offset is UTC, and is answered with it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")


def _iso_only(value: Any) -> Any:
    # a query parameter is always a string: "0" would still be read as a Unix time
    if isinstance(value, bool | int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
        raise ValueError("phải là chuỗi ngày ISO, ví dụ 2026-12-07 / must be an ISO date string, e.g. 2026-12-07")
    return value


def _utc(value: datetime) -> datetime:
    """Every time here is UTC (the clock is); a database that forgets the offset (SQLite) gives
    it back without one, and an answer must still say it (RFC 3339)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


IsoDate = Annotated[date, BeforeValidator(_iso_only)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_utc)]
