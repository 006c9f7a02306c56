"""Webhooks for subscribers that cannot read Kafka: subscriptions, delivery, retries, redelivery.

Deliveries are written with the events (see `publishing`); a background dispatcher sends
the due ones. Each attempt is bounded by a timeout (a slow endpoint is a failed attempt,
never a stuck worker) and logged; failures are retried with exponential backoff up to
`webhook_max_attempts`, then the delivery is recorded as failed until an operator asks
for a redelivery. Retry timing is real time (the wall clock), not business time.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from ocop_shared.contracts import topics
from ocop_shared.contracts.catalogue import EVENTS_BY_TOPIC
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.http.problems import NotFound, Text, Unprocessable
from ocop_shared.runtime import BackgroundJob

from ..adapters.webhook_sender import AttemptResult, WebhookSender
from ..adapters.webhook_store import DueDelivery, Subscription, WebhookStore
from ..domain.webhooks import Delivery, DeliveryStatus, RetryPolicy
from .context import Context

log = logging.getLogger(__name__)

EVENT_TYPES: tuple[str, ...] = tuple(
    str(cls.model_fields["type"].default) for cls in EVENTS_BY_TOPIC[topics.CERTIFICATE])


def policy(ctx: Context) -> RetryPolicy:
    c = ctx.config
    return RetryPolicy(max_attempts=c.webhook_max_attempts, base_seconds=c.webhook_backoff_seconds,
                       max_seconds=c.webhook_backoff_max_seconds)


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Unprocessable(Text("Địa chỉ nhận phải là URL http(s) đầy đủ",
                                 "The endpoint must be a full http(s) URL"), field="url")
    return url.strip()


async def subscribe(uow: UnitOfWork, ctx: Context, *, url: str, event_types: Sequence[str],
                    description: str, secret: str | None, created_by: str) -> Subscription:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise Unprocessable(Text(f"Loại sự kiện không có: {', '.join(unknown)} (có: {', '.join(EVENT_TYPES)})",
                                 f"Unknown event types: {', '.join(unknown)} (known: {', '.join(EVENT_TYPES)})"),
                            field="event_types")
    subscription = Subscription(
        id=str(uuid.uuid4()), url=_check_url(url), secret=secret or f"whsec_{secrets.token_urlsafe(32)}",
        event_types=tuple(dict.fromkeys(event_types)), description=description.strip(), active=True,
        created_by=created_by, created_at=ctx.wall_clock.now())
    await WebhookStore(uow.session).add_subscription(subscription)
    await uow.commit()
    return subscription


async def unsubscribe(uow: UnitOfWork, ctx: Context, subscription_id: str) -> None:
    store = WebhookStore(uow.session)
    found = await store.subscription(subscription_id)
    if found is None or not found.active:
        raise no_subscription(subscription_id)
    await store.deactivate(subscription_id, ctx.wall_clock.now())
    await uow.commit()


def no_subscription(subscription_id: str) -> NotFound:
    return NotFound(Text(f"Không có đăng ký webhook {subscription_id}", f"No webhook subscription {subscription_id}"))


def no_delivery(delivery_id: str) -> NotFound:
    return NotFound(Text(f"Không có lần gửi {delivery_id}", f"No webhook delivery {delivery_id}"))


async def redeliver(uow: UnitOfWork, ctx: Context, delivery_id: str) -> Delivery:
    store = WebhookStore(uow.session)
    delivery = await store.delivery(delivery_id, for_update=True)
    if delivery is None:
        raise no_delivery(delivery_id)
    subscription = await store.subscription(delivery.subscription_id)
    if subscription is None or not subscription.active:
        raise Unprocessable(Text("Đăng ký webhook đã bị xóa; không thể gửi lại",
                                 "The subscription was deleted; nothing can be redelivered"),
                            slug="subscription-deleted")
    delivery.redeliver(at=ctx.wall_clock.now())
    await store.save(delivery)
    await uow.commit()
    return delivery


class Dispatcher:
    """Sends due deliveries; several replicas can run one each (rows are leased)."""

    def __init__(self, ctx: Context, sender: WebhookSender) -> None:
        self.ctx = ctx
        self.sender = sender
        self.policy = policy(ctx)

    async def run_once(self) -> int:
        """Claim the due deliveries, attempt them concurrently, record the outcomes."""
        now = self.ctx.wall_clock.now()
        lease = now + timedelta(seconds=self.ctx.config.webhook_timeout_seconds + 30)
        async with self.ctx.uow() as uow:
            due = await WebhookStore(uow.session).claim_due(now, self.ctx.config.webhook_batch_size, lease)
            await uow.commit()
        if not due:
            return 0
        results = await asyncio.gather(*(self._attempt(item) for item in due))
        for item, result in zip(due, results, strict=True):
            await self._record(item, result)
        return len(due)

    async def _attempt(self, item: DueDelivery) -> AttemptResult:
        d = item.delivery
        return await self.sender.send(url=item.url, secret=item.secret, body=item.body.encode(),
                                      event_id=d.event_id, event_type=d.event_type, delivery_id=d.id,
                                      timestamp=int(self.ctx.wall_clock.now().timestamp()))

    async def _record(self, item: DueDelivery, result: AttemptResult) -> None:
        at = self.ctx.wall_clock.now()
        async with self.ctx.uow() as uow:
            store = WebhookStore(uow.session)
            delivery = await store.delivery(item.delivery.id, for_update=True)
            await store.log_attempt(item.delivery.id, at=at, status_code=result.status_code,
                                    error=result.error, duration_ms=result.duration_ms)
            if delivery is not None and delivery.status is DeliveryStatus.PENDING:
                if result.ok:
                    assert result.status_code is not None
                    delivery.succeeded(at=at, status_code=result.status_code)
                else:
                    delivery.failed(at=at, status_code=result.status_code, error=result.error or "failed",
                                    policy=self.policy)
                    if delivery.next_attempt_at is None:  # no retry left: recorded as failed
                        log.warning("webhook delivery %s to %s failed after %d attempts: %s",
                                    delivery.id, item.url, delivery.attempts, delivery.last_error)
                await store.save(delivery)
            await uow.commit()


def dispatcher_job(ctx: Context) -> BackgroundJob:
    async def run(stop: asyncio.Event) -> None:
        dispatcher = Dispatcher(ctx, WebhookSender(ctx.config.webhook_timeout_seconds))
        try:
            while not stop.is_set():
                try:
                    sent = await dispatcher.run_once()
                except Exception as error:  # database away: try again shortly
                    log.warning("webhook dispatcher: %s", error)
                    sent = 0
                if sent == 0:
                    try:
                        await asyncio.wait_for(stop.wait(), ctx.config.webhook_poll_seconds)
                    except TimeoutError:
                        pass
        finally:
            await dispatcher.sender.close()

    return run
