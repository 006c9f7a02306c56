"""What the scheduler keeps: the notices it emitted, its runs, and the counts of what falls due."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.certificate import CertificateStatus
from ..domain.deadlines import Notice
from ..domain.revocation import CaseStatus
from . import tables
from .repository import to_utc


class ScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def notice_seen(self, key: str) -> bool:
        found = await self.session.scalar(select(tables.notices.c.key).where(tables.notices.c.key == key))
        return found is not None

    async def add_notice(self, notice: Notice, *, event_id: str, emitted_at: datetime) -> None:
        await self.session.execute(insert(tables.notices).values(
            key=notice.key, certificate_id=notice.certificate_id, kind=notice.kind.value,
            due_on=notice.due_on, event_id=event_id, emitted_at=to_utc(emitted_at)))

    async def record_run(self, name: str, *, at: datetime, notices: int) -> None:
        """The run's time and count, and the running total, in the run's row."""
        state = tables.scheduler_runs
        total = await self.session.scalar(select(state.c.total_notices).where(state.c.name == name))
        values = dict(last_run_at=to_utc(at), last_run_notices=notices)
        if total is None:
            await self.session.execute(insert(state).values(name=name, total_notices=notices, **values))
        else:
            await self.session.execute(update(state).where(state.c.name == name).values(
                total_notices=int(total) + notices, **values))

    async def active_expiring(self, first: date, last: date) -> int:
        """Active certificates whose last valid day is in [first, last]."""
        c = tables.certificates
        return int(await self.session.scalar(select(func.count()).select_from(c).where(
            c.c.status.in_([CertificateStatus.ACTIVE.value]), c.c.valid_until >= first,
            c.c.valid_until <= last)) or 0)

    async def open_cases_due(self, by: date) -> int:
        """Open revocation cases whose deadline is `by` or earlier."""
        r = tables.revocation_cases
        return int(await self.session.scalar(select(func.count()).select_from(r).where(
            r.c.status == CaseStatus.OPEN.value, r.c.deadline <= by)) or 0)
