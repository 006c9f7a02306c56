"""Prometheus metrics of a process; every series carries the service it belongs to.

One registry per process: the embedded mode hosts the four services in one process and
tells them apart by the `service` label.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_DURATION = Histogram(
    "ocop_http_request_duration_seconds", "HTTP request latency by route",
    ["route", "method", "status"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS_CONSUMED = Counter(
    "ocop_events_consumed_total", "Events consumed, by outcome "
    "(processed, duplicate, ignored, dead_lettered)",
    ["service", "topic", "type", "outcome"], registry=REGISTRY)
EVENTS_PUBLISHED = Counter(
    "ocop_events_published_total", "Events published from the outbox",
    ["service", "topic", "type"], registry=REGISTRY)
HANDLER_DURATION = Histogram(
    "ocop_event_handler_duration_seconds", "Time to apply one event (including retries)",
    ["service", "type"], registry=REGISTRY,
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30))
DEAD_LETTERS = Counter(
    "ocop_dead_letters_total", "Events parked on the dead-letter topic",
    ["service", "topic"], registry=REGISTRY)
INBOX_DUPLICATES = Counter(
    "ocop_inbox_duplicates_total", "Redelivered events the inbox skipped",
    ["service", "topic"], registry=REGISTRY)
CONSUMER_LAG = Gauge(
    "ocop_consumer_lag", "Events on a partition the service's group has not consumed yet",
    ["service", "topic", "partition"], registry=REGISTRY)
OUTBOX_BACKLOG = Gauge(
    "ocop_outbox_backlog", "Committed events not yet published", ["service"], registry=REGISTRY)
OUTBOX_OLDEST_AGE = Gauge(
    "ocop_outbox_oldest_unsent_age_seconds", "Age of the oldest unpublished event (0 if none)",
    ["service"], registry=REGISTRY)
DEADLINES_DUE = Gauge(
    "ocop_deadlines_due", "Deadlines coming due, by kind and horizon",
    ["service", "kind", "within_days"], registry=REGISTRY)

AUTH_FAILURES = Counter(
    "ocop_auth_failures_total", "Credentials or permissions a server refused this process "
    "(system: postgres, kafka, s3)", ["service", "system", "reason"], registry=REGISTRY)


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
