"""Loading and saving dossiers (Forms 01-03) and the evaluation rounds they are filed in."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update

from ocop_shared.contracts.common import EvaluationCase

from ..domain.dossier import Claim, Dossier, DossierStatus, Form01, Form02, Form03
from ..domain.rounds import Round
from . import tables
from .sql import SqlRepository, form_json


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


class DossierRepository(SqlRepository):
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


def _round(row: Any) -> Round:
    return Round(id=row.id, name=row.name, regulation=row.regulation, opens_on=row.opens_on,
                 closes_on=row.closes_on)


class RoundRepository(SqlRepository):
    async def add_round(self, round_: Round) -> None:
        await self.session.execute(insert(tables.rounds).values(**asdict(round_)))

    async def get_round(self, round_id: str) -> Round | None:
        row = (await self.session.execute(
            select(tables.rounds).where(tables.rounds.c.id == round_id))).first()
        return _round(row) if row else None

    async def list_rounds(self) -> list[Round]:
        rows = (await self.session.execute(
            select(tables.rounds).order_by(tables.rounds.c.opens_on.desc()))).all()
        return [_round(r) for r in rows]
