"""Emitting an event about a certificate: the outbox, and a webhook delivery per subscriber.

Both are written in the caller's transaction, so an event, its webhook deliveries and the
state change that caused them commit (or roll back) together.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from ocop_shared.clock import Clock
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.messaging.outbox import new_event
from ocop_shared.webhooks.service import Webhooks, record_deliveries

from ..adapters import tables
from ..adapters.repository import CertificateRecord

SERVICE = "certification"
E = TypeVar("E", bound=Envelope[Any])


async def publish(uow: UnitOfWork, wall_clock: Clock, record: CertificateRecord, cls: type[E],
                  payload: BaseModel) -> E:
    """The next event of `record`'s stream (aggregate_version + 1), into the outbox and to webhooks."""
    event = new_event(cls, payload, aggregate_id=record.id, aggregate_version=record.next_version(),
                      producer=SERVICE, clock=uow.clock)
    await uow.emit(event)
    await record_deliveries(uow, Webhooks(tables.webhooks, wall_clock), event, keys=[event.type])
    return event
