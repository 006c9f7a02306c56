"""The audit trail as the office searches it: every service's records (from ocop.audit.v1),
by person, product, entity, certificate, dossier and date; as a page or a CSV file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from ocop_shared.clock import VIETNAM
from ocop_shared.contracts import AuditRecorded
from ocop_shared.db.uow import UnitOfWork

from ..adapters.audit_repository import AuditRepository
from ..domain.audit import AuditQuery, AuditRecord

__all__ = ["CSV_COLUMNS", "AuditQuery", "AuditRecord", "as_csv", "on_audit_recorded", "search"]

CSV_COLUMNS = ("recorded_at", "service", "actor", "actor_name", "actor_roles", "action",
               "aggregate_type", "aggregate_id", "summary", "refs", "correlation_id",
               "client_address")


async def on_audit_recorded(event: AuditRecorded, uow: UnitOfWork) -> None:
    """Keep a copy of the record, once (a re-delivery leaves the first copy as it is)."""
    p = event.payload
    await uow.repository(AuditRepository).add(AuditRecord(
        record_id=p.record_id, recorded_at=event.occurred_at, service=p.service, actor=p.actor,
        actor_name=p.actor_name, actor_roles=",".join(p.actor_roles), action=p.action,
        aggregate_type=p.aggregate_type, aggregate_id=p.aggregate_id, summary=p.summary,
        correlation_id=event.correlation_id, client_address=p.client_address,
        refs={**p.refs, p.aggregate_type: p.aggregate_id}))


async def search(uow: UnitOfWork, q: AuditQuery, limit: int, offset: int
                 ) -> tuple[list[AuditRecord], int]:
    """A page of the records `q` finds, newest first, and how many it finds in all."""
    return await uow.repository(AuditRepository).search(q, limit, offset)


async def as_csv(uow: UnitOfWork, q: AuditQuery, limit: int = 100_000) -> str:
    """UTF-8 with a BOM (Excel opens it as Unicode), times in Vietnam."""
    rows, _ = await search(uow, q, limit, 0)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values: Sequence[Any] = [
            row.recorded_at.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S"), row.service,
            row.actor, row.actor_name, row.actor_roles, row.action,
            row.aggregate_type, row.aggregate_id, row.summary,
            json.dumps(row.refs, ensure_ascii=False, sort_keys=True), row.correlation_id,
            row.client_address or ""]
        writer.writerow([_safe(v) for v in values])
    return "\ufeff" + out.getvalue()


def _safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
