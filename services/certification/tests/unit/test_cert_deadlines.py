"""The schedule of a certificate and the scheduler's notices: due once, never skipped."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from cert_builders import ISSUED_AT, VALID_UNTIL, at, issue

from certification.domain.certificate import Certificate, CertificateStatus
from certification.domain.deadlines import (
    Notice,
    NoticeKind,
    due_notices,
    rerating_decision_due,
    revocation_deadline,
    schedule_for,
)
from certification.domain.validity import VIETNAM, start_of_day

K = NoticeKind
DAY = timedelta(days=1)
OPENS, REMINDER, CLOSES = date(2028, 12, 16), date(2029, 1, 31), date(2029, 2, 14)
EXPIRES_ON, EXTENSION_ENDS = date(2029, 6, 15), date(2029, 12, 11)
BEGINNING = datetime(2026, 1, 1, tzinfo=UTC)
FAR = datetime(2031, 1, 1, tzinfo=UTC)


def kinds(notices: list[Notice]) -> list[tuple[NoticeKind, date]]:
    return [(n.kind, n.due_on) for n in notices]


def run_scheduler(certificate: Certificate, instants: list[datetime], *,
                  last_run: datetime | None = BEGINNING, reminder_days: int = 14) -> list[Notice]:
    """A scheduler that keeps its last run and records expiries, as the service layer will."""
    emitted: list[Notice] = []
    for now in instants:
        notices = due_notices(certificate, last_run, now, reminder_days=reminder_days)
        for notice in notices:
            if notice.expires:
                certificate.expire(at=now, on=notice.due_on)
        emitted += notices
        last_run = max(last_run, now) if last_run is not None else now
    return emitted


def test_schedule_of_a_certificate() -> None:
    s = schedule_for(VALID_UNTIL)
    assert (s.window_opens, s.reminder_on, s.window_closes) == (OPENS, REMINDER, CLOSES)
    assert (s.expires_on, s.extension_ends) == (EXPIRES_ON, EXTENSION_ENDS)
    assert s.in_window(OPENS) and s.in_window(CLOSES)
    assert not s.in_window(OPENS - DAY) and not s.in_window(CLOSES + DAY)
    assert schedule_for(VALID_UNTIL, reminder_days=30).reminder_on == CLOSES - timedelta(days=30)
    assert schedule_for(VALID_UNTIL, reminder_days=0).reminder_on == CLOSES


@pytest.mark.parametrize("days", [-1, 61])
def test_the_reminder_falls_inside_the_window(days: int) -> None:
    with pytest.raises(ValueError):
        schedule_for(VALID_UNTIL, reminder_days=days)


def test_one_run_over_the_whole_life_emits_each_notice_once_in_order() -> None:
    notices = due_notices(issue(), None, FAR)
    assert kinds(notices) == [(K.RERATING_WINDOW_OPENS, OPENS), (K.RERATING_REMINDER, REMINDER),
                              (K.EXPIRED, EXPIRES_ON)]
    assert notices[0].due_at == datetime(2028, 12, 16, tzinfo=VIETNAM)
    assert notices[0].key == "89-2026-00001:rerating_window_opens:2028-12-16"
    assert [n.expires for n in notices] == [False, False, True]
    assert {n.certificate_id for n in notices} == {"cert-1"}


def test_a_daily_scheduler_emits_each_notice_exactly_once_on_its_day() -> None:
    c = issue()
    rng = random.Random(7)
    day, instants = date(2026, 6, 15), []
    while day <= date(2030, 2, 1):
        instants.append(at(day, rng.randrange(24), rng.randrange(60)))
        day += DAY
    emitted = run_scheduler(c, instants)
    assert kinds(emitted) == [(K.RERATING_WINDOW_OPENS, OPENS), (K.RERATING_REMINDER, REMINDER),
                              (K.EXPIRED, EXPIRES_ON)]
    assert c.status is CertificateStatus.EXPIRED and c.history[-1].on == EXPIRES_ON


def test_running_twice_with_the_same_clock_emits_nothing_the_second_time() -> None:
    c = issue()
    now = at(OPENS, 0, 1)
    first = due_notices(c, at(OPENS - DAY), now)
    assert kinds(first) == [(K.RERATING_WINDOW_OPENS, OPENS)]
    assert due_notices(c, now, now) == []  # last_run was stored
    # a crashed run that did not store last_run repeats the same notices, with the same keys
    assert [n.key for n in due_notices(c, at(OPENS - DAY), now)] == [n.key for n in first]


def test_a_late_scheduler_catches_up_without_skipping() -> None:
    c = issue()
    emitted = run_scheduler(c, [at(date(2028, 1, 1)), at(date(2029, 8, 1)), at(date(2029, 8, 2))])
    assert kinds(emitted) == [(K.RERATING_WINDOW_OPENS, OPENS), (K.RERATING_REMINDER, REMINDER),
                              (K.EXPIRED, EXPIRES_ON)]
    assert c.history[-1].on == EXPIRES_ON  # recorded on the true day, not the day of the run


def test_a_clock_moved_back_emits_nothing_and_the_next_runs_do_not_repeat() -> None:
    c = issue()
    clock = [at(OPENS, 8), at(OPENS - timedelta(days=3)), at(OPENS, 9), at(REMINDER, 1)]
    emitted = run_scheduler(c, clock, last_run=at(OPENS - DAY))
    assert kinds(emitted) == [(K.RERATING_WINDOW_OPENS, OPENS), (K.RERATING_REMINDER, REMINDER)]


def test_boundaries_are_half_open() -> None:
    c = issue()
    due = start_of_day(OPENS)
    assert kinds(due_notices(c, due - timedelta(microseconds=1), due)) == [(K.RERATING_WINDOW_OPENS, OPENS)]
    assert due_notices(c, due, due + timedelta(hours=1)) == []
    assert due_notices(c, due - timedelta(hours=2), due - timedelta(microseconds=1)) == []


def test_the_reminder_day_is_configurable() -> None:
    notices = due_notices(issue(), None, FAR, reminder_days=30)
    assert (K.RERATING_REMINDER, CLOSES - timedelta(days=30)) in kinds(notices)


def test_no_notices_after_revocation_or_supersession() -> None:
    revoked = issue()
    revoked.revoke(grounds=[2], decision_no="1/QĐ", at=at(date(2029, 1, 10)))
    assert kinds(due_notices(revoked, None, FAR)) == [(K.RERATING_WINDOW_OPENS, OPENS)]

    superseded = issue()
    issue(id="n", number="89-2027-00001", at=at(date(2027, 1, 1)), supersedes=superseded)
    assert due_notices(superseded, None, FAR) == []


def test_an_extension_moves_the_expiry_to_the_end_of_the_extension() -> None:
    c = issue()
    filed = OPENS + timedelta(days=10)
    c.extend_pending_rerating(at=at(filed), dossier_filed_on=filed)  # before the reminder
    emitted = run_scheduler(c, [at(date(2028, 12, 20)), at(date(2029, 7, 1)), at(date(2030, 1, 1))],
                            last_run=at(OPENS - DAY))
    assert kinds(emitted) == [(K.RERATING_WINDOW_OPENS, OPENS),
                              (K.EXTENSION_ENDED, EXTENSION_ENDS + DAY)]
    assert c.status is CertificateStatus.EXPIRED and c.history[-1].on == EXTENSION_ENDS + DAY


def test_an_extension_recorded_after_the_expiry_day_prevents_the_expiry_notice() -> None:
    c = issue()
    c.extend_pending_rerating(at=at(EXPIRES_ON + timedelta(days=2)), transitional=True)
    assert kinds(due_notices(c, at(CLOSES), FAR)) == [(K.EXTENSION_ENDED, EXTENSION_ENDS + DAY)]


def test_a_rerating_decision_ending_the_extension_leaves_no_notice_for_the_scheduler() -> None:
    on_expiry_day = issue()
    on_expiry_day.extend_pending_rerating(at=at(CLOSES), dossier_filed_on=CLOSES)
    on_expiry_day.end_extension(at=at(EXPIRES_ON, 15))  # the service emits CertificateExpired itself
    assert due_notices(on_expiry_day, at(CLOSES), FAR) == []

    later = issue()
    later.extend_pending_rerating(at=at(CLOSES), dossier_filed_on=CLOSES)
    later.end_extension(at=at(EXPIRES_ON + timedelta(days=30)))
    assert due_notices(later, at(CLOSES), FAR) == []

    re_rated = issue()
    re_rated.extend_pending_rerating(at=at(CLOSES), dossier_filed_on=CLOSES)
    issue(id="n", number="89-2029-00001", at=at(EXPIRES_ON + timedelta(days=3)), supersedes=re_rated)
    assert due_notices(re_rated, at(CLOSES), FAR) == []


def test_an_extension_closed_before_expiry_expires_normally() -> None:
    c = issue()
    c.extend_pending_rerating(at=at(CLOSES), dossier_filed_on=CLOSES)
    c.end_extension(at=at(date(2029, 4, 1)))
    assert kinds(due_notices(c, at(CLOSES), FAR)) == [(K.EXPIRED, EXPIRES_ON)]


def test_instants_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        due_notices(issue(), None, datetime(2030, 1, 1))
    with pytest.raises(ValueError):
        due_notices(issue(), datetime(2029, 1, 1), FAR)


def test_notices_of_a_certificate_issued_on_29_february() -> None:
    c = issue(at=datetime(2024, 2, 29, 3, tzinfo=UTC))
    assert c.valid_until == date(2027, 2, 28)
    assert kinds(due_notices(c, None, FAR))[-1] == (K.EXPIRED, date(2027, 3, 1))


def test_keys_are_unique_across_a_portfolio() -> None:
    portfolio = [issue(id=f"c{i}", number=f"89-2026-{i:05d}", product_id=f"p{i}",
                       at=ISSUED_AT + timedelta(days=i * 13)) for i in range(40)]
    keys = [n.key for c in portfolio for n in due_notices(c, None, FAR)]
    assert len(keys) == 120 and max(Counter(keys).values()) == 1


def test_revocation_and_rerating_deadlines() -> None:
    assert revocation_deadline(date(2026, 7, 1)) == date(2026, 7, 16)
    assert revocation_deadline(date(2026, 12, 25)) == date(2027, 1, 9)
    assert rerating_decision_due(date(2029, 1, 20)) == date(2029, 3, 6)
