"""Signed webhooks, shared by the services that push events to systems unable to read Kafka.

- `domain`: the HMAC signature and headers, the retry schedule, a subscription's scope, a
  delivery's state (plain Python);
- `sender`: one HTTP attempt (httpx), bounded by a timeout, never raising;
- `store`: `add_webhook_tables(metadata, ...)` and the repository (SQLAlchemy Core);
- `service`: subscribe, list, unsubscribe, record deliveries in the caller's transaction,
  the delivery log, redelivery, and the background dispatcher;
- `config`: `WebhookSettings`, mixed into a service's settings.
"""

from .config import WebhookConfig, WebhookSettings
from .domain import (
    DELIVERY_ID_HEADER,
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Delivery,
    DeliveryStatus,
    RetryPolicy,
    Subscription,
    signature,
    signature_matches,
)
from .store import Attempt, DeliveryRecord, WebhookTables, add_webhook_tables

__all__ = [
    "DELIVERY_ID_HEADER",
    "EVENT_ID_HEADER",
    "EVENT_TYPE_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Attempt",
    "Delivery",
    "DeliveryRecord",
    "DeliveryStatus",
    "RetryPolicy",
    "Subscription",
    "WebhookConfig",
    "WebhookSettings",
    "WebhookTables",
    "add_webhook_tables",
    "signature",
    "signature_matches",
]
