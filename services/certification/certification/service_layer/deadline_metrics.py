"""The `ocop_deadlines_due` gauge: what falls due soon, for operators' alerts."""

from __future__ import annotations

from datetime import date, timedelta

from ocop_shared.db.uow import UnitOfWork
from ocop_shared.observability.metrics import DEADLINES_DUE

from ..adapters.scheduling import ScheduleRepository
from ..domain.certificate import RERATING_WINDOW_OPENS_DAYS

HORIZONS = (3, 30)


async def refresh(uow: UnitOfWork, today: date) -> dict[tuple[str, int], int]:
    """Counts per (kind, within days): expiries, re-rating windows opening, revocation cases
    whose 15-day deadline is near or past. Sets the gauge and returns the counts."""
    repo = uow.repository(ScheduleRepository)
    counts: dict[tuple[str, int], int] = {}
    window = timedelta(days=RERATING_WINDOW_OPENS_DAYS)
    for days in HORIZONS:
        until = today + timedelta(days=days)
        counts[("expiry", days)] = await repo.active_expiring(today, until)
        counts[("rerating_window", days)] = await repo.active_expiring(today + window, until + window)
        counts[("revocation_case", days)] = await repo.open_cases_due(until)
    for (kind, days), value in counts.items():
        DEADLINES_DUE.labels("certification", kind, str(days)).set(value)
    return counts

