"""Recognition decisions over HTTP: the office drafts them from a round's results and records
the signed decision (the signer's number, date, name and title, and the signed PDF)."""

from __future__ import annotations

from fastapi import Query
from pydantic import BaseModel, Field

from ocop_shared.http.dates import IsoDate, IsoDateTime
from ocop_shared.http.text import Code, RecordId, Sha256

from ..adapters.recognition import RecognitionRepository
from ..domain.recognition import DecisionStatus, RecognitionDecision, Signature
from ..domain.validity import local_day
from ..service_layer import recognition
from ..service_layer.problems import no_decision
from .deps import Caller, Edge, Runtime, router


class DraftIn(BaseModel):
    round_id: str = Field(min_length=1, max_length=60, description="The round whose finalised results "
                                                                   "await a decision.")


class SignatureIn(BaseModel):
    number: str = Field(min_length=1, max_length=100, examples=["2150/QĐ-UBND"])
    signed_on: IsoDate | None = Field(default=None, description="Default: today (not in the future).")
    signer_name: str = Field(min_length=2, max_length=200)
    signer_title: str = Field(min_length=2, max_length=200, examples=["KT. Chủ tịch, Phó Chủ tịch"])
    document_sha256: Sha256 = Field(description="The signed decision, uploaded first with "
                                                "POST /certification/evidence (PDF).")


class DecisionItemOut(BaseModel):
    evaluation_id: str
    product_id: str
    product_name: str
    entity_name: str
    stars: int
    certificate_number: str | None


class DecisionOut(BaseModel):
    id: str
    round_id: str
    status: DecisionStatus
    issuer_id: str
    authority: str = Field(description="The body that decides, e.g. 'UBND tỉnh …'.")
    authority_en: str
    decider: str = Field(description="Who signs, e.g. 'Chủ tịch UBND tỉnh …'.")
    items: list[DecisionItemOut]
    drafted_at: IsoDateTime
    number: str | None
    signed_on: IsoDate | None
    signer_name: str | None
    signer_title: str | None
    document_sha256: str | None
    signed_at: IsoDateTime | None


def decision_out(decision: RecognitionDecision) -> DecisionOut:
    authority, signature = decision.issuer.authority(), decision.signature
    return DecisionOut(
        id=decision.id, round_id=decision.round_id, status=decision.status, issuer_id=decision.issuer.body_id,
        authority=authority.name_vi, authority_en=authority.name_en, decider=authority.decider_vi,
        items=[DecisionItemOut(evaluation_id=i.evaluation_id, product_id=i.product_id,
                               product_name=i.product_name, entity_name=i.entity_name, stars=i.stars,
                               certificate_number=decision.certificates.get(i.evaluation_id))
               for i in decision.items],
        drafted_at=decision.drafted_at, number=signature.number if signature else None,
        signed_on=signature.signed_on if signature else None,
        signer_name=signature.signer_name if signature else None,
        signer_title=signature.signer_title if signature else None,
        document_sha256=signature.document_sha256 if signature else None, signed_at=decision.signed_at)


class AwaitingOut(BaseModel):
    round_id: str
    evaluation_id: str
    product_id: str
    product_name: str
    entity_name: str
    stars: int
    level: str = Field(description="The level whose council's result it is.")


@router.get("/awaiting-decision", response_model=list[AwaitingOut],
            summary="Finalised results that no signed recognition decision lists yet (the office's queue)")
async def awaiting(principal: Caller, runtime: Runtime, round_id: Code | None = None) -> list[AwaitingOut]:
    async with runtime.uow() as uow:
        found = await uow.repository(RecognitionRepository).awaiting(round_id)
    return [AwaitingOut(round_id=r.round_id, evaluation_id=r.evaluation_id, product_id=r.product_id,
                        product_name=r.product_name, entity_name=r.entity_name, stars=r.stars,
                        level=r.level.value) for r in found]


@router.post("/recognition-decisions", response_model=list[DecisionOut], status_code=201,
             summary="Draft the recognition decisions of a round's finalised results (one per "
                     "issuing body); 409 when none awaits a decision")
async def draft(body: DraftIn, principal: Caller, runtime: Runtime, edge: Edge) -> list[DecisionOut]:
    async with runtime.uow() as uow:
        drafted = await recognition.draft(uow, edge.ctx, body.round_id, principal)
    return [decision_out(decision) for decision in drafted]


@router.get("/recognition-decisions", response_model=list[DecisionOut],
            summary="Recognition decisions, drafted and signed")
async def listed(principal: Caller, runtime: Runtime, round_id: Code | None = None,
                 status: DecisionStatus | None = Query(default=None)) -> list[DecisionOut]:
    async with runtime.uow() as uow:
        found = await uow.repository(RecognitionRepository).listed(
            round_id=round_id, status=status.value if status else None)
    return [decision_out(decision) for decision in found]


@router.get("/recognition-decisions/{decision_id}", response_model=DecisionOut)
async def one(decision_id: RecordId, principal: Caller, runtime: Runtime) -> DecisionOut:
    async with runtime.uow() as uow:
        found = await uow.repository(RecognitionRepository).get(decision_id)
    if found is None:
        raise no_decision(decision_id)
    return decision_out(found)


@router.post("/recognition-decisions/{decision_id}/signature", response_model=DecisionOut,
             summary="The authority signed the decision: its products are recognised and their "
                     "certificates issued, citing it (emits RecognitionDecided and Certified)")
async def signed(decision_id: RecordId, body: SignatureIn, principal: Caller, runtime: Runtime,
                 edge: Edge) -> DecisionOut:
    signature = Signature(number=body.number.strip(), signed_on=body.signed_on or local_day(runtime.clock.now()),
                          signer_name=body.signer_name.strip(), signer_title=body.signer_title.strip(),
                          document_sha256=body.document_sha256)
    async with runtime.uow() as uow:
        decision = await recognition.sign(uow, edge.ctx, decision_id, signature)
    return decision_out(decision)
