"""The audit trail as the office searches it: every service's records (from ocop.audit.v1),
by person, product, entity, certificate, dossier and date; as a page or a CSV file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select

from ocop_shared.clock import VIETNAM, aware
from ocop_shared.contracts import AuditRecorded
from ocop_shared.db.uow import UnitOfWork

from ..adapters.tables import audit_refs, audit_trail

CSV_COLUMNS = ("recorded_at", "service", "actor", "actor_name", "actor_roles", "action",
               "aggregate_type", "aggregate_id", "summary", "refs", "correlation_id",
               "client_address")


async def on_audit_recorded(event: AuditRecorded, uow: UnitOfWork) -> None:
    p = event.payload
    exists = await uow.session.scalar(select(audit_trail.c.record_id).where(
        audit_trail.c.record_id == p.record_id))
    if exists is not None:
        return
    await uow.session.execute(insert(audit_trail).values(
        record_id=p.record_id, recorded_at=event.occurred_at, service=p.service, actor=p.actor,
        actor_name=p.actor_name, actor_roles=",".join(p.actor_roles), action=p.action,
        aggregate_type=p.aggregate_type, aggregate_id=p.aggregate_id, summary=p.summary,
        correlation_id=event.correlation_id, client_address=p.client_address))
    refs = {**p.refs, p.aggregate_type: p.aggregate_id}
    if refs:
        await uow.session.execute(insert(audit_refs), [
            {"record_id": p.record_id, "kind": kind[:40], "value": str(value)[:200]}
            for kind, value in refs.items()])


@dataclass(frozen=True)
class AuditQuery:
    person: str | None = None  # a subject, or part of a name
    refs: tuple[tuple[str, str], ...] = ()  # (kind, value): product_id, certificate_number...
    since: date | None = None
    until: date | None = None  # inclusive
    service: str | None = None
    action: str | None = None  # part of the operation, e.g. "revocation"


def _where(q: AuditQuery) -> list[Any]:
    t = audit_trail.c
    clauses: list[Any] = []
    if q.person:
        clauses.append(or_(t.actor == q.person, t.actor_name.ilike(f"%{q.person}%")))
    for kind, value in q.refs:
        clauses.append(t.record_id.in_(select(audit_refs.c.record_id).where(
            audit_refs.c.kind == kind, audit_refs.c.value == value)))
    if q.since:
        clauses.append(t.recorded_at >= datetime.combine(q.since, time.min, VIETNAM))
    if q.until:
        clauses.append(t.recorded_at < datetime.combine(q.until + timedelta(days=1), time.min, VIETNAM))
    if q.service:
        clauses.append(t.service == q.service)
    if q.action:
        clauses.append(t.action.ilike(f"%{q.action}%"))
    return clauses


async def search(uow: UnitOfWork, q: AuditQuery, limit: int, offset: int
                 ) -> tuple[list[dict[str, Any]], int]:
    where = _where(q)
    total = await uow.session.scalar(select(func.count()).select_from(audit_trail).where(*where))
    rows = (await uow.session.execute(select(audit_trail).where(*where).order_by(
        audit_trail.c.recorded_at.desc(), audit_trail.c.record_id).limit(limit).offset(offset))).all()
    return await _with_refs(uow, [dict(r._mapping) for r in rows]), int(total or 0)


async def _with_refs(uow: UnitOfWork, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [r["record_id"] for r in rows]
    refs: dict[str, dict[str, str]] = {i: {} for i in ids}
    if ids:
        for record_id, kind, value in (await uow.session.execute(select(
                audit_refs.c.record_id, audit_refs.c.kind, audit_refs.c.value).where(
                audit_refs.c.record_id.in_(ids)))).all():
            refs[record_id][kind] = value
    for row in rows:
        row["recorded_at"] = aware(row["recorded_at"])
        row["refs"] = refs[row["record_id"]]
    return rows


async def as_csv(uow: UnitOfWork, q: AuditQuery, limit: int = 100_000) -> str:
    """UTF-8 with a BOM (Excel opens it as Unicode), times in Vietnam."""
    rows, _ = await search(uow, q, limit, 0)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values: Sequence[Any] = [
            row["recorded_at"].astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S"), row["service"],
            row["actor"], row["actor_name"], row["actor_roles"], row["action"],
            row["aggregate_type"], row["aggregate_id"], row["summary"],
            json.dumps(row["refs"], ensure_ascii=False, sort_keys=True), row["correlation_id"],
            row["client_address"] or ""]
        writer.writerow([_safe(v) for v in values])
    return "\ufeff" + out.getvalue()


def _safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
