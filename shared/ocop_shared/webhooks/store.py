"""Webhook tables (added to a service's own MetaData) and their repository.

`add_webhook_tables(metadata)` adds three tables — subscriptions, deliveries and the log of
every attempt — named ``<prefix>subscriptions`` etc. A subscription's scope is stored as a
JSON list of strings in a text column whose name the service chooses (certification keeps
its historical ``event_types``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import aware
from ..db.engine import BigId
from .domain import Delivery, DeliveryStatus, Subscription


@dataclass(frozen=True)
class WebhookTables:
    subscriptions: Table
    deliveries: Table
    attempts: Table
    scope_column: str


def add_webhook_tables(metadata: MetaData, *, prefix: str = "webhook_",
                       scope_column: str = "scope") -> WebhookTables:
    """Add the webhook tables to a service's MetaData (its migrations then create them)."""
    subscriptions = Table(
        f"{prefix}subscriptions",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("url", String(2000), nullable=False),
        Column("secret", String(200), nullable=False),
        Column(scope_column, Text, nullable=False),  # JSON list of keys; empty = everything
        Column("description", String(300), nullable=False),
        Column("active", Boolean, nullable=False),
        Column("created_by", String(100), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("deleted_at", DateTime(timezone=True), nullable=True),
    )
    deliveries = Table(
        f"{prefix}deliveries",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("subscription_id", String(36), nullable=False, index=True),
        Column("event_id", String(36), nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("aggregate_id", String(100), nullable=False),
        Column("body", Text, nullable=False),  # the event, byte for byte as signed
        Column("status", String(20), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("redeliveries", Integer, nullable=False),
        Column("next_attempt_at", DateTime(timezone=True), nullable=True),
        Column("last_status_code", Integer, nullable=True),
        Column("last_error", Text, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("delivered_at", DateTime(timezone=True), nullable=True),
        UniqueConstraint("subscription_id", "event_id"),
    )
    Index(f"ix_{prefix}deliveries_due", deliveries.c.status, deliveries.c.next_attempt_at)
    attempts = Table(
        f"{prefix}attempts",
        metadata,
        Column("seq", BigId, primary_key=True, autoincrement=True),
        Column("delivery_id", String(36), nullable=False, index=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("error", Text, nullable=True),
        Column("duration_ms", Integer, nullable=False),
    )
    return WebhookTables(subscriptions, deliveries, attempts, scope_column)


@dataclass(frozen=True)
class DeliveryRecord:
    """One delivery as the log shows it."""

    id: str
    subscription_id: str
    event_id: str
    event_type: str
    aggregate_id: str
    status: DeliveryStatus
    attempts: int
    redeliveries: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class Attempt:
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class DueDelivery:
    delivery: Delivery
    url: str
    secret: str
    body: str


def utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return aware(moment) if moment is not None else None


def to_utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None



class WebhookStore:
    def __init__(self, session: AsyncSession, tables: WebhookTables) -> None:
        self.session = session
        self.subs = tables.subscriptions
        self.dels = tables.deliveries
        self.attempts = tables.attempts
        self.scope_name = tables.scope_column
        self.scope = tables.subscriptions.c[tables.scope_column]

    # -- subscriptions ------------------------------------------------------------------------

    def _subscription(self, row: Any) -> Subscription:
        return Subscription(id=row.id, url=row.url, secret=row.secret,
                            scope=tuple(json.loads(row._mapping[self.scope_name])), description=row.description,
                            active=row.active, created_by=row.created_by, created_at=aware(row.created_at))

    def _naming(self, key: str) -> ColumnElement[bool]:
        """Scopes that name `key` (a prefilter on the JSON text; `Subscription.wants` decides)."""
        return self.scope.contains(json.dumps(key), autoescape=True)

    async def add_subscription(self, subscription: Subscription) -> None:
        await self.session.execute(insert(self.subs).values({
            "id": subscription.id, "url": subscription.url, "secret": subscription.secret,
            self.scope_name: json.dumps(list(subscription.scope)), "description": subscription.description,
            "active": subscription.active, "created_by": subscription.created_by,
            "created_at": to_utc(subscription.created_at)}))

    async def subscription(self, subscription_id: str) -> Subscription | None:
        row = (await self.session.execute(select(self.subs).where(self.subs.c.id == subscription_id))).first()
        return self._subscription(row) if row is not None else None

    async def following(self, keys: Sequence[str]) -> list[Subscription]:
        """Active subscriptions that want an event offered with `keys`."""
        clause = or_(self.scope == "[]", *(self._naming(key) for key in keys))
        rows = (await self.session.execute(
            select(self.subs).where(self.subs.c.active.is_(True), clause)
            .order_by(self.subs.c.created_at, self.subs.c.id))).all()
        return [s for s in map(self._subscription, rows) if s.wants(keys)]

    async def list_subscriptions(self, *, limit: int, offset: int,
                                 scope_key: str | None = None) -> tuple[list[Subscription], int]:
        """Active subscriptions (those whose scope names `scope_key`, when given)."""
        clauses: list[ColumnElement[bool]] = [self.subs.c.active.is_(True)]
        if scope_key is not None:
            clauses.append(self._naming(scope_key))
        total = await self.session.scalar(select(func.count()).select_from(self.subs).where(*clauses))
        rows = (await self.session.execute(select(self.subs).where(*clauses)
                                           .order_by(self.subs.c.created_at, self.subs.c.id)
                                           .limit(limit).offset(offset))).all()
        return [self._subscription(r) for r in rows], int(total or 0)

    async def set_secret(self, subscription_id: str, secret: str) -> None:
        await self.session.execute(update(self.subs).where(self.subs.c.id == subscription_id)
                                   .values(secret=secret))

    async def deactivate(self, subscription_id: str, at: datetime) -> None:
        await self.session.execute(update(self.subs).where(self.subs.c.id == subscription_id)
                                   .values(active=False, deleted_at=to_utc(at)))
        # nothing more goes to a deleted endpoint; the log of what was sent stays
        await self.session.execute(
            update(self.dels).where(self.dels.c.subscription_id == subscription_id,
                                    self.dels.c.status == DeliveryStatus.PENDING.value)
            .values(status=DeliveryStatus.FAILED.value, next_attempt_at=None,
                    last_error="subscription deleted"))

    # -- deliveries ---------------------------------------------------------------------------

    async def enqueue(self, delivery: Delivery, *, aggregate_id: str, body: str, at: datetime) -> None:
        await self.session.execute(insert(self.dels).values(
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
        dels, subs = self.dels, self.subs
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
        query = select(self.dels).where(self.dels.c.id == delivery_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _delivery(row) if row is not None else None

    async def save(self, delivery: Delivery) -> None:
        await self.session.execute(update(self.dels).where(self.dels.c.id == delivery.id).values(
            status=delivery.status.value, attempts=delivery.attempts,
            redeliveries=delivery.redeliveries, next_attempt_at=to_utc(delivery.next_attempt_at),
            last_status_code=delivery.last_status_code, last_error=delivery.last_error,
            delivered_at=to_utc(delivery.delivered_at)))

    async def log_attempt(self, delivery_id: str, *, at: datetime, status_code: int | None,
                          error: str | None, duration_ms: int) -> None:
        await self.session.execute(insert(self.attempts).values(
            delivery_id=delivery_id, at=to_utc(at), status_code=status_code, error=error,
            duration_ms=duration_ms))

    async def list_deliveries(self, subscription_id: str, *, status: str | None, limit: int,
                              offset: int) -> tuple[list[DeliveryRecord], int]:
        dels = self.dels
        clauses: list[ColumnElement[bool]] = [dels.c.subscription_id == subscription_id]
        if status:
            clauses.append(dels.c.status == status)
        total = await self.session.scalar(select(func.count()).select_from(dels).where(*clauses))
        rows = (await self.session.execute(
            select(dels).where(*clauses).order_by(dels.c.created_at.desc(), dels.c.id)
            .limit(limit).offset(offset))).all()
        return [_record(r) for r in rows], int(total or 0)

    async def delivery_record(self, delivery_id: str) -> DeliveryRecord | None:
        row = (await self.session.execute(select(self.dels).where(self.dels.c.id == delivery_id))).first()
        return _record(row) if row is not None else None

    async def attempts_of(self, delivery_id: str) -> list[Attempt]:
        rows = (await self.session.execute(
            select(self.attempts).where(self.attempts.c.delivery_id == delivery_id)
            .order_by(self.attempts.c.seq))).all()
        return [Attempt(at=aware(r.at), status_code=r.status_code, error=r.error, duration_ms=r.duration_ms)
                for r in rows]


def _delivery(row: Any) -> Delivery:
    return Delivery(id=row.id, subscription_id=row.subscription_id, event_id=row.event_id,
                    event_type=row.event_type, status=DeliveryStatus(row.status),
                    attempts=row.attempts, next_attempt_at=utc(row.next_attempt_at),
                    last_status_code=row.last_status_code, last_error=row.last_error,
                    delivered_at=utc(row.delivered_at), redeliveries=row.redeliveries)


def _record(row: Any) -> DeliveryRecord:
    return DeliveryRecord(
        id=row.id, subscription_id=row.subscription_id, event_id=row.event_id, event_type=row.event_type,
        aggregate_id=row.aggregate_id, status=DeliveryStatus(row.status), attempts=row.attempts,
        redeliveries=row.redeliveries, next_attempt_at=utc(row.next_attempt_at),
        last_status_code=row.last_status_code, last_error=row.last_error,
        created_at=aware(row.created_at), delivered_at=utc(row.delivered_at))

