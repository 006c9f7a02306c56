"""Expiry and re-rating on a clock the test moves: the window-opened notice, the reminder, the
expiry, and the extension pending re-rating (26/2026 Articles 7 and 12)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from cert_platform import START, platform, rerating_submitted, scored
from sqlalchemy import select

from certification.adapters.tables import scheduler_runs
from certification.domain.validity import VIETNAM
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import topics
from ocop_shared.observability.metrics import REGISTRY

# issued 15/06/2026: valid until 14/06/2029; window 16/12/2028 - 14/02/2029; reminder 31/01/2029
WINDOW_OPENS, REMINDER, EXPIRES = date(2028, 12, 16), date(2029, 1, 31), date(2029, 6, 15)
EXTENSION_ENDS = date(2029, 12, 11)


def ict(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIETNAM)


async def test_the_clock_moved_forward_emits_the_notices_and_expires_the_certificate(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        cert = await p.issue(stars=4)
        number = cert["number"]
        assert cert["valid_until"] == "2029-06-14" and cert["next_notice_at"] is not None

        clock.set(ict(WINDOW_OPENS - timedelta(days=1), 23, 59))
        assert (await p.run_scheduler())["notices"] == []
        clock.set(ict(WINDOW_OPENS, 0, 30))
        run = await p.run_scheduler()
        assert [(n["kind"], n["due_on"]) for n in run["notices"]] == [("rerating_window_opens", "2028-12-16")]
        assert (await p.run_scheduler())["notices"] == [], "a notice is emitted once"
        opened = (await p.wait_for_event("RerateWindowOpened"))[0]
        assert (opened.payload.window_opens, opened.payload.window_closes) == (WINDOW_OPENS, date(2029, 2, 14))

        clock.set(ict(REMINDER, 8))
        run = await p.run_scheduler()
        assert [n["kind"] for n in run["notices"]] == ["rerating_reminder"]
        reminder = (await p.wait_for_event("RerateReminder"))[0]
        assert reminder.payload.days_left == 14 and reminder.payload.window_closes == date(2029, 2, 14)

        clock.set(ict(EXPIRES - timedelta(days=1), 23, 59))
        assert (await p.run_scheduler())["notices"] == []
        assert (await p.verify(number))["status"] == "active"

        clock.set(ict(EXPIRES, 0, 1))
        page = await p.verify(number)
        assert page["status"] == "expired", "expired by the calendar even before the scheduler ran"
        run = await p.run_scheduler()
        assert [(n["kind"], n["due_on"]) for n in run["notices"]] == [("expired", "2029-06-15")]
        expired = (await p.wait_for_event("CertificateExpired"))[0]
        assert expired.payload.number == number and expired.payload.expired_on == EXPIRES
        page = await p.verify(number)
        assert [(h["from_status"], h["status"], h["on"]) for h in page["history"]] == [
            (None, "active", "2026-06-15"), ("active", "expired", "2029-06-15")]
        assert "36 tháng" in page["history"][1]["reason"]
        listed = (await p.client.get("/certification/certificates", headers=p.office,
                                     params={"status": "expired"})).json()
        assert [c["number"] for c in listed["items"]] == [number] and listed["items"][0]["next_notice_at"] is None

        clock.advance(timedelta(days=400))
        assert (await p.run_scheduler())["notices"] == []
        events = await p.events()
        assert [e.type for e in events] == ["Certified", "RerateWindowOpened", "RerateReminder", "CertificateExpired"]
        assert [e.aggregate_version for e in events] == [1, 2, 3, 4]
        async with p.runtime().uow() as uow:
            state = (await uow.session.execute(select(scheduler_runs))).one()
        assert state.total_notices == 3 and state.last_run_notices == 0


async def test_a_late_scheduler_catches_up_without_skipping(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        await p.issue()
        clock.set(ict(EXPIRES + timedelta(days=3)))
        run = await p.run_scheduler()
        assert [n["kind"] for n in run["notices"]] == ["rerating_window_opens", "rerating_reminder", "expired"]
        assert [e.payload.expired_on for e in await p.wait_for_event("CertificateExpired")] == [EXPIRES]


async def test_a_pending_rerating_extends_the_certificate_up_to_180_days(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        product = str(uuid.uuid4())
        cert = await p.issue(product)
        number = cert["number"]
        clock.set(ict(date(2029, 1, 10)))  # the dossier reaches the province inside the window
        await p.run_scheduler()
        await p.inject(rerating_submitted(product, number, clock=clock), group="certification-rerating")
        extended = (await p.wait_for_event("CertificateExtended"))[0]
        assert extended.payload.extended_until == EXTENSION_ENDS and extended.payload.valid_until == date(2029, 6, 14)
        page = await p.verify(number)
        assert page["status"] == "active" and page["rerating_pending"] is True  # before expiry: simply valid
        assert "hồ sơ nộp ngày 10/01/2029" in page["history"][-1]["reason"]

        clock.set(ict(REMINDER))
        assert (await p.run_scheduler())["notices"] == [], "no reminder: the dossier is filed"

        clock.set(ict(EXPIRES, 7))
        assert (await p.run_scheduler())["notices"] == [], "no expiry while the re-rating is pending"
        page = await p.verify(number)
        assert page["status"] == "extended"
        assert page["status_label"] == "Được kéo dài hiệu lực, chờ đánh giá, phân hạng lại"
        assert page["valid_through"] == page["extended_until"] == "2029-12-11"
        listed = (await p.client.get("/certification/certificates", headers=p.office,
                                     params={"status": "extended"})).json()["items"]
        assert listed[0]["effective_status"] == "extended" and listed[0]["rerating_pending"] is True

        clock.set(ict(EXTENSION_ENDS, 23))
        assert (await p.run_scheduler())["notices"] == []
        clock.set(ict(EXTENSION_ENDS + timedelta(days=1), 0, 10))
        run = await p.run_scheduler()
        assert [(n["kind"], n["due_on"]) for n in run["notices"]] == [("extension_ended", "2029-12-12")]
        expired = (await p.wait_for_event("CertificateExpired"))[0]
        assert expired.payload.expired_on == date(2029, 12, 12)
        page = await p.verify(number)
        assert page["status"] == "expired" and "180 ngày" in page["history"][-1]["reason"]
        assert [h["status"] for h in page["history"]] == ["active", "extended", "expired"]


async def test_the_rerating_result_replaces_an_extended_certificate(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        product = str(uuid.uuid4())
        number = (await p.issue(product))["number"]
        clock.set(ict(date(2029, 2, 1)))
        dossier = rerating_submitted(product, number, clock=clock)
        await p.inject(dossier, group="certification-rerating")
        await p.wait_for_event("CertificateExtended")
        clock.set(ict(date(2029, 7, 1)))  # decided after the expiry, inside the extension
        await p.inject(scored(product, stars=3, case="rerating", mean_score="66.00", clock=clock,
                              submission_id=dossier.payload.submission_id))
        await p.decide()
        superseded = (await p.wait_for_event("CertificateSuperseded"))[0]
        new = await p.verify(superseded.payload.superseded_by)
        assert new["stars"] == 3 and new["issued_on"] == "2029-07-01" and new["valid_until"] == "2032-06-30"
        old = await p.verify(number)
        assert old["status"] == "superseded"
        assert [(h["from_status"], h["status"]) for h in old["history"]] == [
            (None, "active"), ("active", "extended"), ("extended", "superseded")]


@pytest.mark.parametrize("stars", [2, 1])
async def test_a_failed_rerating_ends_the_extension(tmp_path: Path, stars: int) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        product = str(uuid.uuid4())
        number = (await p.issue(product))["number"]
        clock.set(ict(date(2029, 1, 20)))
        dossier = rerating_submitted(product, number, clock=clock)
        await p.inject(dossier, group="certification-rerating")
        await p.wait_for_event("CertificateExtended")
        clock.set(ict(date(2029, 7, 10)))
        await p.inject(scored(product, stars=stars, case="rerating", mean_score="45.00", clock=clock,
                              submission_id=dossier.payload.submission_id))
        expired = (await p.wait_for_event("CertificateExpired"))[0]
        assert expired.payload.expired_on == date(2029, 7, 10)
        page = await p.verify(number)
        assert page["status"] == "expired" and "kết quả đánh giá lại" in page["history"][-1]["reason"]
        assert (await p.run_scheduler())["notices"] == [], "the scheduler leaves a decided expiry alone"
        assert len(await p.wait_for_event("CertificateExpired")) == 1


async def test_the_background_scheduler_runs_by_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCOP_CERTIFICATION_SCHEDULER_INTERVAL_SECONDS", "0.2")
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        number = (await p.issue())["number"]
        clock.set(ict(EXPIRES, 1))
        expired = (await p.wait_for_event("CertificateExpired"))[0]
        assert expired.payload.number == number
        assert [e.type for e in await p.events(topics.CERTIFICATE)].count("CertificateExpired") == 1


async def test_deadlines_coming_due_are_exposed_as_a_metric(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        await p.issue(stars=4)
        clock.set(ict(EXPIRES - timedelta(days=20)))
        await p.run_scheduler()
        text = (await p.client.get("/metrics")).text
        lines = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
                 if line.startswith("ocop_deadlines_due{")}
        assert lines['ocop_deadlines_due{kind="expiry",service="certification",within_days="30"}'] == 1
        assert lines['ocop_deadlines_due{kind="expiry",service="certification",within_days="3"}'] == 0


async def test_the_rerating_group_runs_like_the_main_one(tmp_path: Path) -> None:
    """Its topics are the service's to read (ACLs), its dead letters are counted, and settled()
    waits for it."""
    async with platform(tmp_path) as p:
        runtime = p.runtime()
        assert list(runtime.consumer_groups()) == ["certification", "certification-rerating"]
        assert {topics.PRODUCT, topics.EVALUATION} <= runtime.topics_read()
        assert topics.dead_letter_topic("certification-rerating") in runtime.topics_written()

        def parked() -> float:
            return REGISTRY.get_sample_value(
                "ocop_dead_letters_total", {"service": "certification", "topic": topics.PRODUCT}) or 0.0

        before = parked()
        await p.inject(raw=b'{"type": "ProductSubmitted", "payload": 7}', topic=topics.PRODUCT,
                       group="certification-rerating")
        assert parked() == before + 1
        dead = await p.log.read(topics.dead_letter_topic("certification-rerating"), 0, limit=10)
        assert len(dead) == 1 and dead[0].headers["ocop-dlq-consumer"] == "certification-rerating"
        assert dead[0].headers["ocop-dlq-error"], "the reason goes with it"
        assert await runtime.settled()
