"""Sending what a certificate recorded: the outbox, and a webhook delivery per subscriber.

The certificate (the aggregate) numbers its events as it records them; `UnitOfWork.publish`
makes each an envelope and puts it in the outbox at once, and each gets its webhook
deliveries (the deliveries and the scheduler's notices need the envelope's id). All of it is
written in the caller's transaction, so an event, its deliveries and the state change that
caused them commit (or roll back) together.
"""

from __future__ import annotations

from typing import Any

from ocop_shared.clock import Clock
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.messaging.flow import Flow
from ocop_shared.webhooks.service import Webhooks

from ..adapters import tables
from ..adapters.webhook_deliveries import WebhookDeliveries
from ..domain.certificate import Certificate


async def publish(uow: UnitOfWork, wall_clock: Clock, certificate: Certificate,
                  flow: Flow | None = None) -> list[Envelope[Any]]:
    """Emit the events `certificate` recorded since the last call, oldest first (in `flow`, or
    the current one); returns them."""
    deliveries = uow.repository(WebhookDeliveries)
    hooks = Webhooks(tables.webhooks, wall_clock)
    sent = await uow.publish(certificate, flow=flow)
    for event in sent:
        await deliveries.record(uow, hooks, event)
    return sent
