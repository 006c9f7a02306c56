"""Scoring HTTP API."""


from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from ocop_shared.auth import Principal, Role
from ocop_shared.runtime import ServiceRuntime

from ..adapters.tables import evaluations
from ..service_layer import services


class EvaluationOut(BaseModel):
    id: str
    product_id: str
    product_name: str
    round_id: str
    level: str
    status: str
    mean_score: Decimal | None
    stars: int | None


class CouncilResultIn(BaseModel):
    mean_score: Decimal = Field(ge=0, le=100, decimal_places=2)
    part_scores: dict[str, Decimal]
    decision_ref: str = Field(min_length=1, max_length=200)


class ResultOut(BaseModel):
    stars: int


def build_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/scoring", tags=["scoring"])
    Staff = Annotated[Principal, runtime.guard.require(
        Role.PROVINCE_OFFICE, Role.COUNCIL_CHAIR, Role.COUNCIL_MEMBER)]
    Chair = Annotated[Principal, runtime.guard.require(Role.COUNCIL_CHAIR, Role.PROVINCE_OFFICE)]

    @router.get("/evaluations", response_model=list[EvaluationOut],
                summary="Evaluations, newest first")
    async def list_evaluations(principal: Staff, product_id: str | None = None,
                               limit: int = 50, offset: int = 0) -> list[EvaluationOut]:
        query = select(evaluations).order_by(evaluations.c.id).limit(min(limit, 200)).offset(offset)
        if product_id:
            query = query.where(evaluations.c.product_id == product_id)
        async with runtime.uow() as uow:
            rows = (await uow.session.execute(query)).all()
        return [EvaluationOut(id=r.id, product_id=r.product_id, product_name=r.product_name,
                              round_id=r.round_id, level=r.level, status=r.status,
                              mean_score=r.mean_score, stars=r.stars) for r in rows]

    @router.post("/evaluations/{evaluation_id}/result", response_model=ResultOut,
                 summary="Record the council's result (mean of members' totals)")
    async def record_result(evaluation_id: str, body: CouncilResultIn,
                            principal: Chair) -> ResultOut:
        async with runtime.uow() as uow:
            stars = await services.record_council_result(
                uow, evaluation_id=evaluation_id, mean_score=body.mean_score,
                part_scores=body.part_scores, decision_ref=body.decision_ref)
        return ResultOut(stars=stars)

    return router
