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
from typing import Any

from sqlalchemy import (  # not yet behind a repository: listed in pyproject's import contract, to move (issue 21)
    insert,
    select,
    update,
)

from ocop_shared.contracts import CertificateExpired, RerateReminder, RerateWindowOpened
from ocop_shared.contracts.certification_events import (
    CertificateExpiredPayload,
    RerateReminderPayload,
    RerateWindowOpenedPayload,
)
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.jobs import BackgroundJob

from ..adapters import tables
from ..adapters.repository import CertificateRecord, CertificateRepository, to_utc
from ..domain.certificate import TERMINAL, Certificate
from ..domain.deadlines import Notice, NoticeKind, due_notices, schedule_for
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
    seen = await uow.session.scalar(select(tables.notices.c.key).where(tables.notices.c.key == notice.key))
    if seen is not None:
        return False
    cert = record.certificate
    schedule = schedule_for(cert.valid_until, ctx.config.reminder_days)
    common = dict(certificate_id=cert.id, number=cert.number, product_id=cert.product_id)
    event: Envelope[Any]
    if notice.expires:
        cert.expire(at=now, on=notice.due_on)
        event = await publish(uow, ctx.wall_clock, record, CertificateExpired,
                              CertificateExpiredPayload(**common, expired_on=notice.due_on))
    elif notice.kind is NoticeKind.RERATING_WINDOW_OPENS:
        event = await publish(uow, ctx.wall_clock, record, RerateWindowOpened, RerateWindowOpenedPayload(
            **common, valid_until=cert.valid_until, window_opens=schedule.window_opens,
            window_closes=schedule.window_closes))
    else:
        event = await publish(uow, ctx.wall_clock, record, RerateReminder, RerateReminderPayload(
            **common, valid_until=cert.valid_until, window_closes=schedule.window_closes,
            days_left=max(0, (schedule.window_closes - notice.due_on).days)))
    await uow.session.execute(insert(tables.notices).values(
        key=notice.key, certificate_id=cert.id, kind=notice.kind.value, due_on=notice.due_on,
        event_id=str(event.id), emitted_at=to_utc(now)))
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
                due = [i for i in await CertificateRepository(uow.session).due(now, BATCH) if i not in done]
            if not due:
                break
            for certificate_id in due:
                done.add(certificate_id)
                async with ctx.uow() as uow:
                    repo = CertificateRepository(uow.session)
                    record = await repo.by_id(certificate_id, for_update=True)
                    if record is None or record.next_due_at is None or record.next_due_at > now:
                        continue  # another replica got there first
                    report.notices += await catch_up(uow, ctx, record, now)
                    await repo.save(record)
                    await uow.commit()
                    report.certificates += 1
        async with ctx.uow() as uow:
            state = tables.scheduler_runs
            total = await uow.session.scalar(select(state.c.total_notices).where(state.c.name == RUN_NAME))
            values = dict(last_run_at=to_utc(now), last_run_notices=len(report.notices))
            if total is None:
                await uow.session.execute(insert(state).values(name=RUN_NAME, total_notices=len(report.notices),
                                                               **values))
            else:
                await uow.session.execute(update(state).where(state.c.name == RUN_NAME).values(
                    total_notices=int(total) + len(report.notices), **values))
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
