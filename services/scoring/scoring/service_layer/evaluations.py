"""Evaluations opening and closing: on a submission, on an escalation, on a withdrawal.

* A round is learnt from the first submission into it (its regulation comes with the event)
  unless the provincial office configured it first. Its procedure is the regulation's
  procedure in force on the day the round is first seen (or the regulation's last procedure
  when the regulation is no longer in force, e.g. a 1048 round replayed later); the office
  can pick another day (`procedure_on`), e.g. a 148 round of 2024 that ran with district
  councils.
* The first level that scores under that procedure opens the evaluation: the province under
  26/2026 and 148+1489 (the commune only pre-checks, which the registry's Form 03 records),
  the district under 1048 and 148 before July 2025.
* Default assignment: when exactly one council sits at that level for the round, it gets the
  evaluation; otherwise the office assigns one.
* Re-rating dossiers (`case == "rerating"`) are evaluated by written opinions.
"""

from __future__ import annotations

import uuid
from datetime import date

from ocop_shared.clock import Clock
from ocop_shared.contracts import ProductSubmitted, SubmissionWithdrawn
from ocop_shared.contracts.common import EvaluationCase
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.messaging.flow import Flow, current_flow
from ocop_shared.regulations import Procedure, Regulation, get_regulation

from ..adapters.repository import CouncilRecord, RoundRecord, ScoringRepository
from ..adapters.sheets import pick, stored_product_sets
from ..domain.evaluation import Evaluation, EvaluationStatus


def procedure_day(regulation: Regulation, day: date) -> date:
    """The effective_from of the procedure a round started on `day` follows."""
    return regulation.procedure_followed_on(day).effective_from


def procedure_of(regulation: Regulation, day: date) -> Procedure:
    return next(p for p in regulation.procedures if p.effective_from == day)


def entry_level(regulation: Regulation, day: date) -> str:
    """The first level of the procedure that scores (province under 26/2026, district under 1048)."""
    procedure = procedure_of(regulation, day)
    return next(level.code for level in procedure.levels if level.scores)


async def ensure_round(repo: ScoringRepository, round_id: str, regulation_code: str,
                       clock: Clock) -> RoundRecord:
    found = await repo.get_round(round_id)
    if found is not None:
        return found
    regulation = get_regulation(regulation_code)
    record = RoundRecord(id=round_id, regulation=regulation.code,
                         procedure_from=procedure_day(regulation, clock.now().date()), name=None,
                         configured_by=None, created_at=clock.now())
    await repo.add_round(record)
    return record


async def default_council(repo: ScoringRepository, round_id: str, level: str) -> CouncilRecord | None:
    candidates = await repo.councils_for(round_id, level)
    return candidates[0] if len(candidates) == 1 else None


async def newest_sheet_file_id(repo: ScoringRepository, regulation: Regulation, set_no: int) -> str | None:
    """Pin the province's sheet file at opening when one is already loaded (None: packaged)."""
    if regulation.has_packaged_sheets:
        return None
    record = await repo.newest_sheet_file_with(regulation.code, set_no)
    if record is None:
        return None
    parsed = stored_product_sets(record.id, record.regulation, record.content, record.filename)
    return record.id if pick(parsed, set_no) is not None else None


def readers(council: CouncilRecord | None) -> list[str]:
    """Who may read the dossier of an evaluation `council` scores: its seats' logins (nobody
    once the council ended)."""
    if council is None or council.closed_at is not None:
        return []
    return sorted({m.login for m in council.members if m.login})


async def open_evaluation(uow: UnitOfWork, repo: ScoringRepository, template: Evaluation,
                          level: str, *, parent: Evaluation | None = None) -> Evaluation:
    """A new evaluation at `level` for `template`'s submission: it records EvaluationOpened
    (and CouncilAssigned when its level has one council). The caller sends its events: the
    unit of work tracks it here, at commit, in the flow of the moment; an escalation sends
    them at once in the submission's flow (`publish`)."""
    regulation = get_regulation(template.regulation)
    council = await default_council(repo, template.round_id, level)
    sheet_file_id = (parent.sheet_file_id if parent is not None and parent.sheet_file_id
                     else await newest_sheet_file_id(repo, regulation, template.product_set_no))
    evaluation = Evaluation(
        id=str(uuid.uuid4()), submission_id=template.submission_id,
        product_id=template.product_id, round_id=template.round_id, case=template.case,
        regulation=template.regulation, level=level, status=EvaluationStatus.OPEN,
        product_name=template.product_name, product_set_no=template.product_set_no,
        entity_id=template.entity_id, entity_name=template.entity_name,
        commune_code=template.commune_code, province_code=template.province_code,
        district_name=template.district_name, version=0, parent_id=parent.id if parent else None,
        sheet_file_id=sheet_file_id,
        written_opinions=template.written_opinions, present=[], opened_at=uow.clock.now(),
        flow_correlation_id=parent.flow_correlation_id if parent else current_flow().correlation_id,
        flow_traceparent=parent.flow_traceparent if parent else current_flow().traceparent)
    evaluation.opened()
    if council is not None:
        evaluation.assign_council(council.id, readers(council))
    await repo.add_evaluation(evaluation)
    uow.track(evaluation)
    return evaluation


async def on_product_submitted(event: ProductSubmitted, uow: UnitOfWork) -> None:
    p = event.payload
    repo = uow.repository(ScoringRepository)
    round_ = await ensure_round(repo, p.round_id, p.regulation, uow.clock)
    regulation = get_regulation(p.regulation)
    day = (round_.procedure_from if round_.regulation == regulation.code
           else procedure_day(regulation, uow.clock.now().date()))
    level = entry_level(regulation, day)
    if await repo.evaluation_at(p.submission_id, level) is not None:
        return  # already opened (a redelivery with another event id)
    template = Evaluation(
        id="", submission_id=p.submission_id, product_id=p.product_id, round_id=p.round_id,
        case=p.case.value, regulation=regulation.code, level=level, status=EvaluationStatus.OPEN,
        product_name=p.product_name, product_set_no=p.product_set_no,
        entity_id=p.entity.entity_id, entity_name=p.entity.name,
        commune_code=p.entity.commune_code, province_code=p.entity.province_code,
        district_name=p.entity.district_name, version=0, written_opinions=p.case is EvaluationCase.RERATING)
    await open_evaluation(uow, repo, template, level)


def submission_flow(evaluation: Evaluation) -> Flow:
    """The flow of the submission an evaluation belongs to: a council's result, recorded in a
    later request, continues the submission's correlation id and trace."""
    request = current_flow()
    return Flow(correlation_id=evaluation.flow_correlation_id or request.correlation_id,
                causation_id=request.causation_id or request.correlation_id,
                traceparent=evaluation.flow_traceparent or request.traceparent)


async def publish(uow: UnitOfWork, evaluation: Evaluation, flow: Flow | None = None) -> None:
    """Send what the evaluation recorded now, in its submission's flow (or `flow`): its result
    and its end continue the submission's correlation id and trace, whatever request or event
    brought them, and go out in order with the next level's opening."""
    await uow.publish(evaluation, flow=flow or submission_flow(evaluation))


async def on_submission_withdrawn(event: SubmissionWithdrawn, uow: UnitOfWork) -> None:
    p = event.payload
    repo = uow.repository(ScoringRepository)
    for evaluation in await repo.evaluations_of_submission(p.submission_id):
        if evaluation.is_open:
            evaluation.close(f"dossier withdrawn: {p.reason}")
            await repo.save_evaluation(evaluation)
            await publish(uow, evaluation)
