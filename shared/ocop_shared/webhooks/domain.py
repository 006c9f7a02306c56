"""Webhooks, the plain part: the HMAC signature, the retry schedule, a subscription's scope
and each delivery's state.

A subscriber receives an event exactly as it travels on Kafka (the JSON envelope), with

- ``X-OCOP-Signature: sha256=<hex>``: HMAC-SHA256 of the raw body with the subscription's secret;
- ``X-OCOP-Timestamp``: when the attempt was made (Unix seconds);
- ``X-OCOP-Event-Id`` / ``X-OCOP-Event-Type`` / ``X-OCOP-Delivery-Id``.

Delivery is at least once: the same event can arrive again (a retry after a lost response,
or a manual redelivery); subscribers deduplicate on the event id, which also makes a
replayed body harmless.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

SIGNATURE_HEADER = "X-OCOP-Signature"
TIMESTAMP_HEADER = "X-OCOP-Timestamp"
EVENT_ID_HEADER = "X-OCOP-Event-Id"
EVENT_TYPE_HEADER = "X-OCOP-Event-Type"
DELIVERY_ID_HEADER = "X-OCOP-Delivery-Id"


def signature(secret: str, body: bytes) -> str:
    """The value of the signature header for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    """What a subscriber checks (constant-time)."""
    return hmac.compare_digest(signature(secret, body), header.strip())


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: float = 30.0
    max_seconds: float = 6 * 3600.0

    def delay_after(self, attempts: int) -> float | None:
        """Seconds to wait after `attempts` failed attempts; None when it is time to give up."""
        if attempts >= self.max_attempts:
            return None
        return float(min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Subscription:
    """An endpoint and what it follows.

    `scope` is a set of keys chosen by the service (certification: event types; trade: the
    showroom it follows). Each event is offered with its own keys; a subscription wants it
    when one of them is in its scope. An empty scope follows everything.
    """

    id: str
    url: str
    secret: str
    scope: tuple[str, ...]
    description: str
    active: bool
    created_by: str
    created_at: datetime

    def wants(self, keys: Iterable[str]) -> bool:
        return self.active and (not self.scope or any(key in self.scope for key in keys))


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass
class Delivery:
    id: str
    subscription_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int  # attempts in the current round (a manual redelivery starts a new round)
    next_attempt_at: datetime | None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    redeliveries: int = 0

    def succeeded(self, *, at: datetime, status_code: int) -> None:
        self.attempts += 1
        self.status = DeliveryStatus.DELIVERED
        self.last_status_code = status_code
        self.last_error = None
        self.delivered_at = at
        self.next_attempt_at = None

    def failed(self, *, at: datetime, status_code: int | None, error: str, policy: RetryPolicy) -> None:
        """A failed attempt: retry later with backoff, or give up after the last attempt."""
        self.attempts += 1
        self.last_status_code = status_code
        self.last_error = error[:1000]
        delay = policy.delay_after(self.attempts)
        if delay is None:
            self.status = DeliveryStatus.FAILED
            self.next_attempt_at = None
        else:
            self.status = DeliveryStatus.PENDING
            self.next_attempt_at = at + timedelta(seconds=delay)

    def redeliver(self, *, at: datetime) -> None:
        """An operator asks for the event to be sent again (after a failure, or again anyway)."""
        self.status = DeliveryStatus.PENDING
        self.attempts = 0
        self.next_attempt_at = at
        self.redeliveries += 1
