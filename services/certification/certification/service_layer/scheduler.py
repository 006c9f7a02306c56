"""The scheduler: re-rating notices and expiries, each emitted once, on business time.

Each certificate keeps `notices_through` (notices up to that instant are done) and
`next_due_at` (when its next notice falls due), so a run reads only the certificates with
something due. A run takes each one under a row lock, asks the domain which notices are
due in (notices_through, now], emits them with the state change (an expiry) in one
transaction, and stores `now`: a notice is never emitted twice nor skipped, however late
or often the scheduler runs, and the `notices` table's unique key is a second guard.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ocop_shared.db.uow import UnitOfWork
from ocop_shared.jobs import BackgroundJob

from ..adapters.repository import CertificateRecord, CertificateRepository
from ..adapters.scheduling import ScheduleRepository
from ..domain.certificate import TERMINAL, Certificate
from ..domain.deadlines import Notice, due_notices, raise_notice
from ..domain.errors import DomainError
from ..domain.validity import local_day
from . import deadline_metrics
from .context import Context
from .publishing import publish

log = logging.getLogger(__name__)

FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
BATCH = 200
RUN_NAME = "notices"


def next_due(certificate: Certificate, after: datetime | None, reminder_days: int) -> datetime | None:
    """When the certificate's next notice falls due after `after` (None: nothing more to do)."""
    if certificate.status in TERMINAL:
        return None
    upcoming = due_notices(certificate, after, FAR_FUTURE, reminder_days=reminder_days)
    return upcoming[0].due_at if upcoming else None


def reschedule(record: CertificateRecord, reminder_days: int) -> None:
    record.next_due_at = next_due(record.certificate, record.notices_through, reminder_days)


@dataclass
class RunReport:
    at: datetime
    certificates: int = 0
    notices: list[Notice] = field(default_factory=list)


async def _emit(uow: UnitOfWork, ctx: Context, record: CertificateRecord, notice: Notice,
                now: datetime) -> bool:
    schedule = uow.repository(ScheduleRepository)
    if await schedule.notice_seen(notice.key):
        return False
    raise_notice(record.certificate, notice, at=now, reminder_days=ctx.config.reminder_days)
    sent = await publish(uow, ctx.wall_clock, record.certificate)
    await schedule.add_notice(notice, event_id=str(sent[-1].id), emitted_at=now)
    return True


async def catch_up(uow: UnitOfWork, ctx: Context, record: CertificateRecord, now: datetime) -> list[Notice]:
    """Emit what is due for one certificate (already locked by the caller) and reschedule it."""
    emitted: list[Notice] = []
    try:
        for notice in due_notices(record.certificate, record.notices_through, now,
                                  reminder_days=ctx.config.reminder_days):
            if await _emit(uow, ctx, record, notice, now):
                emitted.append(notice)
    except DomainError as error:  # a history the rules cannot continue: report, don't loop on it
        log.error("scheduler: certificate %s: %s", record.number, error.en)
    if record.notices_through is None or now > record.notices_through:
        record.notices_through = now
    reschedule(record, ctx.config.reminder_days)
    return emitted


async def run_once(ctx: Context) -> RunReport:
    """One pass over every certificate with a notice due now (business time)."""
    async with ctx.scheduler_lock:
        async with ctx.uow() as uow:
            now = uow.clock.now()
        report = RunReport(at=now)
        done: set[str] = set()
        while True:
            async with ctx.uow() as uow:
                due = [i for i in await uow.repository(CertificateRepository).due(now, BATCH)
                       if i not in done]
            if not due:
                break
            for certificate_id in due:
                done.add(certificate_id)
                async with ctx.uow() as uow:
                    repo = uow.repository(CertificateRepository)
                    record = await repo.by_id(certificate_id, for_update=True)
                    if record is None or record.next_due_at is None or record.next_due_at > now:
                        continue  # another replica got there first
                    report.notices += await catch_up(uow, ctx, record, now)
                    await repo.save(record)
                    await uow.commit()
                    report.certificates += 1
        async with ctx.uow() as uow:
            await uow.repository(ScheduleRepository).record_run(RUN_NAME, at=now,
                                                                notices=len(report.notices))
            await uow.commit()
        if report.notices:
            log.info("scheduler: %d notice(s) for %d certificate(s)", len(report.notices), report.certificates)
        async with ctx.uow() as uow:
            await deadline_metrics.refresh(uow, local_day(uow.clock.now()))
        return report


def scheduler_job(ctx: Context) -> BackgroundJob:
    """The background loop: one run every `scheduler_interval_seconds`."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await run_once(ctx)
            except Exception as error:  # the database may be away; try again next time
                log.warning("scheduler run failed: %s", error)
            try:
                await asyncio.wait_for(stop.wait(), ctx.config.scheduler_interval_seconds)
            except TimeoutError:
                pass

    return run
