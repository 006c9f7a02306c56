"""The certification use cases and event handlers over in-memory repositories (tests/unit/certification_fakes.py).

Each test runs a use case against `FakeUnitOfWork` and checks what it stored in the fakes and
the events it sent, numbered in the certificate's stream; a refusal raises the application
error and commits nothing. No database, no broker, no HTTP.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from certification_fakes import (
    FakeCertificates,
    FakeDeliveries,
    FakeFindings,
    FakeRecognitions,
    FakeSchedule,
    repositories,
)

from certification.adapters.findings import EvidenceItem
from certification.adapters.keystore import KeyStore
from certification.config import CertificationSettings
from certification.domain.certificate import CertificateStatus
from certification.domain.deadlines import NoticeKind
from certification.domain.inspection import InspectionKind
from certification.domain.recognition import RecognitionDecision, Signature
from certification.domain.revocation import CaseStatus
from certification.domain.validity import local_day
from certification.service_layer import findings, issuance, recognition, scheduler
from certification.service_layer.context import Context
from certification.service_layer.findings import SOURCE_HTTP, SOURCE_TOPIC, FindingReport
from ocop_shared.auth import Principal
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import (
    CertificateExpired,
    CertificateExtended,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    ProductSubmitted,
    RecognitionDecided,
    RerateWindowOpened,
    RevocationCaseDismissed,
    RevocationCaseOpened,
    Scored,
    SubmissionWithdrawn,
)
from ocop_shared.contracts.common import EntityFacts, EvaluationCase, LegalForm, Level
from ocop_shared.contracts.registry_events import ProductSubmittedPayload, SubmissionWithdrawnPayload
from ocop_shared.contracts.scoring_events import ScoredPayload
from ocop_shared.errors import Conflict, NotFound
from ocop_shared.fakes import FakeUnitOfWork
from ocop_shared.messaging.outbox import new_event

START = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # 10:00 in An Giang, 15/06/2026
BASE_URL = "https://ocop.example"
OFFICE = Principal("office-1")


class World:
    """A fake unit of work over fresh fakes, and the context the use cases need."""

    def __init__(self, tmp_path: Path, now: datetime = START) -> None:
        self.clock = ManualClock(now)
        self.certificates = FakeCertificates()
        self.findings = FakeFindings()
        self.schedule = FakeSchedule()
        self.deliveries = FakeDeliveries()
        self.recognitions = FakeRecognitions()
        self.uow = FakeUnitOfWork(
            repositories(self.certificates, self.findings, self.schedule, self.deliveries,
                         self.recognitions),
            clock=self.clock, producer="certification")
        self.ctx = Context(uow=lambda: self.uow, store=cast(Any, None), keys=KeyStore(tmp_path / "keys"),
                           base_url=BASE_URL, config=CertificationSettings(), province="An Giang")

    async def handle(self, handler: Any, event: Any) -> None:
        """Run an event handler in a transaction and commit, as the consumer does."""
        async with self.uow:
            await handler(event, self.uow, self.ctx)
            await self.uow.commit()

    async def issue(self, product_id: str = "prod-1", **options: Any) -> str:
        """A result, then the authority's signed decision on its round: the certificate."""
        await self.handle(issuance.on_scored, scored(product_id, self.clock, **options))
        await decide_rounds(self)
        record = await self.certificates.current_of_product(product_id)
        assert record is not None
        return record.number


SIGNED_PDF = "b" * 64


async def decide_rounds(w: World) -> list[RecognitionDecision]:
    w.findings.files.setdefault(SIGNED_PDF, SimpleNamespace(content_type="application/pdf"))
    signed = []
    for round_id in sorted({r.round_id for r in await w.recognitions.awaiting(None)}):
        async with w.uow:
            drafts = await recognition.draft(w.uow, w.ctx, round_id, OFFICE)
        for draft in drafts:
            async with w.uow:
                signed.append(await recognition.sign(w.uow, w.ctx, draft.id, Signature(
                    number="2150/QĐ-UBND", signed_on=local_day(w.clock.now()), signer_name="Hồ Văn Mừng",
                    signer_title="KT. Chủ tịch, Phó Chủ tịch", document_sha256=SIGNED_PDF)))
    return signed


def scored(product_id: str, clock: ManualClock, *, stars: int = 4, case: str = "first",
           level: str = "province", evaluation_id: str | None = None) -> Scored:
    payload = ScoredPayload(
        evaluation_id=evaluation_id or str(uuid.uuid4()), product_id=product_id,
        submission_id=str(uuid.uuid4()), round_id="AG-2026-R1", case=EvaluationCase(case),
        regulation="26/2026/QĐ-TTg", level=Level(level), recognising=stars >= 3, stars=stars,
        mean_score=Decimal("74.25"), part_scores={"A": Decimal("30")},
        council_decision_ref="1234/QĐ-UBND", product_name="Mắm cá linh Châu Đốc", product_set_no=9,
        entity_id="entity-1", entity_name="HTX Nông nghiệp Mắm Châu Đốc", commune_code="30316",
        province_code="91")
    return new_event(Scored, payload, aggregate_id=payload.evaluation_id, aggregate_version=2,
                     producer="scoring", clock=clock)


def rerating_submitted(product_id: str, number: str, clock: ManualClock) -> ProductSubmitted:
    payload = ProductSubmittedPayload(
        product_id=product_id, submission_id="sub-rerating", round_id="AG-2029-R1",
        case=EvaluationCase.RERATING, product_name="Mắm cá linh Châu Đốc", product_set_no=9,
        regulation="26/2026/QĐ-TTg",
        entity=EntityFacts(entity_id="e1", name="HTX Nông nghiệp Mắm Châu Đốc",
                           legal_form=LegalForm.COOPERATIVE, commune_code="30316", province_code="91"),
        current_certificate_number=number)
    return new_event(ProductSubmitted, payload, aggregate_id=product_id, aggregate_version=7,
                     producer="registry", clock=clock)


def report(number: str, *, source: str = SOURCE_HTTP, confirmed: bool = True,
           finding_id: str = "SYT-1", grounds: tuple[int, ...] = (3,)) -> FindingReport:
    return FindingReport(
        finding_id=finding_id, certificate_number=number, grounds=grounds,
        conclusion="Mẫu kiểm nghiệm vượt ngưỡng histamine cho phép", concluded_by="Sở Y tế tỉnh An Giang",
        concluded_on=date(2026, 6, 15), confirmed=confirmed, kind=InspectionKind.AD_HOC,
        evidence=[EvidenceItem(sha256="a" * 64, kind="test_report", filename="phieu.pdf",
                               content_type="application/pdf", size=1200)],
        source=source, reported_by="inspector-1")


def certificate_events(uow: FakeUnitOfWork) -> list[Any]:
    """The certificates' streams (the decisions that issued them are their own stream)."""
    return [e for e in uow.events if e.type != "RecognitionDecided"]


def versions(uow: FakeUnitOfWork) -> list[tuple[str, int]]:
    return [(e.type, e.aggregate_version) for e in certificate_events(uow)]


# ---- issuing ----------------------------------------------------------------------------------


async def test_a_recognising_result_issues_a_certificate_announced_as_the_first_event(tmp_path: Path) -> None:
    w = World(tmp_path)
    number = await w.issue()
    (record,) = w.certificates.records.values()
    assert record.certificate.status is CertificateStatus.ACTIVE and record.version == 1
    assert record.qr_text is not None and record.next_due_at is not None
    (certified,) = w.uow.events_of(Certified)
    assert (certified.aggregate_id, certified.aggregate_version, certified.producer) == (
        record.id, 1, "certification")
    assert certified.payload.number == number and certified.payload.qr_text == record.qr_text
    assert certified.payload.verification_url.startswith(BASE_URL) and certified.payload.supersedes is None
    assert w.deliveries.offered == certificate_events(w.uow), "every certificate event goes to the webhooks"
    (decided,) = w.uow.events_of(RecognitionDecided)
    assert [(p.product_id, p.certificate_number) for p in decided.payload.products] == [("prod-1", number)]
    assert decided.payload.authority == "UBND tỉnh An Giang" and record.certificate.decision_no == "2150/QĐ-UBND"
    assert [r["outcome"] for r in w.certificates.results] == ["issued"]


async def test_the_same_result_delivered_twice_issues_one_certificate(tmp_path: Path) -> None:
    w = World(tmp_path)
    event = scored("prod-1", w.clock)
    await w.handle(issuance.on_scored, event)
    await w.handle(issuance.on_scored, scored("prod-1", w.clock, evaluation_id=event.payload.evaluation_id))
    assert w.certificates.records == {}, "nothing is issued before the authority's decision"
    await decide_rounds(w)
    assert await decide_rounds(w) == [], "nothing awaits a second decision"
    assert len(w.certificates.records) == 1 and len(w.uow.events_of(Certified)) == 1


async def test_a_two_star_result_issues_nothing(tmp_path: Path) -> None:
    w = World(tmp_path)
    await w.handle(issuance.on_scored, scored("prod-1", w.clock, stars=2))
    assert w.certificates.records == {} and w.uow.events == []


async def test_an_upgrade_supersedes_the_current_certificate_in_its_own_stream(tmp_path: Path) -> None:
    w = World(tmp_path)
    old_number = await w.issue(stars=3)
    w.clock.advance(timedelta(days=400))
    new_number = await w.issue(stars=4, case="upgrade")
    old = await w.certificates.by_number(old_number)
    new = await w.certificates.by_number(new_number)
    assert old is not None and new is not None
    assert old.certificate.status is CertificateStatus.SUPERSEDED and old.version == 2
    assert versions(w.uow)[1:] == [("CertificateSuperseded", 2), ("Certified", 1)]
    (superseded,) = w.uow.events_of(CertificateSuperseded)
    assert (superseded.aggregate_id, superseded.payload.superseded_by) == (old.id, new_number)
    assert w.uow.events_of(Certified)[-1].payload.supersedes == old_number
    assert new.certificate.product_code == old.certificate.product_code


async def test_a_rerating_dossier_in_the_window_extends_the_certificate(tmp_path: Path) -> None:
    w = World(tmp_path)
    number = await w.issue()
    w.clock.set(datetime(2029, 1, 10, 3, 0, tzinfo=UTC))  # the window: 16/12/2028 to 14/02/2029
    await w.handle(issuance.on_product_submitted, rerating_submitted("prod-1", number, w.clock))
    record = await w.certificates.by_number(number)
    assert record is not None and record.certificate.status is CertificateStatus.EXTENDED
    assert record.rerating_submission_id == "sub-rerating"
    (extended,) = w.uow.events_of(CertificateExtended)
    assert extended.aggregate_version == 2 and extended.payload.submission_id == "sub-rerating"
    assert extended.payload.extended_until == record.certificate.extension_ends_on

    w.clock.set(datetime(2029, 7, 1, 3, 0, tzinfo=UTC))  # past the expiry day: withdrawn, it expires
    withdrawn = new_event(SubmissionWithdrawn, SubmissionWithdrawnPayload(
        product_id="prod-1", submission_id="sub-rerating", reason="the entity withdrew it"),
        aggregate_id="sub-rerating", aggregate_version=3, producer="registry", clock=w.clock)
    await w.handle(issuance.on_submission_withdrawn, withdrawn)
    ended = await w.certificates.by_number(number)
    assert ended is not None and ended.certificate.status is CertificateStatus.EXPIRED
    assert ended.rerating_submission_id is None
    (expired,) = w.uow.events_of(CertificateExpired)
    assert (expired.aggregate_version, expired.payload.expired_on) == (3, date(2029, 7, 1))



# ---- findings and revocation ------------------------------------------------------------------


async def test_a_confirmed_finding_over_http_opens_a_case_in_the_certificate_stream(tmp_path: Path) -> None:
    w = World(tmp_path)
    number = await w.issue()
    async with w.uow:
        outcome = await findings.report_finding(w.uow, w.ctx, report(number))
        await w.uow.commit()
    assert (outcome.created, outcome.outcome) == (True, "violation") and outcome.case_id is not None
    stored = w.findings.cases[outcome.case_id]
    assert stored.case.status is CaseStatus.OPEN and stored.case.grounds == (3,)
    (opened,) = w.uow.events_of(RevocationCaseOpened)
    assert opened.aggregate_version == 2 and opened.payload.case_id == outcome.case_id
    assert opened.payload.finding_id == "SYT-1" and opened.payload.deadline == date(2026, 6, 30)
    assert w.findings.inspections["SYT-1"].outcome == "violation"


async def test_an_unconfirmed_finding_waits_and_its_confirmation_opens_the_case(tmp_path: Path) -> None:
    w = World(tmp_path)
    number = await w.issue()
    async with w.uow:
        first = await findings.report_finding(w.uow, w.ctx, report(number, confirmed=False))
        await w.uow.commit()
    assert (first.outcome, first.case_id) == ("open", None) and not w.uow.events_of(RevocationCaseOpened)
    async with w.uow:
        again = await findings.report_finding(w.uow, w.ctx, report(number))
        await w.uow.commit()
    assert (again.inspection_id, again.created, again.outcome) == (first.inspection_id, False, "violation")
    assert len(w.uow.events_of(RevocationCaseOpened)) == 1


async def test_a_finding_on_an_unknown_certificate_is_refused_over_http(tmp_path: Path) -> None:
    w = World(tmp_path)
    with pytest.raises(NotFound):
        async with w.uow:
            await findings.report_finding(w.uow, w.ctx, report("91-2026-99999"))
            await w.uow.commit()
    assert w.uow.commits == 0 and w.uow.events == [] and w.findings.inspections == {}


async def test_a_finding_on_an_unknown_certificate_from_the_topic_is_kept_as_rejected(tmp_path: Path) -> None:
    w = World(tmp_path)
    async with w.uow:
        outcome = await findings.report_finding(w.uow, w.ctx, report("91-2026-99999", source=SOURCE_TOPIC))
        await w.uow.commit()
    assert outcome.outcome == "rejected" and outcome.note is not None and "91-2026-99999" in outcome.note
    assert w.findings.inspections["SYT-1"].outcome == "rejected" and w.uow.events == []


async def _open_case(w: World) -> tuple[str, str]:
    number = await w.issue()
    async with w.uow:
        outcome = await findings.report_finding(w.uow, w.ctx, report(number))
        await w.uow.commit()
    assert outcome.case_id is not None
    return number, outcome.case_id


async def test_deciding_a_case_revokes_the_certificate(tmp_path: Path) -> None:
    w = World(tmp_path)
    number, case_id = await _open_case(w)
    async with w.uow:
        await findings.decide_case(w.uow, w.ctx, case_id, decision_no="77/QĐ-UBND", decided_on=None, note="")
    record = await w.certificates.by_number(number)
    assert record is not None and record.certificate.status is CertificateStatus.REVOKED
    assert w.findings.cases[case_id].case.status is CaseStatus.DECIDED
    (revoked,) = w.uow.events_of(CertificateRevoked)
    assert revoked.aggregate_version == 3 and revoked.payload.decision_no == "77/QĐ-UBND"
    assert revoked.payload.reason == w.findings.cases[case_id].case.conclusion  # no note: the conclusion
    assert revoked.payload.grounds == [3] and revoked.payload.revoked_on == date(2026, 6, 15)


async def test_dismissing_a_case_keeps_the_certificate_and_a_closed_case_is_a_conflict(tmp_path: Path) -> None:
    w = World(tmp_path)
    number, case_id = await _open_case(w)
    async with w.uow:
        await findings.dismiss_case(w.uow, w.ctx, case_id, reason="Mẫu lấy sai quy trình", dismissed_on=None)
    record = await w.certificates.by_number(number)
    assert record is not None and record.certificate.status is CertificateStatus.ACTIVE
    (dismissed,) = w.uow.events_of(RevocationCaseDismissed)
    assert dismissed.aggregate_version == 3 and dismissed.payload.reason == "Mẫu lấy sai quy trình"
    commits, events = w.uow.commits, list(w.uow.events)
    with pytest.raises(Conflict):
        async with w.uow:
            await findings.decide_case(w.uow, w.ctx, case_id, decision_no="78/QĐ-UBND", decided_on=None,
                                       note="")
    assert (w.uow.commits, w.uow.events) == (commits, events)


async def test_deciding_an_unknown_case_or_revoking_an_unknown_number_is_not_found(tmp_path: Path) -> None:
    w = World(tmp_path)
    with pytest.raises(NotFound):
        async with w.uow:
            await findings.decide_case(w.uow, w.ctx, "no-such-case", decision_no="1", decided_on=None, note="")
    with pytest.raises(NotFound):
        async with w.uow:
            await findings.revoke_directly(w.uow, w.ctx, "91-2026-99999", grounds=[1], decision_no="1",
                                           reason="x")
    assert w.uow.commits == 0 and w.uow.events == []


async def test_revoking_directly_opens_and_decides_a_case(tmp_path: Path) -> None:
    w = World(tmp_path)
    number = await w.issue()
    async with w.uow:
        case_id = await findings.revoke_directly(w.uow, w.ctx, number, grounds=[2], decision_no="9/QĐ-UBND",
                                                 reason="Ngừng sản xuất")
    assert w.findings.cases[case_id].case.status is CaseStatus.DECIDED
    (revoked,) = w.uow.events_of(CertificateRevoked)
    assert (revoked.aggregate_version, revoked.payload.reason, revoked.payload.grounds) == (
        2, "Ngừng sản xuất", [2])


# ---- the scheduler ----------------------------------------------------------------------------


async def test_the_scheduler_emits_each_notice_once_and_expires_the_certificate(tmp_path: Path) -> None:
    w = World(tmp_path)
    number = await w.issue()
    w.clock.set(datetime(2028, 12, 16, 1, 0, tzinfo=UTC))  # the re-rating window opens
    report_ = await scheduler.run_once(w.ctx)
    assert [n.kind for n in report_.notices] == [NoticeKind.RERATING_WINDOW_OPENS]
    (opened,) = w.uow.events_of(RerateWindowOpened)
    assert opened.aggregate_version == 2 and opened.payload.window_closes == date(2029, 2, 14)
    assert [event_id for _, event_id in w.schedule.notices.values()] == [str(opened.id)]
    assert (await scheduler.run_once(w.ctx)).notices == [], "nothing twice"

    w.clock.set(datetime(2029, 6, 20, 1, 0, tzinfo=UTC))  # past the expiry day, never re-rated
    await scheduler.run_once(w.ctx)
    record = await w.certificates.by_number(number)
    assert record is not None and record.certificate.status is CertificateStatus.EXPIRED
    assert [t for t, _ in versions(w.uow)] == ["Certified", "RerateWindowOpened", "RerateReminder",
                                                "CertificateExpired"]
    assert [v for _, v in versions(w.uow)] == [1, 2, 3, 4]
    (expired,) = w.uow.events_of(CertificateExpired)
    assert expired.payload.expired_on == date(2029, 6, 15) and record.next_due_at is None
    assert w.schedule.runs["notices"][2] == 3
