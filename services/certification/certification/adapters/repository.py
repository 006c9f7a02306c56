"""Loading and saving certificates with their history (every certificate query lives here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.authority import Issuer, legacy_issuer
from ..domain.certificate import (
    TERMINAL,
    Certificate,
    CertificateStatus,
    HistoryEntry,
    Revocation,
    SignedBy,
)
from ..domain.validity import local_day
from . import tables

c = tables.certificates


def utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_utc(moment: datetime | None) -> datetime | None:
    """Everything is stored in UTC (SQLite keeps no offset: an instant in +07:00 would shift)."""
    return moment.astimezone(UTC) if moment is not None else None


def _grounds(text: str | None) -> tuple[int, ...]:
    return tuple(int(g) for g in text.split(",") if g) if text else ()


def grounds_text(grounds: Sequence[int]) -> str:
    return ",".join(str(g) for g in grounds)


@dataclass
class CertificateRecord:
    """A certificate as stored: the domain aggregate plus what only the service keeps."""

    certificate: Certificate  # the aggregate: its `version` is stored with it
    province_code: str | None = None
    commune_code: str | None = None
    pdf_sha256: str | None = None
    pdf_size: int | None = None
    qr_text: str | None = None
    created_at: datetime | None = None
    notices_through: datetime | None = None
    next_due_at: datetime | None = None
    rerating_submission_id: str | None = None
    rerating_received_on: date | None = None
    saved_history: int = 0  # history entries already in the table
    is_new: bool = field(default=False)

    @property
    def id(self) -> str:
        return self.certificate.id

    @property
    def number(self) -> str:
        return self.certificate.number

    @property
    def has_pdf(self) -> bool:
        """Its PDF is stored, or can be rendered on request (it needs the QR text)."""
        return self.pdf_sha256 is not None or self.qr_text is not None

    @property
    def version(self) -> int:
        """aggregate_version of the last event about this certificate."""
        return self.certificate.version


def _history(row: Any) -> HistoryEntry:
    at = utc(row.at) or datetime.min.replace(tzinfo=UTC)
    return HistoryEntry(
        at=at,
        on=row.effective_on or local_day(at),  # rows from before revision 0002 have no day
        from_status=CertificateStatus(row.from_status) if row.from_status else None,
        to_status=CertificateStatus(row.status),
        reason=row.reason,
        reason_en=row.reason_en or row.reason,
    )


def _record(row: Any, entries: Sequence[Any]) -> CertificateRecord:
    revocation = None
    if row.revocation_decision_no:
        revocation = Revocation(grounds=_grounds(row.revocation_grounds),
                                decision_no=row.revocation_decision_no,
                                decided_on=row.revoked_on or row.issued_on)
    certificate = Certificate(
        id=row.id, number=row.number, product_id=row.product_id, product_code=row.product_code,
        product_name=row.product_name, entity_id=row.entity_id, entity_name=row.entity_name,
        stars=row.stars, regulation=row.regulation, decision_no=row.decision_no,
        decision_date=row.decision_date or row.issued_on, issued_on=row.issued_on,
        valid_until=row.valid_until, status=CertificateStatus(row.status),
        evaluation_id=row.evaluation_id, issuer=stored_issuer(row),
        signed_by=SignedBy(row.signer_name, row.signer_title or "") if row.signer_name else None,
        supersedes=row.supersedes,
        superseded_by=row.superseded_by, revocation=revocation,
        history=[_history(e) for e in entries], version=row.version,
    )
    return CertificateRecord(
        certificate=certificate, province_code=row.province_code,
        commune_code=row.commune_code, pdf_sha256=row.pdf_sha256, pdf_size=row.pdf_size,
        qr_text=row.qr_text, created_at=utc(row.created_at),
        notices_through=utc(row.notices_through), next_due_at=utc(row.next_due_at),
        rerating_submission_id=row.rerating_submission_id,
        rerating_received_on=row.rerating_received_on, saved_history=len(entries),
    )


def stored_issuer(row: Any) -> Issuer:
    """A row's issuer; rows from before issuers were kept name 26/2026's, as they printed."""
    if row.issuer_id is None:
        return legacy_issuer(row.stars, row.province)
    return Issuer(row.issuer_id, row.province, row.district)


def _values(record: CertificateRecord) -> dict[str, Any]:
    cert = record.certificate
    revocation = cert.revocation
    return dict(
        product_code=cert.product_code, product_name=cert.product_name, entity_id=cert.entity_id,
        entity_name=cert.entity_name, stars=cert.stars, regulation=cert.regulation,
        decision_no=cert.decision_no, authority=cert.authority.name_vi, issued_on=cert.issued_on,
        valid_until=cert.valid_until, status=cert.status.value, version=record.version,
        decision_date=cert.decision_date, province=cert.province, issuer_id=cert.issuer.body_id,
        district=cert.issuer.district, province_code=record.province_code,
        signer_name=cert.signed_by.name if cert.signed_by else None,
        signer_title=cert.signed_by.title if cert.signed_by else None,
        commune_code=record.commune_code, supersedes=cert.supersedes,
        superseded_by=cert.superseded_by,
        revocation_grounds=grounds_text(revocation.grounds) if revocation else None,
        revocation_decision_no=revocation.decision_no if revocation else None,
        revoked_on=revocation.decided_on if revocation else None,
        qr_text=record.qr_text, created_at=to_utc(record.created_at), notices_through=to_utc(record.notices_through),
        next_due_at=None if cert.status in TERMINAL else to_utc(record.next_due_at),
        rerating_submission_id=record.rerating_submission_id,
        rerating_received_on=record.rerating_received_on,
    )


@dataclass(frozen=True)
class Listing:
    status: str | None = None
    product_id: str | None = None
    entity_id: str | None = None


class CertificateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _one(self, clause: Any, *, for_update: bool = False) -> CertificateRecord | None:
        query = select(c).where(clause)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        entries = (await self.session.execute(
            select(tables.history).where(tables.history.c.certificate_id == row.id)
            .order_by(tables.history.c.seq))).all()
        return _record(row, entries)

    async def by_number(self, number: str, *, for_update: bool = False) -> CertificateRecord | None:
        return await self._one(c.c.number == number, for_update=for_update)

    async def by_id(self, certificate_id: str, *, for_update: bool = False) -> CertificateRecord | None:
        return await self._one(c.c.id == certificate_id, for_update=for_update)

    async def by_evaluation(self, evaluation_id: str) -> str | None:
        found = await self.session.scalar(select(c.c.id).where(c.c.evaluation_id == evaluation_id))
        return str(found) if found is not None else None

    async def current_of_product(self, product_id: str, *,
                                 for_update: bool = False) -> CertificateRecord | None:
        """The product's newest certificate that is not superseded, revoked or expired."""
        query = (select(c.c.id).where(c.c.product_id == product_id,
                                      c.c.status.not_in([s.value for s in TERMINAL]))
                 .order_by(c.c.issued_on.desc(), c.c.number.desc()).limit(1))
        found = await self.session.scalar(query)
        return await self.by_id(found, for_update=for_update) if found is not None else None

    async def by_rerating_submission(self, submission_id: str) -> CertificateRecord | None:
        found = await self.session.scalar(
            select(c.c.id).where(c.c.rerating_submission_id == submission_id))
        return await self.by_id(found, for_update=True) if found is not None else None

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Ids of certificates with a notice due by `now` (uses the next_due_at index)."""
        rows = await self.session.scalars(
            select(c.c.id).where(c.c.next_due_at.is_not(None), c.c.next_due_at <= to_utc(now))
            .order_by(c.c.next_due_at).limit(limit))
        return list(rows)

    async def add(self, record: CertificateRecord) -> None:
        cert = record.certificate
        await self.session.execute(insert(c).values(
            id=cert.id, number=cert.number, evaluation_id=cert.evaluation_id,
            product_id=cert.product_id, pdf_sha256=record.pdf_sha256, pdf_size=record.pdf_size,
            **_values(record)))
        await self._append_history(record)

    async def save(self, record: CertificateRecord) -> None:
        """The certificate's state; its PDF columns belong to `keep_pdf` (the document job may
        have stored one since this record was loaded)."""
        await self.session.execute(update(c).where(c.c.id == record.id).values(**_values(record)))
        await self._append_history(record)

    # -- certificate PDFs -------------------------------------------------------------------

    async def without_pdf(self, limit: int) -> list[CertificateRecord]:
        """Certificates whose PDF is still to be rendered, oldest first (without their history:
        the PDF does not print it)."""
        rows = (await self.session.execute(
            select(c).where(c.c.pdf_sha256.is_(None), c.c.qr_text.is_not(None))
            .order_by(c.c.created_at).limit(limit))).all()
        return [_record(row, []) for row in rows]

    async def keep_pdf(self, certificate_id: str, sha256: str, size: int) -> None:
        await self.session.execute(update(c).where(c.c.id == certificate_id, c.c.pdf_sha256.is_(None))
                                   .values(pdf_sha256=sha256, pdf_size=size))

    async def _append_history(self, record: CertificateRecord) -> None:
        fresh = record.certificate.history[record.saved_history:]
        if fresh:
            await self.session.execute(insert(tables.history), [
                dict(certificate_id=record.id, at=to_utc(e.at), status=e.to_status.value, reason=e.reason,
                     from_status=e.from_status.value if e.from_status else None,
                     effective_on=e.on, reason_en=e.reason_en)
                for e in fresh])
        record.saved_history = len(record.certificate.history)

    async def page(self, listing: Listing, *, limit: int, offset: int) -> tuple[list[Any], int]:
        clauses = []
        if listing.status:
            clauses.append(c.c.status == listing.status)
        if listing.product_id:
            clauses.append(c.c.product_id == listing.product_id)
        if listing.entity_id:
            clauses.append(c.c.entity_id == listing.entity_id)
        total = await self.session.scalar(select(func.count()).select_from(c).where(*clauses))
        rows = (await self.session.execute(
            select(c).where(*clauses).order_by(c.c.issued_on.desc(), c.c.number.desc())
            .limit(limit).offset(offset))).all()
        return list(rows), int(total or 0)

    # -- numbering --------------------------------------------------------------------------

    async def next_value(self, name: str) -> int:
        current = await self.session.scalar(
            select(tables.counters.c.value).where(tables.counters.c.name == name).with_for_update())
        if current is None:
            await self.session.execute(insert(tables.counters).values(name=name, value=1))
            return 1
        await self.session.execute(update(tables.counters).where(tables.counters.c.name == name)
                                   .values(value=current + 1))
        return int(current) + 1

    async def product_code(self, product_id: str) -> str | None:
        found = await self.session.scalar(
            select(tables.product_codes.c.code).where(tables.product_codes.c.product_id == product_id))
        if found is None:  # products certified before the product_codes table existed
            found = await self.session.scalar(
                select(c.c.product_code).where(c.c.product_id == product_id)
                .order_by(c.c.issued_on).limit(1))
        return str(found) if found is not None else None

    async def lock_product(self, product_id: str) -> None:
        """Serialise results of one product across replicas (its product-code row; a product
        certified for the first time is guarded by that row's primary key instead)."""
        await self.session.execute(
            select(tables.product_codes.c.code).where(tables.product_codes.c.product_id == product_id)
            .with_for_update())

    async def keep_product_code(self, product_id: str, code: str, at: datetime) -> None:
        exists = await self.session.scalar(
            select(tables.product_codes.c.code).where(tables.product_codes.c.product_id == product_id))
        if exists is None:
            await self.session.execute(insert(tables.product_codes).values(
                product_id=product_id, code=code, assigned_at=to_utc(at)))

    # -- council results ----------------------------------------------------------------------

    async def result_seen(self, evaluation_id: str) -> bool:
        found = await self.session.scalar(
            select(tables.results.c.evaluation_id).where(tables.results.c.evaluation_id == evaluation_id))
        return found is not None

    async def record_result(self, **values: Any) -> None:
        values["recorded_at"] = to_utc(values["recorded_at"])
        await self.session.execute(insert(tables.results).values(**values))

    async def settle_result(self, evaluation_id: str, *, outcome: str, certificate_id: str | None) -> None:
        """A result that awaited its decision: what the decision made of it."""
        await self.session.execute(update(tables.results).where(tables.results.c.evaluation_id == evaluation_id)
                                   .values(outcome=outcome, certificate_id=certificate_id))

    async def results_of_submission(self, submission_id: str) -> list[Any]:
        """Final outcomes already recorded for a dossier (a recognising result, or a closure)."""
        r = tables.results
        return list((await self.session.execute(
            select(r).where(r.c.submission_id == submission_id,
                            r.c.outcome != "not_recognising"))).all())


def certificate_from_row(row: Any) -> Certificate:
    """A certificate without its history (listings): `status_on` then uses the recorded status."""
    return _record(row, []).certificate
