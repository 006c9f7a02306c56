"""Emitting an event about a certificate: the outbox, and a webhook delivery per subscriber.

Both are written in the caller's transaction, so an event, its webhook deliveries and the
state change that caused them commit (or roll back) together.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from pydantic import BaseModel

from ocop_shared.clock import Clock
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.messaging.outbox import new_event

from ..adapters.repository import CertificateRecord
from ..adapters.webhook_store import WebhookStore
from ..domain.webhooks import Delivery, DeliveryStatus

SERVICE = "certification"
E = TypeVar("E", bound=Envelope[Any])


async def publish(uow: UnitOfWork, wall_clock: Clock, record: CertificateRecord, cls: type[E],
                  payload: BaseModel) -> E:
    """The next event of `record`'s stream (aggregate_version + 1), into the outbox and to webhooks."""
    event = new_event(cls, payload, aggregate_id=record.id, aggregate_version=record.next_version(),
                      producer=SERVICE, clock=uow.clock)
    await uow.emit(event)
    store = WebhookStore(uow.session)
    body = event.model_dump_json()
    now = wall_clock.now()
    for subscription in await store.active_subscriptions():
        if subscription.wants(event.type):
            delivery = Delivery(id=str(uuid.uuid4()), subscription_id=subscription.id,
                                event_id=str(event.id), event_type=event.type,
                                status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now)
            await store.enqueue(delivery, aggregate_id=record.id, body=body, at=now)
    return event
