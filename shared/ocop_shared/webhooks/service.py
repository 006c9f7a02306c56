"""Webhooks for subscribers that cannot read Kafka: subscriptions, delivery, retries, redelivery.

A service records a delivery per interested subscription in the transaction that emits the
event (`record_deliveries`), so the event, its deliveries and the state change commit or roll
back together. A background job (`dispatcher_job`) sends the due ones. Each attempt is
bounded by a timeout (a slow endpoint is a failed attempt, never a stuck worker) and logged;
failures are retried with exponential backoff up to the policy's attempts, then the
delivery is recorded as failed until somebody asks for a redelivery. Retry timing is real
time (the wall clock of `Webhooks.clock`), not business time.

Use cases that stand alone (subscribe, unsubscribe, redeliver) commit their unit of work;
`record_deliveries` never does (it belongs to the caller's transaction).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from ..clock import Clock, SystemClock
from ..contracts.envelope import Envelope
from ..db.uow import UnitOfWork, UnitOfWorkFactory
from ..errors import Invalid, NotFound
from ..i18n import message
from ..jobs import BackgroundJob
from .config import WebhookConfig
from .domain import Delivery, DeliveryStatus, Subscription
from .sender import AttemptResult, WebhookSender
from .store import Attempt, DeliveryRecord, DueDelivery, WebhookStore, WebhookTables

log = logging.getLogger(__name__)


class _Following(dict[tuple[str, ...], list[Subscription]]):
    """Subscriptions by the keys they follow, as one transaction found them."""


@dataclass(frozen=True)
class Webhooks:
    """A service's webhook tables and the wall clock that times deliveries and retries."""

    tables: WebhookTables
    clock: Clock = field(default_factory=SystemClock)

    def store(self, uow: UnitOfWork) -> WebhookStore:
        return WebhookStore(uow.session, self.tables)


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(message("common.endpoint_must_full_http_s_url"), field="url")
    return url.strip()


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def no_subscription(subscription_id: str) -> NotFound:
    return NotFound(message("common.no_webhook_subscription", subscription_id=subscription_id))


def no_delivery(delivery_id: str) -> NotFound:
    return NotFound(message("common.no_webhook_delivery", delivery_id=delivery_id))


# -- subscriptions ----------------------------------------------------------------------------

async def subscribe(uow: UnitOfWork, hooks: Webhooks, *, url: str, scope: Iterable[str], created_by: str,
                    description: str = "", secret: str | None = None) -> Subscription:
    """A new subscription (the secret is generated when not given). Commits."""
    subscription = Subscription(
        id=str(uuid.uuid4()), url=check_url(url), secret=secret or new_secret(),
        scope=tuple(dict.fromkeys(scope)), description=description.strip(), active=True,
        created_by=created_by, created_at=hooks.clock.now())
    await hooks.store(uow).add_subscription(subscription)
    await uow.commit()
    return subscription


async def list_subscriptions(uow: UnitOfWork, hooks: Webhooks, *, limit: int, offset: int,
                             scope_key: str | None = None) -> tuple[list[Subscription], int]:
    """Active subscriptions, oldest first; with `scope_key`, those whose scope names it."""
    return await hooks.store(uow).list_subscriptions(limit=limit, offset=offset, scope_key=scope_key)


async def get_subscription(uow: UnitOfWork, hooks: Webhooks, subscription_id: str, *,
                           active: bool = False) -> Subscription:
    """The subscription (404 when unknown, or deleted and `active` is asked for)."""
    found = await hooks.store(uow).subscription(subscription_id)
    if found is None or (active and not found.active):
        raise no_subscription(subscription_id)
    return found


async def rotate_secret(uow: UnitOfWork, hooks: Webhooks, subscription_id: str) -> Subscription:
    """A new signing secret for the subscription, from its next delivery on (retries of older
    ones included); no other subscription or key is touched. Commits."""
    found = await get_subscription(uow, hooks, subscription_id, active=True)
    rotated = replace(found, secret=new_secret())
    await hooks.store(uow).set_secret(subscription_id, rotated.secret)
    uow.record_change("webhook", subscription_id, "webhook signing secret rotated")
    await uow.commit()
    return rotated


async def unsubscribe(uow: UnitOfWork, hooks: Webhooks, subscription_id: str) -> None:
    """Delete a subscription: its pending deliveries are dropped, its log stays. Commits."""
    await get_subscription(uow, hooks, subscription_id, active=True)
    await hooks.store(uow).deactivate(subscription_id, hooks.clock.now())
    await uow.commit()


# -- deliveries -------------------------------------------------------------------------------

async def record_deliveries(uow: UnitOfWork, hooks: Webhooks, event: Envelope[Any], *,
                            keys: Iterable[str]) -> list[Delivery]:
    """A delivery of `event` for each active subscription whose scope takes one of `keys`,
    in the caller's transaction (not committed here). The body is the event as on Kafka.
    None while a projection is rebuilt: those events were delivered when they happened."""
    if uow.replaying:
        return []
    store = hooks.store(uow)
    following = await _following(uow, store, tuple(keys))
    if not following:
        return []
    body = event.model_dump_json()
    now = hooks.clock.now()
    recorded = []
    for subscription in following:
        delivery = Delivery(id=str(uuid.uuid4()), subscription_id=subscription.id, event_id=str(event.id),
                            event_type=event.type, status=DeliveryStatus.PENDING, attempts=0,
                            next_attempt_at=now)
        await store.enqueue(delivery, aggregate_id=event.aggregate_id, body=body, at=now)
        recorded.append(delivery)
    return recorded


async def preload_following(uow: UnitOfWork, hooks: Webhooks, offers: Iterable[tuple[str, ...]]) -> None:
    """The subscriptions following each of `offers` (the keys events will be offered with),
    in one statement, for `record_deliveries` to find in this transaction."""
    if uow.replaying:
        return
    known = uow.per_transaction(_Following, _Following)
    wanted = [keys for keys in dict.fromkeys(offers) if keys not in known]
    if not wanted:
        return
    found = await hooks.store(uow).following(sorted({key for keys in wanted for key in keys}))
    for keys in wanted:
        known[keys] = [s for s in found if s.wants(keys)]


async def _following(uow: UnitOfWork, store: WebhookStore, keys: tuple[str, ...]) -> list[Subscription]:
    """Subscriptions following `keys`, looked up once per transaction: a batch of consumed
    events offering the same keys asks once."""
    known = uow.per_transaction(_Following, _Following)
    if keys not in known:
        known[keys] = await store.following(list(keys))
    return known[keys]


async def list_deliveries(uow: UnitOfWork, hooks: Webhooks, subscription_id: str, *, limit: int, offset: int,
                          status: DeliveryStatus | None = None) -> tuple[list[DeliveryRecord], int]:
    """The delivery log of a subscription (deleted ones too), newest first."""
    store = hooks.store(uow)
    if await store.subscription(subscription_id) is None:
        raise no_subscription(subscription_id)
    return await store.list_deliveries(subscription_id, status=status.value if status else None,
                                       limit=limit, offset=offset)


async def get_delivery(uow: UnitOfWork, hooks: Webhooks, delivery_id: str) -> DeliveryRecord:
    found = await hooks.store(uow).delivery_record(delivery_id)
    if found is None:
        raise no_delivery(delivery_id)
    return found


async def delivery_detail(uow: UnitOfWork, hooks: Webhooks,
                          delivery_id: str) -> tuple[DeliveryRecord, list[Attempt]]:
    """One delivery and every attempt made (status code or error, duration)."""
    found = await get_delivery(uow, hooks, delivery_id)
    return found, await hooks.store(uow).attempts_of(delivery_id)


async def redeliver(uow: UnitOfWork, hooks: Webhooks, delivery_id: str) -> DeliveryRecord:
    """Send a delivery again: a new round of attempts, starting now. Commits."""
    store = hooks.store(uow)
    delivery = await store.delivery(delivery_id, for_update=True)
    if delivery is None:
        raise no_delivery(delivery_id)
    subscription = await store.subscription(delivery.subscription_id)
    if subscription is None or not subscription.active:
        raise Invalid(message("common.subscription_was_deleted_nothing_can_redelivered"),
                            slug="subscription-deleted")
    delivery.redeliver(at=hooks.clock.now())
    await store.save(delivery)
    await uow.commit()
    return await get_delivery(uow, hooks, delivery_id)


# -- sending ----------------------------------------------------------------------------------

class Dispatcher:
    """Sends due deliveries; several replicas can run one each (rows are leased)."""

    def __init__(self, uows: UnitOfWorkFactory, hooks: Webhooks, config: WebhookConfig,
                 sender: WebhookSender | None = None) -> None:
        self.uows = uows
        self.hooks = hooks
        self.config = config
        self.sender = sender or WebhookSender(config.timeout_seconds, user_agent=config.user_agent)

    async def run_once(self) -> int:
        """Claim the due deliveries, attempt them concurrently, record the outcomes."""
        now = self.hooks.clock.now()
        lease = now + timedelta(seconds=self.config.timeout_seconds + 30)
        async with self.uows() as uow:
            due = await self.hooks.store(uow).claim_due(now, self.config.batch_size, lease)
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
                                      timestamp=int(self.hooks.clock.now().timestamp()))

    async def _record(self, item: DueDelivery, result: AttemptResult) -> None:
        at = self.hooks.clock.now()
        async with self.uows() as uow:
            store = self.hooks.store(uow)
            delivery = await store.delivery(item.delivery.id, for_update=True)
            await store.log_attempt(item.delivery.id, at=at, status_code=result.status_code,
                                    error=result.error, duration_ms=result.duration_ms)
            if delivery is not None and delivery.status is DeliveryStatus.PENDING:
                if result.ok:
                    assert result.status_code is not None
                    delivery.succeeded(at=at, status_code=result.status_code)
                else:
                    delivery.failed(at=at, status_code=result.status_code, error=result.error or "failed",
                                    policy=self.config.retry)
                    if delivery.next_attempt_at is None:  # no retry left: recorded as failed
                        log.warning("webhook delivery %s to %s failed after %d attempts: %s",
                                    delivery.id, item.url, delivery.attempts, delivery.last_error)
                await store.save(delivery)
            await uow.commit()


def dispatcher_job(uows: UnitOfWorkFactory, hooks: Webhooks, config: WebhookConfig) -> BackgroundJob:
    """The background job (for `ServiceParts.background`) that sends due deliveries."""

    async def run(stop: asyncio.Event) -> None:
        dispatcher = Dispatcher(uows, hooks, config)
        try:
            while not stop.is_set():
                try:
                    sent = await dispatcher.run_once()
                except Exception as error:  # database away: try again shortly
                    log.warning("webhook dispatcher: %s", error)
                    sent = 0
                if sent == 0:
                    try:
                        await asyncio.wait_for(stop.wait(), config.poll_seconds)
                    except TimeoutError:
                        pass
        finally:
            await dispatcher.sender.close()

    return run
