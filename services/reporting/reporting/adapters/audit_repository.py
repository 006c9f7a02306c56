"""The audit trail's copy in reporting's database: records and the refs they are found by."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.clock import VIETNAM, aware

from ..domain.audit import AuditQuery, AuditRecord
from .tables import audit_refs, audit_trail


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def has(self, record_id: str) -> bool:
        found = await self.session.scalar(select(audit_trail.c.record_id).where(
            audit_trail.c.record_id == record_id))
        return found is not None

    async def add(self, record: AuditRecord) -> None:
        await self.session.execute(insert(audit_trail).values(
            record_id=record.record_id, recorded_at=record.recorded_at, service=record.service,
            actor=record.actor, actor_name=record.actor_name, actor_roles=record.actor_roles,
            action=record.action, aggregate_type=record.aggregate_type,
            aggregate_id=record.aggregate_id, summary=record.summary,
            correlation_id=record.correlation_id, client_address=record.client_address))
        if record.refs:
            await self.session.execute(insert(audit_refs), [
                {"record_id": record.record_id, "kind": kind[:40], "value": str(value)[:200]}
                for kind, value in record.refs.items()])

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
