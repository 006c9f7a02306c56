"""Webhook deliveries of certificate events, recorded in the transaction that emits them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.contracts.envelope import Envelope
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.webhooks.service import Webhooks, record_deliveries


class WebhookDeliveries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, uow: UnitOfWork, hooks: Webhooks, event: Envelope[Any]) -> None:
        """A delivery of `event` for each subscription that wants its type (`uow` keeps the
        subscriptions looked up in this transaction)."""
        await record_deliveries(uow, hooks, event, keys=[event.type])
