"""Writing an audit record in the transaction of the change it records.

A unit of work that commits while somebody is acting (the guard named them for this
request) and that wrote a table of the service, or noted a change it wants on the record
(a download link handed out), writes one `audit_log` row and publishes it as an
`AuditRecorded` event through the outbox — both commit with the change or not at all.
Event consumers and background jobs act for nobody and record nothing: what they do
follows from an action already on the record.

The table is append-only: the platform has no code that updates or deletes it, and the
database refuses it too (a trigger on PostgreSQL and on SQLite, see the migrations).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text

from ..clock import Clock
from ..contracts.audit_events import AuditRecorded, AuditRecordedPayload
from ..contracts.envelope import Envelope
from .context import Actor

# Payload fields and path parameters a search of the trail finds a record by.
REF_FIELDS = {"product_id": "product_id", "entity_id": "entity_id", "dossier_id": "dossier_id",
              "evaluation_id": "evaluation_id", "number": "certificate_number",
              "certificate_number": "certificate_number", "council_id": "council_id",
              "showroom_id": "showroom_id", "case_id": "case_id", "fair_id": "fair_id",
              "document_id": "document_id", "grant_id": "grant_id", "account_id": "account_id"}
IGNORED_TABLES = frozenset({"outbox", "inbox", "audit_log"})


def add_audit_table(metadata: MetaData) -> Table:
    table = Table(
        "audit_log",
        metadata,
        Column("record_id", String(36), primary_key=True),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("actor_name", String(200), nullable=False, default=""),
        Column("actor_roles", String(300), nullable=False, default=""),
        Column("action", String(300), nullable=False),
        Column("aggregate_type", String(60), nullable=False),
        Column("aggregate_id", String(200), nullable=False),
        Column("summary", Text, nullable=False),
        Column("refs", Text, nullable=False, default="{}"),
        Column("correlation_id", String(100), nullable=False),
        Column("client_address", String(64), nullable=True),
    )
    Index("ix_audit_log_recorded_at", table.c.recorded_at)
    return table


@dataclass(frozen=True)
class Change:
    """What a use case wants on the record (otherwise the events it raised say it)."""

    aggregate_type: str
    aggregate_id: str
    summary: str
    refs: dict[str, str] = field(default_factory=dict)


class AuditRecorder:
    def __init__(self, table: Table, service: str) -> None:
        self.table = table
        self.service = service

    def wants_record(self, actor: Actor | None, written: Iterable[str], changes: list[Change]) -> bool:
        return actor is not None and bool(changes or set(written) - IGNORED_TABLES)

    def record(self, actor: Actor, events: list[Envelope[Any]], changes: list[Change],
               correlation_id: str, clock: Clock) -> tuple[dict[str, Any], AuditRecorded]:
        """The row to insert and the event to publish."""
        refs = {REF_FIELDS[k]: v for k, v in actor.path_params.items() if k in REF_FIELDS}
        for event in events:
            for name, value in event.payload.model_dump().items():
                if name in REF_FIELDS and isinstance(value, str | int) and value != "":
                    refs.setdefault(REF_FIELDS[name], str(value))
        for change in changes:
            refs.update(change.refs)
        if changes:
            aggregate_type, aggregate_id = changes[0].aggregate_type, changes[0].aggregate_id
            summary = "; ".join(c.summary for c in changes)
        elif events:
            aggregate_type = events[0].topic.split(".")[2] if events[0].topic.count(".") >= 2 else "event"
            aggregate_id = events[0].aggregate_id
            summary = ", ".join(dict.fromkeys(f"{e.type} {e.aggregate_id}" for e in events))
        else:
            aggregate_type, aggregate_id = _from_path(actor)
            summary = actor.action
        record_id = str(uuid.uuid4())
        now = clock.now()
        payload = AuditRecordedPayload(
            record_id=record_id, service=self.service, actor=actor.subject,
            actor_name=actor.name, actor_roles=list(actor.roles), action=actor.action,
            aggregate_type=aggregate_type, aggregate_id=aggregate_id, summary=summary[:2000],
            refs=refs, client_address=actor.client_address)
        row = {"record_id": record_id, "recorded_at": now, "actor": actor.subject,
               "actor_name": actor.name, "actor_roles": ",".join(actor.roles),
               "action": actor.action, "aggregate_type": aggregate_type,
               "aggregate_id": aggregate_id, "summary": payload.summary,
               "refs": json.dumps(refs, ensure_ascii=False, sort_keys=True),
               "correlation_id": correlation_id, "client_address": actor.client_address}
        event = AuditRecorded(
            id=uuid.uuid4(), occurred_at=now, producer=self.service, aggregate_id=record_id,
            aggregate_version=1, correlation_id=correlation_id, payload=payload)
        return row, event


def _from_path(actor: Actor) -> tuple[str, str]:
    """The last id of the path (the thing acted on), named after the segment before it."""
    if actor.path_params:
        name, value = list(actor.path_params.items())[-1]
        return name.removesuffix("_id"), value
    segments = [s for s in actor.action.split(" ", 1)[-1].split("/") if s and "{" not in s]
    return (segments[-1] if segments else "platform"), "-"
