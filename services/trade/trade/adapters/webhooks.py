"""Trade's webhooks: showrooms' subscriptions to their catalog's changes (ocop_shared.webhooks).

`trade_webhooks()` is the one place the service's `Webhooks` is made (its tables, and the wall
clock that times deliveries and retries: real time, not business time); use cases reach it
through the `CatalogWebhooks` repository of their unit of work, the dispatcher job directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.contracts.envelope import Envelope
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.webhooks.service import Webhooks, preload_following, record_deliveries

from .tables import webhooks


def trade_webhooks() -> Webhooks:
    return Webhooks(webhooks)


class CatalogWebhooks:
    """This transaction's webhooks."""

    def __init__(self, session: AsyncSession) -> None:
        self.hooks = trade_webhooks()

    async def record_deliveries(self, uow: UnitOfWork, event: Envelope[Any], *,
                                keys: Iterable[str]) -> None:
        """A delivery of `event` for each subscription following one of `keys`, in this
        transaction (subscriptions are looked up once a transaction per keys)."""
        await record_deliveries(uow, self.hooks, event, keys=keys)

    async def preload(self, uow: UnitOfWork, catalog_ids: Iterable[str]) -> None:
        """The subscriptions following each of `catalog_ids`, in one statement."""
        await preload_following(uow, self.hooks, [(catalog_id,) for catalog_id in catalog_ids])
