"""Loading and saving entities, the consents their representatives gave, and their members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from ocop_shared.contracts.common import LegalForm
from ocop_shared.db.engine import rows_affected

from ..domain.model import Entity
from ..domain.personal_data import Consent, DataKind
from . import tables
from .sql import Scope, SqlRepository, utc, utc_or_none


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


def _consent_row(consent: Consent) -> dict[str, Any]:
    return {**asdict(consent), "data_kinds": ",".join(consent.data_kinds)}


class EntityRepository(SqlRepository):
    # -- entities ---------------------------------------------------------------------------
    async def registration_taken(self, registration_no: str) -> bool:
        found = await self.session.scalar(select(tables.entities.c.id).where(
            tables.entities.c.registration_no == registration_no))
        return found is not None

    async def add_entity(self, entity: Entity, at: datetime) -> None:
        values = dict(asdict(entity))
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

    async def get_entity(self, entity_id: str) -> Entity | None:
        row = (await self.session.execute(
            select(tables.entities).where(tables.entities.c.id == entity_id))).first()
        return _entity(row) if row else None

    async def entity_created_at(self, entity_id: str) -> datetime | None:
        value = await self.session.scalar(select(tables.entities.c.created_at).where(
            tables.entities.c.id == entity_id))
        return utc(value) if value else None

    async def list_entities(self, scope: Scope, *, limit: int,
                            offset: int) -> tuple[list[Entity], int]:
        query = select(tables.entities).where(scope.clause())
        return [_entity(r) for r in await self._page(query.order_by(tables.entities.c.name),
                                                      limit, offset)], await self._count(query)

    async def entities_acted_for(self, subject: str, identities: Sequence[str]) -> list[str]:
        """The entities a person registered, or was invited to act for."""
        e, m = tables.entities, tables.entity_members
        owned = select(e.c.id).where(e.c.owner_subject == subject)
        joined = select(m.c.entity_id).where(m.c.login.in_(list(identities)))
        return list(await self.session.scalars(owned.union(joined)))

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
            recorded_at=utc(r.recorded_at), withdrawn_at=utc_or_none(r.withdrawn_at),
            withdrawn_by=r.withdrawn_by, erased_at=utc_or_none(r.erased_at)) for r in rows]

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
