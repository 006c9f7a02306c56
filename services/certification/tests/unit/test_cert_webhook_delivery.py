"""Webhook signatures, the retry schedule, and a delivery's state."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from ocop_shared.webhooks import Delivery, DeliveryStatus, RetryPolicy, signature, signature_matches

T0 = datetime(2026, 7, 1, tzinfo=UTC)


def test_the_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"type":"Certified","payload":{"number":"91-2026-00001"}}'
    expected = hmac.new(b"whsec_k", body, hashlib.sha256).hexdigest()
    assert signature("whsec_k", body) == f"sha256={expected}"
    assert signature_matches("whsec_k", body, f"sha256={expected}")
    assert not signature_matches("whsec_k", body + b" ", f"sha256={expected}")
    assert not signature_matches("other", body, f"sha256={expected}")


def test_backoff_doubles_is_capped_and_ends() -> None:
    policy = RetryPolicy(max_attempts=6, base_seconds=30, max_seconds=300)
    assert [policy.delay_after(n) for n in range(1, 7)] == [30, 60, 120, 240, 300, None]


def delivery() -> Delivery:
    return Delivery(id="d1", subscription_id="s1", event_id="e1", event_type="Certified",
                    status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=T0)


def test_failures_are_retried_then_recorded_as_failed() -> None:
    d = delivery()
    policy = RetryPolicy(max_attempts=3, base_seconds=10)
    d.failed(at=T0, status_code=503, error="HTTP 503", policy=policy)
    assert (d.status, d.attempts, d.next_attempt_at) == (DeliveryStatus.PENDING, 1, T0 + timedelta(seconds=10))
    d.failed(at=T0, status_code=None, error="timed out", policy=policy)
    assert d.next_attempt_at == T0 + timedelta(seconds=20)
    d.failed(at=T0, status_code=None, error="timed out", policy=policy)
    assert (d.status, d.attempts, d.next_attempt_at, d.last_error) == (DeliveryStatus.FAILED, 3, None, "timed out")


def test_a_redelivery_starts_a_new_round_and_can_succeed() -> None:
    d = delivery()
    d.failed(at=T0, status_code=500, error="HTTP 500", policy=RetryPolicy(max_attempts=1))
    assert d.status is DeliveryStatus.FAILED
    d.redeliver(at=T0 + timedelta(hours=1))
    assert (d.status, d.attempts, d.redeliveries) == (DeliveryStatus.PENDING, 0, 1)
    d.succeeded(at=T0 + timedelta(hours=1), status_code=204)
    assert (d.status, d.attempts, d.last_status_code, d.last_error) == (DeliveryStatus.DELIVERED, 1, 204, None)
