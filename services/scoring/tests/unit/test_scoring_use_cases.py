"""Scoring's use cases and event handlers over an in-memory repository (no database, no bus):
what they store, the events they send with their place in the evaluation's stream, and what
they refuse without committing."""

from __future__ import annotations

# Over 400 lines: one evaluation's life (open, assign, score, finalise, escalate, close) on one set of fakes.
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from scoring_fakes import FakeScoringRepository

from ocop_shared.auth import Access, Principal, Role
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import (
    CouncilAssigned,
    EvaluationClosed,
    EvaluationEscalated,
    EvaluationOpened,
    ProductSubmitted,
    Scored,
    SubmissionWithdrawn,
)
from ocop_shared.contracts.common import EntityFacts, EvaluationCase, LegalForm
from ocop_shared.contracts.registry_events import ProductSubmittedPayload, SubmissionWithdrawnPayload
from ocop_shared.errors import Conflict, Forbidden, Invalid
from ocop_shared.fakes import FakeUnitOfWork
from ocop_shared.messaging.flow import Flow, flow_scope
from ocop_shared.regulations import sheet
from scoring.adapters.repository import ScoringRepository
from scoring.domain.council import CouncilMember
from scoring.domain.council import Role as Seat
from scoring.domain.errors import EvaluationClosed as EvaluationOver
from scoring.domain.evaluation import Evaluation, EvaluationStatus
from scoring.domain.sheet_scoring import KnockOut
from scoring.service_layer import administration, council_work, evaluations, member_sheets
from scoring.service_layer.administration import CouncilSpec

QD26 = "26/2026/QĐ-TTg"
ROUND = "AG-2026-R2"
CLOCK = ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
S8 = sheet(QD26, 8)
# Set 8 at 80 points with every 4★ minimum met (the integration tests' EIGHTY): 4★ at the province
EIGHTY = {"1.1": 0, "1.2": 2, "1.3": 2, "1.4": 2, "1.5": 2, "1.6": 2, "1.7": 1, "2.1": 2,
          "2.2": 2, "2.3": 2, "2.4": 1, "3.1": 2, "3.2": 1, "3.3": 2, "3.4": 1, "3.5": 1,
          "4.1": 2, "4.2": 3, "4.3": 4, "5.1": 4, "5.2": 1, "5.3": 3, "6.1": 2, "6.2": 3,
          "6.3": 2, "6.4": 2, "6.5": 2, "7": 2, "8": 0, "9": 1, "10": 1, "11": 1}
TOP = {leaf.code: (leaf.options_in_case(leaf.cases[0]) if leaf.cases else leaf.options)[-1].index
       for leaf in S8.leaves()}
VOTERS = ("chu-tich", "tv-nnmt", "tv-ct", "tv-yt")
OFFICE = Principal("office", access=Access(roles=frozenset({Role.PROVINCE_OFFICE})))


def login(member_id: str) -> str:
    return f"email:{member_id}@angiang.gov.vn"


def seat(member_id: str) -> Principal:
    return Principal(member_id, identities=frozenset({login(member_id)}),
                     access=Access(roles=frozenset({Role.COUNCIL_MEMBER})))


MEMBERS = [CouncilMember(m, m.upper(), Seat.CHAIR if m == "chu-tich" else Seat.MEMBER,
                         login=login(m)) for m in VOTERS]
MEMBERS.append(CouncilMember("thu-ky", "THU KY", Seat.SECRETARY, login=login("thu-ky")))


def council_spec(level: str = "province") -> CouncilSpec:
    return CouncilSpec(round_id=ROUND, level=level, name="Hội đồng tỉnh", members=list(MEMBERS))


def submitted(submission_id: str = "sub-1", product_id: str = "prod-1",
              case: EvaluationCase = EvaluationCase.FIRST) -> ProductSubmitted:
    return ProductSubmitted(
        id=uuid.uuid4(), occurred_at=CLOCK.now(), producer="registry", aggregate_id=product_id,
        aggregate_version=2, correlation_id="corr-submission",
        payload=ProductSubmittedPayload(
            product_id=product_id, submission_id=submission_id, round_id=ROUND, case=case,
            product_name="Khô cá lóc Sáu Tâm", product_set_no=8, regulation=QD26,
            entity=EntityFacts(entity_id="ent-1", name="HTX Sáu Tâm",
                               legal_form=LegalForm.HOUSEHOLD, commune_code="30316",
                               province_code="91")))


def withdrawn(submission_id: str = "sub-1") -> SubmissionWithdrawn:
    return SubmissionWithdrawn(
        id=uuid.uuid4(), occurred_at=CLOCK.now(), producer="registry", aggregate_id="prod-1",
        aggregate_version=3, correlation_id="corr-withdrawal",
        payload=SubmissionWithdrawnPayload(product_id="prod-1", submission_id=submission_id,
                                           reason="Chủ thể rút hồ sơ"))


class Desk:
    """One fake repository and unit of work; each step runs in its own transaction."""

    def __init__(self) -> None:
        self.repo = FakeScoringRepository()
        self.uow = FakeUnitOfWork({ScoringRepository: self.repo}, clock=CLOCK, producer="scoring")

    async def handle(self, event: ProductSubmitted | SubmissionWithdrawn) -> None:
        """As the event processor does: the handler in the event's flow, then commit."""
        handler = (evaluations.on_product_submitted if isinstance(event, ProductSubmitted)
                   else evaluations.on_submission_withdrawn)
        with flow_scope(Flow(correlation_id=event.correlation_id, causation_id=str(event.id))):
            async with self.uow:
                await handler(event, self.uow)  # type: ignore[arg-type]
                await self.uow.commit()

    async def council(self, level: str = "province") -> str:
        if ROUND not in self.repo.rounds:
            async with self.uow:  # the office configures the round before it sets a council up
                await administration.configure_round(self.uow, ROUND, QD26, None, None, OFFICE)
        async with self.uow:
            return (await administration.create_council(self.uow, council_spec(level))).id

    async def opened(self, submission_id: str = "sub-1") -> Evaluation:
        await self.handle(submitted(submission_id, product_id=f"prod-{submission_id}"))
        return next(e for e in self.repo.evaluations.values()
                    if e.submission_id == submission_id and e.level == "province")

    async def hand_in(self, evaluation_id: str, member_id: str, choices: dict[str, int]) -> None:
        async with self.uow:
            await member_sheets.submit_sheet(self.uow, evaluation_id, seat(member_id),
                                            choices=choices)

    async def all_hand_in(self, evaluation_id: str, choices: dict[str, int]) -> None:
        for member_id in VOTERS:
            await self.hand_in(evaluation_id, member_id, choices)

    async def finalise(self, evaluation_id: str, by: str = "chu-tich") -> council_work.Finalised:
        async with self.uow:
            return await council_work.finalise(self.uow, evaluation_id, seat(by),
                                               decision_ref="QĐ 12/HĐ")

    def stored(self, evaluation_id: str) -> Evaluation:
        return self.repo.evaluations[evaluation_id]


def stream(uow: FakeUnitOfWork, evaluation_id: str) -> list[tuple[str, int]]:
    return [(e.type, e.aggregate_version) for e in uow.events if e.aggregate_id == evaluation_id]


# ----------------------------------------------------------------- opening and closing


async def test_a_submission_opens_a_province_evaluation_and_learns_its_round() -> None:
    desk = Desk()
    evaluation = await desk.opened()
    assert (evaluation.level, evaluation.status, evaluation.version) == ("province", "open", 1)
    assert evaluation.council_id is None and evaluation.flow_correlation_id == "corr-submission"
    assert desk.repo.rounds[ROUND].regulation == QD26
    (opened,) = desk.uow.events_of(EvaluationOpened)
    assert (opened.aggregate_id, opened.aggregate_version, opened.producer) == (
        evaluation.id, 1, "scoring")
    assert opened.payload.submission_id == "sub-1" and opened.payload.level == "province"
    assert opened.correlation_id == "corr-submission"
    assert desk.uow.events_of(CouncilAssigned) == []


async def test_the_only_council_of_the_level_gets_a_new_evaluation_at_once() -> None:
    desk = Desk()
    async with desk.uow:  # the office configures the round before any submission
        await administration.configure_round(desk.uow, ROUND, QD26, None, "Đợt 2", OFFICE)
    council_id = await desk.council()
    evaluation = await desk.opened()
    assert (evaluation.council_id, evaluation.version) == (council_id, 2)
    assert stream(desk.uow, evaluation.id) == [("EvaluationOpened", 1), ("CouncilAssigned", 2)]
    (assigned,) = desk.uow.events_of(CouncilAssigned)
    assert assigned.payload.council_id == council_id
    assert assigned.payload.members == sorted(login(m.member_id) for m in MEMBERS)


async def test_a_redelivered_submission_opens_nothing_more() -> None:
    desk = Desk()
    await desk.opened()
    await desk.handle(submitted("sub-1", product_id="prod-sub-1"))
    assert len(desk.repo.evaluations) == 1 and len(desk.uow.events_of(EvaluationOpened)) == 1


async def test_a_rerating_dossier_is_evaluated_by_written_opinions() -> None:
    desk = Desk()
    await desk.handle(submitted("sub-9", case=EvaluationCase.RERATING))
    (evaluation,) = desk.repo.evaluations.values()
    assert evaluation.written_opinions is True


async def test_a_withdrawal_closes_the_open_evaluation_in_the_submissions_flow() -> None:
    desk = Desk()
    evaluation = await desk.opened()
    await desk.handle(withdrawn())
    stored = desk.stored(evaluation.id)
    assert stored.status is EvaluationStatus.CLOSED and stored.version == 2
    assert stored.closed_reason == "dossier withdrawn: Chủ thể rút hồ sơ"
    (closed,) = desk.uow.events_of(EvaluationClosed)
    assert (closed.aggregate_version, closed.payload.knocked_out) == (2, False)
    assert closed.correlation_id == "corr-submission"  # not the withdrawal's
    await desk.handle(withdrawn())  # again: nothing left open
    assert len(desk.uow.events_of(EvaluationClosed)) == 1 and desk.stored(evaluation.id).version == 2


# ------------------------------------------------------------------------- assignment


async def test_a_new_council_takes_the_evaluations_waiting_at_its_level() -> None:
    desk = Desk()
    evaluation = await desk.opened()
    council_id = await desk.council()
    assert desk.stored(evaluation.id).council_id == council_id
    assert stream(desk.uow, evaluation.id) == [("EvaluationOpened", 1), ("CouncilAssigned", 2)]


async def test_the_office_cannot_assign_a_closed_evaluation() -> None:
    desk = Desk()
    evaluation = await desk.opened()
    await desk.handle(withdrawn())
    council_id = await desk.council()
    commits, sent = desk.uow.commits, len(desk.uow.events)
    with pytest.raises(Conflict):
        async with desk.uow:
            await administration.assign(desk.uow, evaluation.id, council_id)
    assert (desk.uow.commits, len(desk.uow.events)) == (commits, sent)
    assert desk.stored(evaluation.id).council_id is None


async def test_the_office_cannot_assign_a_council_of_another_level() -> None:
    desk = Desk()
    evaluation = await desk.opened()
    await desk.handle(submitted("sub-2"))  # a second product: the round is known
    council_id = await desk.council(level="central")
    commits = desk.uow.commits
    with pytest.raises(Invalid):
        async with desk.uow:
            await administration.assign(desk.uow, evaluation.id, council_id)
    assert desk.uow.commits == commits and desk.uow.events_of(CouncilAssigned) == []


async def test_dissolving_a_council_takes_it_off_its_evaluations() -> None:
    desk = Desk()
    evaluation = await desk.opened()
    council_id = await desk.council()
    async with desk.uow:
        await administration.delete_council(desk.uow, council_id)
    assert desk.stored(evaluation.id).council_id is None and council_id not in desk.repo.councils
    assert stream(desk.uow, evaluation.id)[-1] == ("CouncilAssigned", 3)
    assert desk.uow.events_of(CouncilAssigned)[-1].payload.members == []


# ----------------------------------------------------------------------------- sheets


async def test_a_member_hands_in_a_sheet_which_is_then_frozen() -> None:
    desk = Desk()
    await desk.council()
    evaluation = await desk.opened()
    await desk.hand_in(evaluation.id, "tv-ct", EIGHTY)
    stored = desk.repo.sheet_records[(evaluation.id, "tv-ct")]
    assert (stored.status, stored.total) == ("submitted", 80)
    assert desk.stored(evaluation.id).version == 2  # a sheet is no event of the evaluation
    commits = desk.uow.commits
    with pytest.raises(Conflict) as refused:
        await desk.hand_in(evaluation.id, "tv-ct", TOP)
    assert refused.value.slug == "second-sheet-refused" and desk.uow.commits == commits
    assert desk.repo.sheet_records[(evaluation.id, "tv-ct")].total == 80


async def test_someone_off_the_council_cannot_save_a_draft() -> None:
    desk = Desk()
    await desk.council()
    evaluation = await desk.opened()
    commits = desk.uow.commits
    with pytest.raises(Forbidden):
        async with desk.uow:
            await member_sheets.save_draft(desk.uow, evaluation.id, seat("stranger"), EIGHTY, None)
    assert desk.repo.sheet_records == {} and desk.uow.commits == commits


async def test_the_secretary_does_not_score() -> None:
    desk = Desk()
    await desk.council()
    evaluation = await desk.opened()
    with pytest.raises(Forbidden) as refused:
        await desk.hand_in(evaluation.id, "thu-ky", EIGHTY)
    assert refused.value.slug == "not-a-scorer" and desk.repo.sheet_records == {}


# ----------------------------------------------------------------------- finalisation


async def test_the_chair_finalises_a_four_star_result_the_province_recognises() -> None:
    desk = Desk()
    await desk.council()
    evaluation = await desk.opened()
    await desk.all_hand_in(evaluation.id, EIGHTY)
    with flow_scope(Flow(correlation_id="corr-request")):
        done = await desk.finalise(evaluation.id)
    stored = desk.stored(evaluation.id)
    assert (stored.status, stored.stars, stored.mean_score, stored.version) == (
        EvaluationStatus.FINALISED, 4, Decimal(80), 3)
    assert stored.decision_ref == "QĐ 12/HĐ" and done.next_evaluation is None
    assert desk.repo.results[evaluation.id].decision == "recognised"
    (scored,) = desk.uow.events_of(Scored)
    assert scored.aggregate_version == 3 and scored.correlation_id == "corr-submission"
    assert (scored.payload.stars, scored.payload.recognising, scored.payload.recognised_by) == (
        4, True, "province")
    assert scored.payload.council_decision_ref == "QĐ 12/HĐ" and scored.payload.sheets_scored == 4


async def test_a_result_above_ninety_goes_to_the_central_level() -> None:
    desk = Desk()
    await desk.council()
    evaluation = await desk.opened()
    await desk.all_hand_in(evaluation.id, TOP)
    done = await desk.finalise(evaluation.id)
    assert done.next_evaluation is not None
    central = desk.stored(done.next_evaluation.id)
    assert (central.level, central.parent_id, central.status) == ("central", evaluation.id, "open")
    assert desk.stored(evaluation.id).status is EvaluationStatus.ESCALATED
    assert stream(desk.uow, evaluation.id) == [
        ("EvaluationOpened", 1), ("CouncilAssigned", 2), ("Scored", 3), ("EvaluationEscalated", 4)]
    assert stream(desk.uow, central.id) == [("EvaluationOpened", 1)]
    assert [e.type for e in desk.uow.events][-3:] == [
        "Scored", "EvaluationOpened", "EvaluationEscalated"]
    (escalated,) = desk.uow.events_of(EvaluationEscalated)
    assert escalated.payload.next_evaluation_id == central.id
    assert (escalated.payload.from_level, escalated.payload.to_level) == ("province", "central")
    assert desk.uow.events_of(Scored)[0].payload.escalated_to == "central"


async def test_a_majority_knock_out_closes_the_evaluation_without_stars() -> None:
    desk = Desk()
    await desk.council()
    evaluation = await desk.opened()
    for member_id in VOTERS:
        async with desk.uow:
            await member_sheets.submit_sheet(
                desk.uow, evaluation.id, seat(member_id), choices=EIGHTY,
                knockout=KnockOut(None, "Hồ sơ giả mạo"))
    await desk.finalise(evaluation.id)
    stored = desk.stored(evaluation.id)
    assert stored.status is EvaluationStatus.CLOSED and stored.version == 3
    assert stored.closed_reason is not None and "Hồ sơ giả mạo" in stored.closed_reason
    (closed,) = desk.uow.events_of(EvaluationClosed)
    assert (closed.aggregate_version, closed.payload.knocked_out) == (3, True)
    assert desk.uow.events_of(Scored) == []


async def test_finalising_waits_for_every_present_scorer() -> None:
    desk = Desk()
    await desk.council()
    evaluation = await desk.opened()
    await desk.hand_in(evaluation.id, "chu-tich", EIGHTY)
    await desk.hand_in(evaluation.id, "tv-ct", EIGHTY)
    async with desk.uow:
        await member_sheets.record_attendance(desk.uow, evaluation.id, seat("chu-tich"),
                                             list(VOTERS))
    commits, sent = desk.uow.commits, len(desk.uow.events)
    with pytest.raises(Conflict) as refused:
        await desk.finalise(evaluation.id)
    assert refused.value.slug == "finalisation-blocked"
    assert {b["kind"] for b in refused.value.extensions["blockers"]} == {"sheets_pending"}
    assert (desk.uow.commits, len(desk.uow.events)) == (commits, sent)
    assert desk.stored(evaluation.id).status is EvaluationStatus.OPEN
    assert desk.repo.results == {}


async def test_only_the_chair_finalises() -> None:
    desk = Desk()
    await desk.council()
    evaluation = await desk.opened()
    await desk.all_hand_in(evaluation.id, EIGHTY)
    with pytest.raises(Forbidden) as refused:
        await desk.finalise(evaluation.id, by="tv-ct")
    assert refused.value.slug == "not-the-chair" and desk.uow.events_of(Scored) == []


async def test_a_finalised_evaluation_takes_no_more_sheets_nor_a_second_result() -> None:
    desk = Desk()
    await desk.council()
    evaluation = await desk.opened()
    await desk.all_hand_in(evaluation.id, EIGHTY)
    await desk.finalise(evaluation.id)
    commits = desk.uow.commits
    with pytest.raises(Conflict) as again:
        await desk.finalise(evaluation.id)
    assert again.value.slug == "evaluation-closed"
    with pytest.raises(Conflict):
        async with desk.uow:
            await member_sheets.reopen_sheets(desk.uow, evaluation.id, seat("chu-tich"), ["tv-ct"])
    assert desk.uow.commits == commits and len(desk.uow.events_of(Scored)) == 1


# ----------------------------------------------------------------- the aggregate itself


def _evaluation() -> Evaluation:
    return Evaluation(id="ev-1", submission_id="sub-1", product_id="prod-1", round_id=ROUND,
                      case="first", regulation=QD26, level="province",
                      status=EvaluationStatus.OPEN, product_name="Khô cá lóc",
                      product_set_no=8, entity_id="ent-1", entity_name="HTX",
                      commune_code="30316", province_code="91", version=0)


def test_the_evaluation_numbers_its_stream_and_ends_once() -> None:
    evaluation = _evaluation()
    evaluation.opened()
    evaluation.assign_council("c-1", ["email:a"])
    evaluation.close("dossier withdrawn: x")
    assert [(r.event, r.version) for r in evaluation.take_raised()] == [
        (EvaluationOpened, 1), (CouncilAssigned, 2), (EvaluationClosed, 3)]
    with pytest.raises(EvaluationOver):
        evaluation.close("again")
    with pytest.raises(EvaluationOver):
        evaluation.assign_council("c-2", [])
    with pytest.raises(EvaluationOver):
        evaluation.record_attendance(["chu-tich"])
    evaluation.assign_council(None, [])  # a dissolved council leaves even a closed evaluation
    assert evaluation.version == 4 and evaluation.council_id is None


def test_only_an_escalated_result_names_a_next_evaluation() -> None:
    evaluation = _evaluation()
    evaluation.opened()
    with pytest.raises(EvaluationOver):
        evaluation.escalate(_evaluation())
    with pytest.raises(EvaluationOver):
        evaluation.opened()  # a stream opens once
    assert evaluation.version == 1
