"""The audit trail as reporting keeps it: one record per `AuditRecorded`, found by its refs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class AuditRecord:
    """One thing somebody did in some service (ocop.audit.v1), as the office searches it."""

    record_id: str
    recorded_at: datetime
    service: str
    actor: str
    actor_name: str
    actor_roles: str  # comma-separated
    action: str
    aggregate_type: str
    aggregate_id: str
    summary: str
    correlation_id: str
    client_address: str | None
    refs: dict[str, str] = field(default_factory=dict)  # kind -> value: what it is found by


@dataclass(frozen=True)
class AuditQuery:
    person: str | None = None  # a subject, or part of a name
    refs: tuple[tuple[str, str], ...] = ()  # (kind, value): product_id, certificate_number...
    since: date | None = None
    until: date | None = None  # inclusive
    service: str | None = None
    action: str | None = None  # part of the operation, e.g. "revocation"
