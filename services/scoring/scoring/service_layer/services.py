"""Scoring use cases (walking skeleton: a council result recorded as a whole)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import insert, select, update

from ocop_shared.contracts import (
    EvaluationClosed,
    EvaluationOpened,
    ProductSubmitted,
    Scored,
    SubmissionWithdrawn,
)
from ocop_shared.contracts.common import EvaluationCase, Level
from ocop_shared.contracts.scoring_events import (
    EvaluationClosedPayload,
    EvaluationOpenedPayload,
    ScoredPayload,
)
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.http.problems import Conflict, NotFound, Text
from ocop_shared.messaging.outbox import new_event

from ..adapters.tables import evaluations
from ..domain.bands import stars_for

SERVICE = "scoring"


async def on_product_submitted(event: ProductSubmitted, uow: UnitOfWork) -> None:
    p = event.payload
    existing = await uow.session.scalar(
        select(evaluations.c.id).where(evaluations.c.submission_id == p.submission_id,
                                       evaluations.c.level == Level.PROVINCE.value))
    if existing is not None:
        return
    evaluation_id = str(uuid.uuid4())
    await uow.session.execute(insert(evaluations).values(
        id=evaluation_id, submission_id=p.submission_id, product_id=p.product_id,
        round_id=p.round_id, case=p.case.value, regulation=p.regulation,
        level=Level.PROVINCE.value, status="open", product_name=p.product_name,
        product_set_no=p.product_set_no, entity_id=p.entity.entity_id,
        entity_name=p.entity.name, commune_code=p.entity.commune_code,
        province_code=p.entity.province_code, version=1,
    ))
    await uow.emit(new_event(
        EvaluationOpened,
        EvaluationOpenedPayload(evaluation_id=evaluation_id, product_id=p.product_id,
                                submission_id=p.submission_id, round_id=p.round_id,
                                level=Level.PROVINCE),
        aggregate_id=evaluation_id, aggregate_version=1, producer=SERVICE, clock=uow.clock))


async def on_submission_withdrawn(event: SubmissionWithdrawn, uow: UnitOfWork) -> None:
    p = event.payload
    row = (await uow.session.execute(select(evaluations).where(
        evaluations.c.submission_id == p.submission_id, evaluations.c.status == "open"))).first()
    if row is None:
        return
    version = row.version + 1
    await uow.session.execute(update(evaluations).where(evaluations.c.id == row.id).values(
        status="closed", version=version))
    await uow.emit(new_event(
        EvaluationClosed,
        EvaluationClosedPayload(evaluation_id=row.id, product_id=row.product_id,
                                submission_id=row.submission_id,
                                reason=f"dossier withdrawn: {p.reason}"),
        aggregate_id=row.id, aggregate_version=version, producer=SERVICE, clock=uow.clock))


async def record_council_result(
    uow: UnitOfWork, *, evaluation_id: str, mean_score: Decimal,
    part_scores: dict[str, Decimal], decision_ref: str,
) -> int:
    row = (await uow.session.execute(
        select(evaluations).where(evaluations.c.id == evaluation_id))).first()
    if row is None:
        raise NotFound(Text(f"Không tìm thấy phiên đánh giá {evaluation_id}",
                            f"No evaluation {evaluation_id}"))
    if row.status != "open":
        raise Conflict(Text("Phiên đánh giá đã có kết quả", "The evaluation is already finalised"))
    stars = stars_for(mean_score)
    version = row.version + 1
    await uow.session.execute(update(evaluations).where(evaluations.c.id == evaluation_id).values(
        status="finalised", mean_score=mean_score, stars=stars, decision_ref=decision_ref,
        version=version))
    await uow.emit(new_event(
        Scored,
        ScoredPayload(
            evaluation_id=row.id, product_id=row.product_id, submission_id=row.submission_id,
            round_id=row.round_id, case=EvaluationCase(row.case), regulation=row.regulation,
            level=Level(row.level), recognising=stars < 5, stars=stars, mean_score=mean_score,
            part_scores=part_scores, council_decision_ref=decision_ref,
            product_name=row.product_name, product_set_no=row.product_set_no,
            entity_id=row.entity_id, entity_name=row.entity_name,
            commune_code=row.commune_code, province_code=row.province_code,
        ),
        aggregate_id=row.id, aggregate_version=version, producer=SERVICE, clock=uow.clock,
    ))
    await uow.commit()
    return stars
