"""Inspections, their evidence, and revocation cases (loading, saving, listing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.revocation import CaseStatus, RevocationCase
from . import tables
from .repository import grounds_text, stored_issuer, to_utc, utc

rc = tables.revocation_cases
ins = tables.inspections


def _grounds(text: str) -> tuple[int, ...]:
    return tuple(int(g) for g in text.split(",") if g)


def _case(row: Any) -> RevocationCase:
    return RevocationCase(
        id=row.id, certificate_number=row.certificate_number, stars=row.stars,
        grounds=_grounds(row.grounds), conclusion=row.conclusion, concluded_on=row.concluded_on,
        opened_on=row.opened_on, deadline=row.deadline, issuer=stored_issuer(row),
        inspection_id=row.inspection_id, status=CaseStatus(row.status), decision_no=row.decision_no,
        decided_on=row.decided_on, dismissal_reason=row.dismissal_reason,
    )


@dataclass(frozen=True)
class StoredCase:
    case: RevocationCase
    certificate_id: str
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class EvidenceItem:
    sha256: str
    kind: str
    filename: str
    content_type: str
    size: int


class FindingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- evidence files uploaded over HTTP ----------------------------------------------------

    async def add_evidence_file(self, *, sha256: str, size: int, content_type: str, filename: str,
                                uploaded_by: str, at: datetime) -> None:
        known = await self.session.scalar(
            select(tables.evidence_files.c.sha256).where(tables.evidence_files.c.sha256 == sha256))
        if known is None:
            await self.session.execute(insert(tables.evidence_files).values(
                sha256=sha256, size=size, content_type=content_type, filename=filename,
                uploaded_by=uploaded_by, uploaded_at=to_utc(at)))

    async def evidence_files(self, hashes: list[str]) -> dict[str, Any]:
        if not hashes:
            return {}
        rows = (await self.session.execute(
            select(tables.evidence_files).where(tables.evidence_files.c.sha256.in_(hashes)))).all()
        return {r.sha256: r for r in rows}

    # -- inspections --------------------------------------------------------------------------

    async def inspection_by_finding(self, finding_id: str, *, for_update: bool = False) -> Any | None:
        query = select(ins).where(ins.c.finding_id == finding_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).first()

    async def inspection(self, inspection_id: str) -> Any | None:
        return (await self.session.execute(select(ins).where(ins.c.id == inspection_id))).first()

    async def add_inspection(self, evidence: list[EvidenceItem], **values: Any) -> None:
        values["grounds"] = grounds_text(values["grounds"])
        values["reported_at"] = to_utc(values["reported_at"])
        await self.session.execute(insert(ins).values(**values))
        await self.add_inspection_evidence(values["id"], evidence)

    async def add_inspection_evidence(self, inspection_id: str, evidence: list[EvidenceItem]) -> None:
        existing = set(await self.session.scalars(
            select(tables.inspection_evidence.c.sha256)
            .where(tables.inspection_evidence.c.inspection_id == inspection_id)))
        fresh = {e.sha256: e for e in evidence if e.sha256 not in existing}
        if fresh:
            await self.session.execute(insert(tables.inspection_evidence), [
                dict(inspection_id=inspection_id, sha256=e.sha256, kind=e.kind, filename=e.filename,
                     content_type=e.content_type, size=e.size) for e in fresh.values()])

    async def update_inspection(self, inspection_id: str, **values: Any) -> None:
        if "grounds" in values:
            values["grounds"] = grounds_text(values["grounds"])
        await self.session.execute(update(ins).where(ins.c.id == inspection_id).values(**values))

    async def evidence_of(self, inspection_ids: list[str]) -> dict[str, list[EvidenceItem]]:
        found: dict[str, list[EvidenceItem]] = {i: [] for i in inspection_ids}
        if not inspection_ids:
            return found
        rows = (await self.session.execute(
            select(tables.inspection_evidence)
            .where(tables.inspection_evidence.c.inspection_id.in_(inspection_ids))
            .order_by(tables.inspection_evidence.c.filename))).all()
        for r in rows:
            found[r.inspection_id].append(EvidenceItem(sha256=r.sha256, kind=r.kind,
                                                       filename=r.filename,
                                                       content_type=r.content_type, size=r.size))
        return found

    async def list_inspections(self, *, certificate_number: str | None, limit: int,
                               offset: int, departments: frozenset[str] | None = None
                               ) -> tuple[list[Any], int]:
        clauses = [ins.c.certificate_number == certificate_number] if certificate_number else []
        if departments is not None:  # an inspector sees their departments' findings
            clauses.append(ins.c.department.in_(sorted(departments)))
        total = await self.session.scalar(select(func.count()).select_from(ins).where(*clauses))
        rows = (await self.session.execute(
            select(ins).where(*clauses).order_by(ins.c.reported_at.desc(), ins.c.id)
            .limit(limit).offset(offset))).all()
        return list(rows), int(total or 0)

    # -- revocation cases ---------------------------------------------------------------------

    async def case(self, case_id: str, *, for_update: bool = False) -> StoredCase | None:
        query = select(rc).where(rc.c.id == case_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        return StoredCase(_case(row), row.certificate_id, utc(row.opened_at) or row.opened_at,
                          utc(row.closed_at))

    async def open_case_of(self, certificate_id: str, *, for_update: bool = False) -> StoredCase | None:
        found = await self.session.scalar(
            select(rc.c.id).where(rc.c.certificate_id == certificate_id,
                                  rc.c.status == CaseStatus.OPEN.value)
            .order_by(rc.c.opened_at).limit(1))
        return await self.case(found, for_update=for_update) if found is not None else None

    async def add_case(self, case: RevocationCase, certificate_id: str, at: datetime) -> None:
        await self.session.execute(insert(rc).values(
            id=case.id, certificate_id=certificate_id, certificate_number=case.certificate_number,
            inspection_id=case.inspection_id, stars=case.stars, province=case.issuer.province,
            issuer_id=case.issuer.body_id, district=case.issuer.district,
            grounds=grounds_text(case.grounds), conclusion=case.conclusion,
            concluded_on=case.concluded_on, opened_on=case.opened_on, deadline=case.deadline,
            status=case.status.value, decision_no=case.decision_no, decided_on=case.decided_on,
            dismissal_reason=case.dismissal_reason, opened_at=to_utc(at), closed_at=None))

    async def save_case(self, case: RevocationCase, at: datetime) -> None:
        await self.session.execute(update(rc).where(rc.c.id == case.id).values(
            status=case.status.value, decision_no=case.decision_no, decided_on=case.decided_on,
            dismissal_reason=case.dismissal_reason,
            closed_at=to_utc(at) if case.status is not CaseStatus.OPEN else None))

    async def list_cases(self, *, status: str | None, overdue_on: date | None, limit: int,
                         offset: int) -> tuple[list[StoredCase], int]:
        clauses = []
        if status:
            clauses.append(rc.c.status == status)
        if overdue_on is not None:
            clauses += [rc.c.status == CaseStatus.OPEN.value, rc.c.deadline < overdue_on]
        total = await self.session.scalar(select(func.count()).select_from(rc).where(*clauses))
        rows = (await self.session.execute(
            select(rc).where(*clauses).order_by(rc.c.deadline, rc.c.opened_at)
            .limit(limit).offset(offset))).all()
        return [StoredCase(_case(r), r.certificate_id, utc(r.opened_at) or r.opened_at,
                           utc(r.closed_at)) for r in rows], int(total or 0)
