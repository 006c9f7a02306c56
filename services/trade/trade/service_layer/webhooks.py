"""Catalog changes pushed to POS systems that do not read Kafka (ocop_shared.webhooks).

A subscription belongs to one showroom: its scope is that catalog id, so it receives every
CatalogEntryAdded / CatalogEntryRemoved of that showroom, the envelope exactly as on
`ocop.trade.catalog.v1`, signed with the subscription's secret. Deliveries are recorded by
`catalogs.append_change` in the transaction of the change; `dispatcher_job` sends them. The
service's `Webhooks` is made in the adapters (`trade_webhooks`); use cases reach it through
their unit of work's `CatalogWebhooks` repository.
"""

from __future__ import annotations

from ocop_shared.db.uow import UnitOfWork, UnitOfWorkFactory
from ocop_shared.jobs import BackgroundJob
from ocop_shared.webhooks import Attempt, DeliveryRecord, DeliveryStatus, Subscription
from ocop_shared.webhooks import service as hooks
from ocop_shared.webhooks.service import Webhooks

from ..adapters.webhooks import CatalogWebhooks, trade_webhooks
from ..config import TradeSettings
from .showrooms import showroom_row


def _hooks(uow: UnitOfWork) -> Webhooks:
    return uow.repository(CatalogWebhooks).hooks


def showroom_of(subscription: Subscription) -> str:
    """The showroom a subscription follows (trade subscriptions name exactly one)."""
    return subscription.scope[0] if subscription.scope else ""


async def subscribe(uow: UnitOfWork, showroom_id: str, *, url: str, description: str,
                    secret: str | None, created_by: str) -> Subscription:
    await showroom_row(uow, showroom_id)
    return await hooks.subscribe(uow, _hooks(uow), url=url, scope=[showroom_id], description=description,
                                 secret=secret, created_by=created_by)


async def subscriptions(uow: UnitOfWork, showroom_id: str, *, limit: int,
                        offset: int) -> tuple[list[Subscription], int]:
    await showroom_row(uow, showroom_id)
    return await hooks.list_subscriptions(uow, _hooks(uow), limit=limit, offset=offset, scope_key=showroom_id)


async def subscription_of(uow: UnitOfWork, showroom_id: str, webhook_id: str, *,
                          active: bool = False) -> Subscription:
    """A subscription of this showroom (404 when unknown or another showroom's)."""
    await showroom_row(uow, showroom_id)
    found = await hooks.get_subscription(uow, _hooks(uow), webhook_id, active=active)
    if showroom_of(found) != showroom_id:
        raise hooks.no_subscription(webhook_id)
    return found


async def rotate_secret(uow: UnitOfWork, showroom_id: str, webhook_id: str) -> Subscription:
    await subscription_of(uow, showroom_id, webhook_id, active=True)
    return await hooks.rotate_secret(uow, _hooks(uow), webhook_id)


async def unsubscribe(uow: UnitOfWork, showroom_id: str, webhook_id: str) -> None:
    await subscription_of(uow, showroom_id, webhook_id, active=True)
    await hooks.unsubscribe(uow, _hooks(uow), webhook_id)


async def deliveries(uow: UnitOfWork, showroom_id: str, webhook_id: str, *, status: DeliveryStatus | None,
                     limit: int, offset: int) -> tuple[list[DeliveryRecord], int]:
    await subscription_of(uow, showroom_id, webhook_id)
    return await hooks.list_deliveries(uow, _hooks(uow), webhook_id, status=status, limit=limit, offset=offset)


async def showroom_of_delivery(uow: UnitOfWork, delivery_id: str) -> str:
    """Whose delivery this is (404 when unknown), to check who may see or resend it."""
    found = await hooks.get_delivery(uow, _hooks(uow), delivery_id)
    return showroom_of(await hooks.get_subscription(uow, _hooks(uow), found.subscription_id))


async def delivery_detail(uow: UnitOfWork, delivery_id: str) -> tuple[DeliveryRecord, list[Attempt]]:
    return await hooks.delivery_detail(uow, _hooks(uow), delivery_id)


async def redeliver(uow: UnitOfWork, delivery_id: str) -> DeliveryRecord:
    return await hooks.redeliver(uow, _hooks(uow), delivery_id)


def dispatcher_job(uows: UnitOfWorkFactory, settings: TradeSettings) -> BackgroundJob:
    return hooks.dispatcher_job(uows, trade_webhooks(), settings.webhook_config(user_agent="ocop-trade-webhooks/1"))
