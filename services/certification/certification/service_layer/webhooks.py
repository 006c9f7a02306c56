"""Certificate events for subscribers that cannot read Kafka (ocop_shared.webhooks).

A subscription's scope is the certificate event types it wants (empty: every one). Deliveries
are recorded with the events (see `publishing`); the dispatcher job sends the due ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocop_shared.contracts import topics
from ocop_shared.contracts.catalogue import EVENTS_BY_TOPIC
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Invalid
from ocop_shared.i18n import message
from ocop_shared.jobs import BackgroundJob
from ocop_shared.webhooks import DeliveryRecord, Subscription
from ocop_shared.webhooks import service as hooks
from ocop_shared.webhooks.service import no_delivery, no_subscription

from .context import Context

__all__ = ["EVENT_TYPES", "dispatcher_job", "no_delivery", "no_subscription", "redeliver", "subscribe",
           "unsubscribe"]

EVENT_TYPES: tuple[str, ...] = tuple(
    str(cls.model_fields["type"].default) for cls in EVENTS_BY_TOPIC[topics.CERTIFICATE])


async def subscribe(uow: UnitOfWork, ctx: Context, *, url: str, event_types: Sequence[str],
                    description: str, secret: str | None, created_by: str) -> Subscription:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise Invalid(message("certification.unknown_event_types_known",
                              unknown=', '.join(unknown), event_types=', '.join(EVENT_TYPES)),
                            field="event_types")
    return await hooks.subscribe(uow, ctx.webhooks, url=url, scope=event_types, description=description,
                                 secret=secret, created_by=created_by)


async def unsubscribe(uow: UnitOfWork, ctx: Context, subscription_id: str) -> None:
    await hooks.unsubscribe(uow, ctx.webhooks, subscription_id)


async def redeliver(uow: UnitOfWork, ctx: Context, delivery_id: str) -> DeliveryRecord:
    return await hooks.redeliver(uow, ctx.webhooks, delivery_id)


def dispatcher_job(ctx: Context) -> BackgroundJob:
    config = ctx.config.webhook_config(user_agent="ocop-certification-webhooks/1")
    return hooks.dispatcher_job(ctx.uow, ctx.webhooks, config)
