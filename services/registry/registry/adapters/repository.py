"""Loading and saving registry aggregates (every query of the registry lives here)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.access import GrantRow
from ocop_shared.contracts.common import EvaluationCase, LegalForm
from ocop_shared.db.engine import rows_affected

from ..domain.documents import Document, DocumentKind
from ..domain.dossier import Claim, Dossier, DossierStatus, Form01, Form02, Form03
from ..domain.model import Entity, Product, ProductStatus, TimelineEntry
from ..domain.personal_data import Consent, DataKind
from ..domain.rounds import Round
from . import tables


@dataclass(frozen=True)
class Scope:
    """Which entities a caller may list: all, some communes', or the ones they act for."""

    communes: tuple[str, ...] | None = None
    entity_ids: tuple[str, ...] | None = None

    def clause(self) -> Any:
        e = tables.entities
        if self.entity_ids is not None:
            return e.c.id.in_(self.entity_ids)
        if self.communes is not None:
            return e.c.commune_code.in_(self.communes)
        return true()


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _entity(row: Any) -> Entity:
    return Entity(
        id=row.id, name=row.name, legal_form=LegalForm(row.legal_form),
        registration_no=row.registration_no, commune_code=row.commune_code,
        province_code=row.province_code, address=row.address, phone=row.phone,
        email=row.email, representative_name=row.representative_name,
        representative_position=row.representative_position,
        representative_female=row.representative_female,
        representative_ethnicity=row.representative_ethnicity,
        representative_disabled=row.representative_disabled, owner_subject=row.owner_subject,
        version=row.version,
    )


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return utc(moment) if moment else None


def _consent_row(consent: Consent) -> dict[str, Any]:
    return {**asdict(consent), "data_kinds": ",".join(consent.data_kinds)}


def _document(row: Any) -> Document:
    return Document(
        id=row.id, product_id=row.product_id, kind=DocumentKind(row.kind), sha256=row.sha256,
        size=row.size, content_type=row.content_type, filename=row.filename,
        uploaded_at=utc(row.uploaded_at), valid_from=row.valid_from,
        valid_until=row.valid_until, replaces_id=row.replaces_id,
    )


def _form02(data: dict[str, Any] | None) -> Form02 | None:
    if data is None:
        return None
    claims = tuple(Claim(criterion_code=c["criterion_code"], option_index=c["option_index"],
                         description=c.get("description", ""),
                         evidence=tuple(c.get("evidence", ()))) for c in data["claims"])
    return Form02(specification=data["specification"], plan_results=data["plan_results"],
                  next_plan=data["next_plan"], claims=claims, changes=data.get("changes", ""))


def _dossier(row: Any) -> Dossier:
    form03 = row.form03
    return Dossier(
        id=row.id, product_id=row.product_id, case=EvaluationCase(row.case),
        round_id=row.round_id, status=DossierStatus(row.status),
        form01=Form01(**row.form01) if row.form01 else None,
        form02=_form02(row.form02),
        form03=Form03(**{**form03, "signed_on": date.fromisoformat(form03["signed_on"])})
        if form03 else None,
        version=row.version, manifest=list(row.manifest or []),
    )


def form_json(form: Any) -> dict[str, Any] | None:
    if form is None:
        return None
    data = asdict(form)
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
    return data


class RegistryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- entities ---------------------------------------------------------------------------
    async def registration_taken(self, registration_no: str) -> bool:
        found = await self.session.scalar(select(tables.entities.c.id).where(
            tables.entities.c.registration_no == registration_no))
        return found is not None

    async def add_entity(self, entity: Entity, at: datetime) -> None:
        values = {k: v for k, v in asdict(entity).items()}
        values["legal_form"] = entity.legal_form.value
        await self.session.execute(insert(tables.entities).values(**values, created_at=at))

    async def save_entity(self, entity: Entity) -> None:
        """The representative's facts and the contact data (what consent withdrawals and
        erasure requests change)."""
        await self.session.execute(update(tables.entities).where(
            tables.entities.c.id == entity.id).values(
            phone=entity.phone, email=entity.email,
            representative_female=entity.representative_female,
            representative_ethnicity=entity.representative_ethnicity,
            representative_disabled=entity.representative_disabled, version=entity.version))

    async def entity_created_at(self, entity_id: str) -> datetime | None:
        value = await self.session.scalar(select(tables.entities.c.created_at).where(
            tables.entities.c.id == entity_id))
        return utc(value) if value else None

    # -- consents to sensitive data ------------------------------------------------------------
    async def add_consent(self, consent: Consent) -> None:
        await self.session.execute(insert(tables.consents).values(**_consent_row(consent)))

    async def save_consent(self, consent: Consent) -> None:
        await self.session.execute(update(tables.consents).where(
            tables.consents.c.id == consent.id).values(**_consent_row(consent)))

    async def consents_of(self, entity_id: str) -> list[Consent]:
        c = tables.consents
        rows = (await self.session.execute(select(c).where(c.c.entity_id == entity_id)
                                           .order_by(c.c.recorded_at, c.c.id))).all()
        return [Consent(
            id=r.id, entity_id=r.entity_id, purpose=r.purpose,
            data_kinds=tuple(DataKind(k) for k in r.data_kinds.split(",") if k),
            given_by=r.given_by, given_at=utc(r.given_at), recorded_by=r.recorded_by,
            recorded_at=utc(r.recorded_at), withdrawn_at=_utc_or_none(r.withdrawn_at),
            withdrawn_by=r.withdrawn_by, erased_at=_utc_or_none(r.erased_at)) for r in rows]

    async def products_of(self, entity_id: str) -> list[Product]:
        ids = await self.session.scalars(select(tables.products.c.id).where(
            tables.products.c.entity_id == entity_id).order_by(tables.products.c.created_at))
        return [p for p in [await self.get_product(i) for i in ids] if p is not None]

    async def entities_acted_for(self, subject: str, identities: Sequence[str]) -> list[str]:
        """The entities a person registered, or was invited to act for."""
        e, m = tables.entities, tables.entity_members
        owned = select(e.c.id).where(e.c.owner_subject == subject)
        joined = select(m.c.entity_id).where(m.c.login.in_(list(identities)))
        return list(await self.session.scalars(owned.union(joined)))

    async def entity_has_product(self, entity_id: str, product_ids: Iterable[str]) -> bool:
        p = tables.products
        found = await self.session.scalar(select(p.c.id).where(
            p.c.entity_id == entity_id, p.c.id.in_(list(product_ids))).limit(1))
        return found is not None

    # -- entity members ----------------------------------------------------------------------
    async def members(self, entity_id: str) -> list[Any]:
        m = tables.entity_members
        return list((await self.session.execute(select(m).where(m.c.entity_id == entity_id)
                                                .order_by(m.c.added_at))).all())

    async def add_member(self, member_id: str, entity_id: str, login: str, added_by: str,
                         at: datetime) -> bool:
        m = tables.entity_members
        exists = await self.session.scalar(select(m.c.id).where(
            m.c.entity_id == entity_id, m.c.login == login))
        if exists is not None:
            return False
        await self.session.execute(insert(m).values(id=member_id, entity_id=entity_id, login=login,
                                                    added_by=added_by, added_at=at))
        return True

    async def remove_member(self, entity_id: str, member_id: str) -> bool:
        m = tables.entity_members
        done = await self.session.execute(delete(m).where(m.c.entity_id == entity_id,
                                                          m.c.id == member_id))
        return bool(rows_affected(done))

    # -- grants (the office's records of who may do what) ---------------------------------------
    async def grants(self, *, role: str | None, login: str | None, include_revoked: bool,
                     limit: int, offset: int) -> tuple[list[GrantRow], int]:
        g = tables.access_grants
        query = select(g)
        if role:
            query = query.where(g.c.role == role)
        if login:
            query = query.where(g.c.login == login)
        if not include_revoked:
            query = query.where(g.c.revoked_at.is_(None))
        rows = await self._page(query.order_by(g.c.granted_at.desc(), g.c.grant_id), limit, offset)
        return [GrantRow(**r._mapping) for r in rows], await self._count(query)

    # -- council readers (projected from scoring) ----------------------------------------------
    async def products_read_as_council(self, identities: Sequence[str]) -> list[str]:
        r = tables.council_readers
        return list(await self.session.scalars(select(r.c.product_id).where(
            r.c.login.in_(list(identities))).distinct()))

    async def set_council_readers(self, evaluation_id: str, product_id: str,
                                  logins: Sequence[str], version: int) -> None:
        r = tables.council_readers
        current = await self.session.scalar(select(func.max(r.c.version)).where(
            r.c.evaluation_id == evaluation_id))
        if current is not None and current > version:
            return  # an older assignment than the one applied
        await self.session.execute(delete(r).where(r.c.evaluation_id == evaluation_id))
        for login in sorted(set(logins)):
            await self.session.execute(insert(r).values(evaluation_id=evaluation_id,
                                                        product_id=product_id, login=login,
                                                        version=version))

    async def end_council_reading(self, evaluation_id: str) -> None:
        r = tables.council_readers
        await self.session.execute(delete(r).where(r.c.evaluation_id == evaluation_id))

    async def get_entity(self, entity_id: str) -> Entity | None:
        row = (await self.session.execute(
            select(tables.entities).where(tables.entities.c.id == entity_id))).first()
        return _entity(row) if row else None

    async def list_entities(self, scope: Scope, *, limit: int,
                            offset: int) -> tuple[list[Entity], int]:
        query = select(tables.entities).where(scope.clause())
        return [_entity(r) for r in await self._page(query.order_by(tables.entities.c.name),
                                                      limit, offset)], await self._count(query)

    # -- products ---------------------------------------------------------------------------
    async def add_product(self, product: Product, at: datetime) -> None:
        await self.session.execute(insert(tables.products).values(
            id=product.id, entity_id=product.entity_id, name=product.name,
            product_set_no=product.product_set_no, description=product.description,
            certificate_active=False, created_at=at, version=product.version))
        await self.save_timeline(product, 0)

    async def get_product(self, product_id: str, *, for_update: bool = False) -> Product | None:
        query = select(tables.products).where(tables.products.c.id == product_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        entries = (await self.session.execute(
            select(tables.timeline).where(tables.timeline.c.product_id == product_id)
            .order_by(tables.timeline.c.seq))).all()
        return Product(
            id=row.id, entity_id=row.entity_id, name=row.name,
            product_set_no=row.product_set_no, description=row.description,
            product_code=row.product_code, version=row.version,
            timeline=[TimelineEntry(at=utc(e.at), status=ProductStatus(e.status), note=e.note)
                      for e in entries],
            certificate_number=row.certificate_number, certificate_stars=row.certificate_stars,
            certificate_valid_until=row.certificate_valid_until,
            certificate_active=row.certificate_active,
        )

    async def certificate_event_at(self, product_id: str) -> datetime | None:
        value = await self.session.scalar(select(tables.products.c.certificate_event_at).where(
            tables.products.c.id == product_id))
        return utc(value) if value else None

    async def save_product(self, product: Product, timeline_before: int,
                           certificate_event_at: datetime | None = None) -> None:
        values: dict[str, Any] = dict(
            name=product.name, description=product.description, version=product.version,
            product_code=product.product_code, certificate_number=product.certificate_number,
            certificate_stars=product.certificate_stars,
            certificate_valid_until=product.certificate_valid_until,
            certificate_active=product.certificate_active)
        if certificate_event_at is not None:
            values["certificate_event_at"] = certificate_event_at
        await self.session.execute(update(tables.products).where(
            tables.products.c.id == product.id).values(**values))
        await self.save_timeline(product, timeline_before)

    async def save_timeline(self, product: Product, already_saved: int) -> None:
        new = product.timeline[already_saved:]
        if new:
            await self.session.execute(insert(tables.timeline), [
                {"product_id": product.id, "at": e.at, "status": e.status.value, "note": e.note}
                for e in new])

    async def list_products(self, scope: Scope, *, limit: int,
                            offset: int) -> tuple[list[Any], int]:
        p, e = tables.products, tables.entities
        query = select(p.c.id, p.c.name, p.c.entity_id, p.c.product_set_no, p.c.product_code,
                       p.c.certificate_number, p.c.certificate_stars, p.c.certificate_active,
                       e.c.name.label("entity_name"), e.c.commune_code).join(
            e, e.c.id == p.c.entity_id).where(scope.clause())
        rows = await self._page(query.order_by(p.c.name, p.c.id), limit, offset)
        return list(rows), await self._count(query)

    # -- documents --------------------------------------------------------------------------
    async def add_document(self, document: Document, uploaded_by: str) -> None:
        await self.session.execute(insert(tables.documents).values(
            id=document.id, product_id=document.product_id, kind=document.kind.value,
            sha256=document.sha256, size=document.size, content_type=document.content_type,
            filename=document.filename, valid_from=document.valid_from,
            valid_until=document.valid_until, replaces_id=document.replaces_id,
            uploaded_at=document.uploaded_at, uploaded_by=uploaded_by))

    async def documents_of(self, product_id: str) -> list[Document]:
        rows = (await self.session.execute(
            select(tables.documents).where(tables.documents.c.product_id == product_id)
            .order_by(tables.documents.c.uploaded_at))).all()
        return [_document(r) for r in rows]

    async def get_document(self, document_id: str) -> Document | None:
        row = (await self.session.execute(
            select(tables.documents).where(tables.documents.c.id == document_id))).first()
        return _document(row) if row else None

    # -- rounds -----------------------------------------------------------------------------
    async def add_round(self, round_: Round) -> None:
        await self.session.execute(insert(tables.rounds).values(**asdict(round_)))

    async def get_round(self, round_id: str) -> Round | None:
        row = (await self.session.execute(
            select(tables.rounds).where(tables.rounds.c.id == round_id))).first()
        return Round(id=row.id, name=row.name, regulation=row.regulation,
                     opens_on=row.opens_on, closes_on=row.closes_on) if row else None

    async def list_rounds(self) -> list[Round]:
        rows = (await self.session.execute(
            select(tables.rounds).order_by(tables.rounds.c.opens_on.desc()))).all()
        return [Round(id=r.id, name=r.name, regulation=r.regulation, opens_on=r.opens_on,
                      closes_on=r.closes_on) for r in rows]

    # -- dossiers ---------------------------------------------------------------------------
    async def add_dossier(self, dossier: Dossier) -> None:
        await self.session.execute(insert(tables.dossiers).values(
            id=dossier.id, product_id=dossier.product_id, case=dossier.case.value,
            round_id=dossier.round_id, status=dossier.status.value,
            form01=form_json(dossier.form01), form02=form_json(dossier.form02),
            form03=form_json(dossier.form03), manifest=dossier.manifest,
            version=dossier.version))

    async def get_dossier(self, dossier_id: str, *, for_update: bool = False) -> Dossier | None:
        query = select(tables.dossiers).where(tables.dossiers.c.id == dossier_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _dossier(row) if row else None

    async def dossiers_of(self, product_id: str) -> list[Dossier]:
        """Every dossier of a product: the one not yet filed first, then newest filed first."""
        rows = (await self.session.execute(select(tables.dossiers).where(
            tables.dossiers.c.product_id == product_id)
            .order_by(tables.dossiers.c.filed_at.desc().nulls_first()))).all()
        return [_dossier(r) for r in rows]

    async def open_dossier_of(self, product_id: str) -> Dossier | None:
        row = (await self.session.execute(select(tables.dossiers).where(
            tables.dossiers.c.product_id == product_id,
            tables.dossiers.c.status.in_([DossierStatus.DRAFT.value,
                                          DossierStatus.AWAITING_COMMUNE.value,
                                          DossierStatus.FORWARDED.value])))).first()
        return _dossier(row) if row else None

    async def last_evaluated_dossier(self, product_id: str) -> Dossier | None:
        row = (await self.session.execute(select(tables.dossiers).where(
            tables.dossiers.c.product_id == product_id,
            tables.dossiers.c.status == DossierStatus.EVALUATED.value)
            .order_by(tables.dossiers.c.forwarded_at.desc()).limit(1))).first()
        return _dossier(row) if row else None

    async def save_dossier(self, dossier: Dossier, **stamps: datetime) -> None:
        await self.session.execute(update(tables.dossiers).where(
            tables.dossiers.c.id == dossier.id).values(
            status=dossier.status.value, form01=form_json(dossier.form01),
            form02=form_json(dossier.form02), form03=form_json(dossier.form03),
            manifest=dossier.manifest, version=dossier.version, **stamps))

    # -- helpers ----------------------------------------------------------------------------
    async def _page(self, query: Select[Any], limit: int, offset: int) -> Sequence[Any]:
        rows: Sequence[Any] = (await self.session.execute(query.limit(limit).offset(offset))).all()
        return rows

    async def _count(self, query: Select[Any]) -> int:
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        return int(total or 0)
