"""The `ocop_deadlines_due` gauge: what falls due soon, for operators' alerts."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from ocop_shared.db.uow import UnitOfWork
from ocop_shared.observability.metrics import DEADLINES_DUE

from ..adapters import tables
from ..domain.certificate import RERATING_WINDOW_OPENS_DAYS, CertificateStatus
from ..domain.revocation import CaseStatus

HORIZONS = (3, 30)


async def refresh(uow: UnitOfWork, today: date) -> dict[tuple[str, int], int]:
    """Counts per (kind, within days): expiries, re-rating windows opening, revocation cases
    whose 15-day deadline is near or past. Sets the gauge and returns the counts."""
    c, r = tables.certificates, tables.revocation_cases
    counts: dict[tuple[str, int], int] = {}
    active = c.c.status.in_([CertificateStatus.ACTIVE.value])
    for days in HORIZONS:
        until = today + timedelta(days=days)
        counts[("expiry", days)] = await _count(uow, select(func.count()).select_from(c).where(
            active, c.c.valid_until >= today, c.c.valid_until <= until))
        counts[("rerating_window", days)] = await _count(uow, select(func.count()).select_from(c)
            .where(active, c.c.valid_until >= today + timedelta(days=RERATING_WINDOW_OPENS_DAYS),
                   c.c.valid_until <= until + timedelta(days=RERATING_WINDOW_OPENS_DAYS)))
        counts[("revocation_case", days)] = await _count(uow, select(func.count()).select_from(r)
            .where(r.c.status == CaseStatus.OPEN.value, r.c.deadline <= until))
    for (kind, days), value in counts.items():
        DEADLINES_DUE.labels("certification", kind, str(days)).set(value)
    return counts


async def _count(uow: UnitOfWork, query: object) -> int:
    return int(await uow.session.scalar(query) or 0)  # type: ignore[call-overload]
