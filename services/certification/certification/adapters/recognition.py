"""Recognition decisions and the recognising results that wait for one."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.contracts.scoring_events import ScoredPayload
from ocop_shared.messaging.flow import Flow

from ..domain.authority import Issuer
from ..domain.recognition import DecisionItem, DecisionStatus, RecognitionDecision, Signature
from . import tables
from .repository import to_utc, utc

waiting = tables.awaiting_decision
decisions = tables.recognition_decisions


def _decision(row: Any) -> RecognitionDecision:
    signature = None
    if row.number is not None:
        signature = Signature(number=row.number, signed_on=row.signed_on, signer_name=row.signer_name,
                              signer_title=row.signer_title or "", document_sha256=row.document_sha256)
    return RecognitionDecision(
        id=row.id, round_id=row.round_id, issuer=Issuer(row.issuer_id, row.province, row.district),
        items=[DecisionItem(**item) for item in row.items], drafted_at=utc(row.drafted_at) or row.drafted_at,
        drafted_by=row.drafted_by, status=DecisionStatus(row.status), signature=signature,
        signed_at=utc(row.signed_at), certificates=dict(row.certificates or {}), version=row.version)


def _values(decision: RecognitionDecision) -> dict[str, Any]:
    signature = decision.signature
    return dict(
        round_id=decision.round_id, issuer_id=decision.issuer.body_id, province=decision.issuer.province,
        district=decision.issuer.district, status=decision.status.value,
        items=[asdict(item) for item in decision.items], drafted_at=to_utc(decision.drafted_at),
        drafted_by=decision.drafted_by, number=signature.number if signature else None,
        signed_on=signature.signed_on if signature else None,
        signer_name=signature.signer_name if signature else None,
        signer_title=signature.signer_title if signature else None,
        document_sha256=signature.document_sha256 if signature else None,
        signed_at=to_utc(decision.signed_at), certificates=decision.certificates or None,
        version=decision.version)


class RecognitionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def wait_for_decision(self, result: ScoredPayload, at: datetime, flow: Flow) -> None:
        await self.session.execute(insert(waiting).values(
            evaluation_id=result.evaluation_id, round_id=result.round_id, product_id=result.product_id,
            stars=result.stars, result=result.model_dump(mode="json"), received_at=to_utc(at),
            flow_correlation_id=flow.correlation_id, flow_causation_id=flow.causation_id,
            flow_traceparent=flow.traceparent))

    async def undecided(self, round_id: str) -> list[ScoredPayload]:
        """The round's results awaiting a decision that no draft lists yet, oldest first."""
        rows = (await self.session.execute(
            select(waiting.c.result).where(waiting.c.round_id == round_id, waiting.c.decision_id.is_(None))
            .order_by(waiting.c.received_at, waiting.c.evaluation_id).with_for_update())).all()
        return [ScoredPayload.model_validate(row.result) for row in rows]

    async def awaiting(self, round_id: str | None) -> list[ScoredPayload]:
        """Results no signed decision has recognised yet (drafted or not), oldest first."""
        query = (select(waiting.c.result).outerjoin(decisions, decisions.c.id == waiting.c.decision_id)
                 .where((waiting.c.decision_id.is_(None)) | (decisions.c.status != "signed"))
                 .order_by(waiting.c.received_at, waiting.c.evaluation_id))
        if round_id is not None:
            query = query.where(waiting.c.round_id == round_id)
        return [ScoredPayload.model_validate(row.result) for row in (await self.session.execute(query)).all()]

    async def results_of(self, decision_id: str) -> dict[str, tuple[ScoredPayload, Flow | None]]:
        """The decision's results by evaluation id, each with the flow it came in."""
        rows = (await self.session.execute(
            select(waiting.c.result, waiting.c.flow_correlation_id, waiting.c.flow_causation_id,
                   waiting.c.flow_traceparent)
            .where(waiting.c.decision_id == decision_id))).all()
        found = {}
        for row in rows:
            result = ScoredPayload.model_validate(row.result)
            flow = (Flow(row.flow_correlation_id, causation_id=row.flow_causation_id,
                         traceparent=row.flow_traceparent) if row.flow_correlation_id else None)
            found[result.evaluation_id] = (result, flow)
        return found

    async def add(self, decision: RecognitionDecision) -> None:
        await self.session.execute(insert(decisions).values(id=decision.id, **_values(decision)))
        await self.session.execute(
            update(waiting).where(waiting.c.evaluation_id.in_([item.evaluation_id for item in decision.items]))
            .values(decision_id=decision.id))

    async def save(self, decision: RecognitionDecision) -> None:
        await self.session.execute(update(decisions).where(decisions.c.id == decision.id)
                                   .values(**_values(decision)))

    async def get(self, decision_id: str, *, for_update: bool = False) -> RecognitionDecision | None:
        query = select(decisions).where(decisions.c.id == decision_id)
        row = (await self.session.execute(query.with_for_update() if for_update else query)).first()
        return _decision(row) if row is not None else None

    async def listed(self, *, round_id: str | None, status: str | None) -> list[RecognitionDecision]:
        query = select(decisions).order_by(decisions.c.drafted_at, decisions.c.id)
        if round_id is not None:
            query = query.where(decisions.c.round_id == round_id)
        if status is not None:
            query = query.where(decisions.c.status == status)
        return [_decision(row) for row in (await self.session.execute(query)).all()]

