"""Webhook subscriptions, their deliveries and the log of every attempt."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.webhooks import Delivery, DeliveryStatus
from . import tables
from .repository import to_utc, utc

subs = tables.webhook_subscriptions
dels = tables.webhook_deliveries
attempts = tables.webhook_attempts


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    secret: str
    event_types: tuple[str, ...]  # empty: every certificate event
    description: str
    active: bool
    created_by: str
    created_at: datetime

    def wants(self, event_type: str) -> bool:
        return self.active and (not self.event_types or event_type in self.event_types)


@dataclass(frozen=True)
class DueDelivery:
    delivery: Delivery
    url: str
    secret: str
    body: str


def _subscription(row: Any) -> Subscription:
    return Subscription(id=row.id, url=row.url, secret=row.secret,
                        event_types=tuple(json.loads(row.event_types)), description=row.description,
                        active=row.active, created_by=row.created_by,
                        created_at=utc(row.created_at) or row.created_at)


def _delivery(row: Any) -> Delivery:
    return Delivery(id=row.id, subscription_id=row.subscription_id, event_id=row.event_id,
                    event_type=row.event_type, status=DeliveryStatus(row.status),
                    attempts=row.attempts, next_attempt_at=utc(row.next_attempt_at),
                    last_status_code=row.last_status_code, last_error=row.last_error,
                    delivered_at=utc(row.delivered_at), redeliveries=row.redeliveries)


class WebhookStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- subscriptions ------------------------------------------------------------------------

    async def add_subscription(self, subscription: Subscription) -> None:
        await self.session.execute(insert(subs).values(
            id=subscription.id, url=subscription.url, secret=subscription.secret,
            event_types=json.dumps(list(subscription.event_types)),
            description=subscription.description, active=subscription.active,
            created_by=subscription.created_by, created_at=to_utc(subscription.created_at)))

    async def subscription(self, subscription_id: str) -> Subscription | None:
        row = (await self.session.execute(select(subs).where(subs.c.id == subscription_id))).first()
        return _subscription(row) if row is not None else None

    async def active_subscriptions(self) -> list[Subscription]:
        rows = (await self.session.execute(select(subs).where(subs.c.active.is_(True)))).all()
        return [_subscription(r) for r in rows]

    async def list_subscriptions(self, *, limit: int, offset: int) -> tuple[list[Subscription], int]:
        clause = subs.c.active.is_(True)
        total = await self.session.scalar(select(func.count()).select_from(subs).where(clause))
        rows = (await self.session.execute(select(subs).where(clause).order_by(subs.c.created_at, subs.c.id)
                                           .limit(limit).offset(offset))).all()
        return [_subscription(r) for r in rows], int(total or 0)

    async def deactivate(self, subscription_id: str, at: datetime) -> None:
        await self.session.execute(update(subs).where(subs.c.id == subscription_id)
                                   .values(active=False, deleted_at=to_utc(at)))
        # nothing more goes to a deleted endpoint; the log of what was sent stays
        await self.session.execute(
            update(dels).where(dels.c.subscription_id == subscription_id,
                               dels.c.status == DeliveryStatus.PENDING.value)
            .values(status=DeliveryStatus.FAILED.value, next_attempt_at=None,
                    last_error="subscription deleted"))

    # -- deliveries ---------------------------------------------------------------------------

    async def enqueue(self, delivery: Delivery, *, aggregate_id: str, body: str, at: datetime) -> None:
        await self.session.execute(insert(dels).values(
            id=delivery.id, subscription_id=delivery.subscription_id, event_id=delivery.event_id,
            event_type=delivery.event_type, aggregate_id=aggregate_id, body=body,
            status=delivery.status.value, attempts=delivery.attempts,
            redeliveries=delivery.redeliveries, next_attempt_at=to_utc(delivery.next_attempt_at),
            created_at=to_utc(at)))

    async def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[DueDelivery]:
        """Due deliveries, leased until `lease_until` so another worker leaves them alone.

        A worker that dies mid-attempt lets the lease run out: the delivery is tried again
        (at least once). Rows locked by another worker's claim are skipped (PostgreSQL).
        """
        query = (select(dels, subs.c.url, subs.c.secret)
                 .join(subs, subs.c.id == dels.c.subscription_id)
                 .where(dels.c.status == DeliveryStatus.PENDING.value, dels.c.next_attempt_at <= to_utc(now))
                 .order_by(dels.c.next_attempt_at).limit(limit)
                 .with_for_update(skip_locked=True, of=dels))
        rows = (await self.session.execute(query)).all()
        if rows:
            await self.session.execute(update(dels).where(dels.c.id.in_([r.id for r in rows]))
                                       .values(next_attempt_at=to_utc(lease_until)))
        return [DueDelivery(_delivery(r), r.url, r.secret, r.body) for r in rows]

    async def delivery(self, delivery_id: str, *, for_update: bool = False) -> Delivery | None:
        query = select(dels).where(dels.c.id == delivery_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _delivery(row) if row is not None else None

    async def save(self, delivery: Delivery) -> None:
        await self.session.execute(update(dels).where(dels.c.id == delivery.id).values(
            status=delivery.status.value, attempts=delivery.attempts,
            redeliveries=delivery.redeliveries, next_attempt_at=to_utc(delivery.next_attempt_at),
            last_status_code=delivery.last_status_code, last_error=delivery.last_error,
            delivered_at=to_utc(delivery.delivered_at)))

    async def log_attempt(self, delivery_id: str, *, at: datetime, status_code: int | None,
                          error: str | None, duration_ms: int) -> None:
        await self.session.execute(insert(attempts).values(
            delivery_id=delivery_id, at=to_utc(at), status_code=status_code, error=error,
            duration_ms=duration_ms))

    async def list_deliveries(self, subscription_id: str, *, status: str | None, limit: int,
                              offset: int) -> tuple[list[Any], int]:
        clauses = [dels.c.subscription_id == subscription_id]
        if status:
            clauses.append(dels.c.status == status)
        total = await self.session.scalar(select(func.count()).select_from(dels).where(*clauses))
        rows = (await self.session.execute(
            select(dels).where(*clauses).order_by(dels.c.created_at.desc(), dels.c.id)
            .limit(limit).offset(offset))).all()
        return list(rows), int(total or 0)

    async def delivery_row(self, delivery_id: str) -> Any | None:
        return (await self.session.execute(select(dels).where(dels.c.id == delivery_id))).first()

    async def attempts_of(self, delivery_id: str) -> list[Any]:
        return list((await self.session.execute(
            select(attempts).where(attempts.c.delivery_id == delivery_id)
            .order_by(attempts.c.seq))).all())
