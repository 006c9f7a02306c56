"""Which tills hold an out-of-date list, and since when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TillState:
    terminal_id: str
    acked_version: int
    acked_at: datetime
    stale: bool
    stale_since: datetime | None


def till_state(terminal_id: str, acked_version: int, acked_at: datetime, current_version: int,
               change_times: Mapping[int, datetime]) -> TillState:
    """A till is stale from the first change it has not acknowledged."""
    if acked_version >= current_version:
        return TillState(terminal_id, acked_version, acked_at, False, None)
    since = change_times.get(acked_version + 1)
    return TillState(terminal_id, acked_version, acked_at, True, since)
