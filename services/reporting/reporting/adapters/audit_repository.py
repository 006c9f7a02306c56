"""The audit trail's copy in reporting's database: records and the refs they are found by."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.clock import VIETNAM, aware
from ocop_shared.db.engine import upsert_insert

from ..domain.audit import AuditQuery, AuditRecord
from .tables import audit_refs, audit_trail


class AuditRepository:
    """One a transaction: the records it adds are written in two statements (the records, their
    refs) just before it commits, so a batch of consumed records costs the same whatever its size;
    a record already there (a re-delivery) is left as it is."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._records: dict[str, AuditRecord] = {}

    async def add(self, record: AuditRecord) -> None:
        """Kept for `flush`; the first copy of a record wins."""
        self._records.setdefault(record.record_id, record)

    async def flush(self) -> None:
        if not self._records:
            return
        records, self._records = list(self._records.values()), {}
        trail = upsert_insert(self.session, audit_trail).on_conflict_do_nothing(index_elements=["record_id"])
        await self.session.execute(trail, [{
            "record_id": r.record_id, "recorded_at": r.recorded_at, "service": r.service, "actor": r.actor,
            "actor_name": r.actor_name, "actor_roles": r.actor_roles, "action": r.action,
            "aggregate_type": r.aggregate_type, "aggregate_id": r.aggregate_id, "summary": r.summary,
            "correlation_id": r.correlation_id, "client_address": r.client_address} for r in records])
        refs = [{"record_id": r.record_id, "kind": kind[:40], "value": str(value)[:200]}
                for r in records for kind, value in r.refs.items()]
        if refs:
            found = upsert_insert(self.session, audit_refs).on_conflict_do_nothing(index_elements=["record_id", "kind"])
            await self.session.execute(found, refs)

    async def search(self, q: AuditQuery, limit: int, offset: int) -> tuple[list[AuditRecord], int]:
        """The records `q` finds, newest first, and how many there are in all."""
        where = _where(q)
        total = await self.session.scalar(select(func.count()).select_from(audit_trail).where(*where))
        rows = (await self.session.execute(select(audit_trail).where(*where).order_by(
            audit_trail.c.recorded_at.desc(), audit_trail.c.record_id).limit(limit).offset(offset))).all()
        refs = await self._refs([r.record_id for r in rows])
        return [AuditRecord(**{**r._mapping, "recorded_at": aware(r.recorded_at),
                               "refs": refs[r.record_id]}) for r in rows], int(total or 0)

    async def _refs(self, ids: list[str]) -> dict[str, dict[str, str]]:
        refs: dict[str, dict[str, str]] = {i: {} for i in ids}
        if ids:
            for record_id, kind, value in (await self.session.execute(select(
                    audit_refs.c.record_id, audit_refs.c.kind, audit_refs.c.value).where(
                    audit_refs.c.record_id.in_(ids)))).all():
                refs[record_id][kind] = value
        return refs


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
