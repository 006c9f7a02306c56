"""Deadlines of a certificate and the notices a scheduler must emit.

A certificate's schedule (26/2026 Article 7(6)(a) and Article 12(3)), with E = the
expiry date printed on the certificate (its last valid day, `valid_until`):

- E - 180 days: the re-rating window opens (the dossier may be filed from this day);
- E - 120 days - N: reminder, N days (default 14) before the window closes;
- E - 120 days: the window closes (last day to file);
- E + 1 day: the certificate has expired, unless it is extended pending re-rating;
- E + 180 days: last day an extension pending re-rating can reach; it has expired the day after.

Each notice is due at the start of its day in Vietnam (00:00 ICT). `due_notices(c,
last_run, now)` returns the notices due in the half-open interval (last_run, now]: a
scheduler that stores `now` as its next `last_run` (in the same transaction as the
notices it emits) never emits a notice twice and never skips one, however late or
often it runs. A clock moved backwards yields nothing. Every notice also has a stable
`key` for a unique constraint, as a second line of defence.

Notices follow the recorded history: none for a certificate that was revoked or
superseded before the due day, no window notices once an extension is recorded, and
the expiry notice moves to the end of the extension when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from ocop_shared.clock import VIETNAM
from ocop_shared.contracts import RerateReminder, RerateWindowOpened
from ocop_shared.contracts.certification_events import RerateReminderPayload, RerateWindowOpenedPayload

from .certificate import (
    EXTENSION_DAYS,
    RERATING_WINDOW_CLOSES_DAYS,
    RERATING_WINDOW_OPENS_DAYS,
    VALID,
    Certificate,
    CertificateStatus,
)
from .validity import start_of_day

DEFAULT_REMINDER_DAYS = 14
REVOCATION_DAYS = 15  # Article 8(4): 15 days from the authority's conclusion
RERATING_DECISION_DAYS = 45  # Article 7(6)(g): re-rating within 45 days of a complete dossier


class NoticeKind(StrEnum):
    RERATING_WINDOW_OPENS = "rerating_window_opens"
    RERATING_REMINDER = "rerating_reminder"
    EXPIRED = "expired"
    EXTENSION_ENDED = "extension_ended"


@dataclass(frozen=True)
class Schedule:
    valid_until: date
    window_opens: date
    reminder_on: date
    window_closes: date
    expires_on: date  # first day no longer valid without an extension
    extension_ends: date  # last valid day of an extension pending re-rating

    def in_window(self, day: date) -> bool:
        """May a re-rating dossier be filed on `day`?"""
        return self.window_opens <= day <= self.window_closes


def schedule_for(valid_until: date, reminder_days: int = DEFAULT_REMINDER_DAYS) -> Schedule:
    window = RERATING_WINDOW_OPENS_DAYS - RERATING_WINDOW_CLOSES_DAYS
    if not 0 <= reminder_days <= window:
        raise ValueError(f"reminder_days must be between 0 and {window} (the window's length)")
    closes = valid_until - timedelta(days=RERATING_WINDOW_CLOSES_DAYS)
    return Schedule(
        valid_until=valid_until,
        window_opens=valid_until - timedelta(days=RERATING_WINDOW_OPENS_DAYS),
        reminder_on=closes - timedelta(days=reminder_days),
        window_closes=closes,
        expires_on=valid_until + timedelta(days=1),
        extension_ends=valid_until + timedelta(days=EXTENSION_DAYS),
    )


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    certificate_id: str
    certificate_number: str
    due_on: date
    due_at: datetime

    @property
    def key(self) -> str:
        """Stable identity: the same notice always has the same key."""
        return f"{self.certificate_number}:{self.kind.value}:{self.due_on.isoformat()}"

    @property
    def expires(self) -> bool:
        """The certificate expires with this notice (`raise_notice` records CertificateExpired)."""
        return self.kind in (NoticeKind.EXPIRED, NoticeKind.EXTENSION_ENDED)


def _candidates(certificate: Certificate, schedule: Schedule) -> list[tuple[NoticeKind, date]]:
    def recorded_active(day: date) -> bool:
        return certificate.recorded_status_on(day) is CertificateStatus.ACTIVE

    def lapses_on(day: date) -> bool:
        # valid the day before, expired (by the calendar or by record) on the day
        return (certificate.status_on(day - timedelta(days=1)) in VALID
                and certificate.status_on(day) is CertificateStatus.EXPIRED)

    def decided_on(day: date) -> bool:
        # expired on `day` by a re-rating decision recorded by the service (which emitted it)
        last = None
        for entry in certificate.history:
            if entry.on > day:
                break
            last = entry
        return (last is not None and last.on == day and last.to_status is CertificateStatus.EXPIRED
                and last.from_status is CertificateStatus.EXTENDED)

    found: list[tuple[NoticeKind, date]] = []
    if recorded_active(schedule.window_opens):
        found.append((NoticeKind.RERATING_WINDOW_OPENS, schedule.window_opens))
    if recorded_active(schedule.reminder_on):
        found.append((NoticeKind.RERATING_REMINDER, schedule.reminder_on))
    if lapses_on(schedule.expires_on) and not decided_on(schedule.expires_on):
        found.append((NoticeKind.EXPIRED, schedule.expires_on))
    extension_over = schedule.extension_ends + timedelta(days=1)
    if (certificate.status_on(schedule.extension_ends) is CertificateStatus.EXTENDED
            and lapses_on(extension_over)):
        found.append((NoticeKind.EXTENSION_ENDED, extension_over))
    return found


def due_notices(
    certificate: Certificate,
    last_run: datetime | None,
    now: datetime,
    *,
    reminder_days: int = DEFAULT_REMINDER_DAYS,
    tz: timezone = VIETNAM,
) -> list[Notice]:
    """Notices of `certificate` due in (last_run, now], oldest first.

    `last_run` None means "never ran": everything due up to `now` (nothing is skipped).
    Both instants must be timezone-aware.
    """
    if now.tzinfo is None or (last_run is not None and last_run.tzinfo is None):
        raise ValueError("due_notices needs timezone-aware instants")
    if last_run is not None and now <= last_run:
        return []
    schedule = schedule_for(certificate.valid_until, reminder_days)
    notices = []
    for kind, day in _candidates(certificate, schedule):
        due_at = start_of_day(day, tz)
        if (last_run is None or due_at > last_run) and due_at <= now:
            notices.append(Notice(kind=kind, certificate_id=certificate.id,
                                  certificate_number=certificate.number, due_on=day, due_at=due_at))
    notices.sort(key=lambda n: n.due_at)
    return notices


def raise_notice(certificate: Certificate, notice: Notice, *, at: datetime,
                 reminder_days: int = DEFAULT_REMINDER_DAYS) -> None:
    """The certificate records the notice in its stream; an expiry also changes its status."""
    if notice.expires:
        certificate.expire(at=at, on=notice.due_on)
        return
    schedule = schedule_for(certificate.valid_until, reminder_days)
    common = dict(certificate_id=certificate.id, number=certificate.number,
                  product_id=certificate.product_id, valid_until=certificate.valid_until)
    if notice.kind is NoticeKind.RERATING_WINDOW_OPENS:
        certificate.record(RerateWindowOpened, RerateWindowOpenedPayload(
            **common, window_opens=schedule.window_opens, window_closes=schedule.window_closes))
    else:
        certificate.record(RerateReminder, RerateReminderPayload(
            **common, window_closes=schedule.window_closes,
            days_left=max(0, (schedule.window_closes - notice.due_on).days)))


def revocation_deadline(concluded_on: date) -> date:
    """Last day to decide a revocation: 15 days from the authority's conclusion (Art. 8(4))."""
    return concluded_on + timedelta(days=REVOCATION_DAYS)


def rerating_decision_due(complete_dossier_on: date) -> date:
    """Last day for the re-rating decision: 45 days from a complete dossier (Art. 7(6)(g))."""
    return complete_dossier_on + timedelta(days=RERATING_DECISION_DAYS)
