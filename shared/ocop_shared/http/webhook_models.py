"""The webhook delivery log as the APIs show it (certification's subscribers and showrooms' tills
read the same shapes)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from ..webhooks import Attempt, DeliveryRecord
from .dates import IsoDateTime


class DeliveryOut(BaseModel):
    id: str
    subscription_id: str
    event_id: str
    event_type: str
    aggregate_id: str = Field(description="What the event is about: the certificate, or the "
                                          "catalog (showroom) the change belongs to.")
    status: str = Field(description="pending, delivered or failed")
    attempts: int = Field(description="Attempts in the current round (a redelivery starts a new one).")
    redeliveries: int
    next_attempt_at: IsoDateTime | None
    last_status_code: int | None
    last_error: str | None
    created_at: IsoDateTime
    delivered_at: IsoDateTime | None


class AttemptOut(BaseModel):
    at: IsoDateTime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryDetail(DeliveryOut):
    log: list[AttemptOut]


def delivery_out(d: DeliveryRecord) -> DeliveryOut:
    return DeliveryOut(
        id=d.id, subscription_id=d.subscription_id, event_id=d.event_id, event_type=d.event_type,
        aggregate_id=d.aggregate_id, status=d.status.value, attempts=d.attempts,
        redeliveries=d.redeliveries, next_attempt_at=d.next_attempt_at,
        last_status_code=d.last_status_code, last_error=d.last_error,
        created_at=d.created_at, delivered_at=d.delivered_at)


def delivery_detail(d: DeliveryRecord, attempts: Sequence[Attempt]) -> DeliveryDetail:
    return DeliveryDetail(**delivery_out(d).model_dump(), log=[
        AttemptOut(at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)
        for a in attempts])
