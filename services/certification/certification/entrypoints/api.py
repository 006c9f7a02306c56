"""Certification HTTP API."""


from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from ocop_shared.auth import Principal, Role
from ocop_shared.http.problems import NotFound, Text
from ocop_shared.runtime import ServiceRuntime

from ..adapters.tables import certificates, history
from ..service_layer import services


class HistoryOut(BaseModel):
    at: datetime
    status: str
    reason: str


class VerificationOut(BaseModel):
    number: str
    status: str
    stars: int
    product_name: str
    product_code: str
    entity_name: str
    issued_on: date
    valid_until: date
    authority: str
    history: list[HistoryOut]


class RevocationIn(BaseModel):
    grounds: list[int] = Field(min_length=1)
    decision_no: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


def build_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/certification", tags=["certification"])
    Office = Annotated[Principal, runtime.guard.require(Role.PROVINCE_OFFICE)]

    @router.get("/verify/{number}", response_model=VerificationOut,
                summary="Public verification of a certificate (no login)")
    async def verify(number: str) -> VerificationOut:
        async with runtime.uow() as uow:
            row = (await uow.session.execute(
                select(certificates).where(certificates.c.number == number))).first()
            if row is None:
                raise NotFound(Text(f"Không tìm thấy giấy chứng nhận số {number}",
                                    f"No certificate number {number}"))
            entries = (await uow.session.execute(
                select(history).where(history.c.certificate_id == row.id)
                .order_by(history.c.seq))).all()
        return VerificationOut(
            number=row.number, status=row.status, stars=row.stars, product_name=row.product_name,
            product_code=row.product_code, entity_name=row.entity_name, issued_on=row.issued_on,
            valid_until=row.valid_until, authority=row.authority,
            history=[HistoryOut(at=e.at, status=e.status, reason=e.reason) for e in entries],
        )

    @router.post("/certificates/{number}/revocation", status_code=204,
                 summary="Record the competent authority's revocation decision")
    async def revoke(number: str, body: RevocationIn, principal: Office) -> None:
        async with runtime.uow() as uow:
            await services.revoke(uow, number=number, grounds=body.grounds,
                                  decision_no=body.decision_no, reason=body.reason)

    return router
