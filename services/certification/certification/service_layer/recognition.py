"""Recognition decisions: drafted by the office from a round's finalised results, signed by the
authority's signer, and only then do the products hold certificates (citing the decision)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date

from ocop_shared.auth import Principal
from ocop_shared.contracts.scoring_events import ScoredPayload
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, Invalid
from ocop_shared.i18n import message

from ..adapters.findings import FindingsRepository
from ..adapters.recognition import RecognitionRepository
from ..domain.authority import Issuer, recognising_issuer
from ..domain.errors import DomainError
from ..domain.recognition import DecisionItem, RecognitionDecision, Signature
from ..domain.validity import local_day
from .context import Context
from .issuance import issue_recognised
from .problems import no_decision, problem


def issuer_of(result: ScoredPayload, ctx: Context, on: date) -> Issuer:
    return recognising_issuer(regulation=result.regulation, stars=result.stars, decided_on=on,
                              province=ctx.province, district=result.district_name,
                              level=result.recognised_by.value if result.recognised_by else None)


async def draft(uow: UnitOfWork, ctx: Context, round_id: str, principal: Principal) -> list[RecognitionDecision]:
    """One draft per issuing body for the round's results that no decision lists yet."""
    repo = uow.repository(RecognitionRepository)
    now = uow.clock.now()
    by_issuer: dict[Issuer, list[DecisionItem]] = defaultdict(list)
    for result in await repo.undecided(round_id):
        by_issuer[issuer_of(result, ctx, local_day(now))].append(DecisionItem(
            evaluation_id=result.evaluation_id, product_id=result.product_id,
            product_name=result.product_name, entity_name=result.entity_name, stars=result.stars))
    if not by_issuer:
        raise Conflict(message("certification.decision_lists_no_result", round_id=round_id),
                       slug="nothing-to-decide")
    drafts = [RecognitionDecision.draft(id=str(uuid.uuid4()), round_id=round_id, issuer=issuer,
                                        items=items, at=now, by=principal.subject)
              for issuer, items in by_issuer.items()]
    for decision in drafts:
        await repo.add(decision)
    await uow.commit()
    return drafts


async def sign(uow: UnitOfWork, ctx: Context, decision_id: str, signature: Signature) -> RecognitionDecision:
    """The signer's decision, with its signed PDF (uploaded as evidence first): the listed
    products are recognised and their certificates issued, citing it."""
    repo = uow.repository(RecognitionRepository)
    decision = await repo.get(decision_id, for_update=True)
    if decision is None:
        raise no_decision(decision_id)
    if signature.signed_on > local_day(uow.clock.now()):
        raise Invalid(message("certification.decision_cannot_dated_future"), field="signed_on")
    files = await uow.repository(FindingsRepository).evidence_files([signature.document_sha256])
    stored = files.get(signature.document_sha256)
    if stored is None or stored.content_type != "application/pdf":
        raise Invalid(message("certification.decision_document_not_uploaded"), field="document_sha256")
    try:
        decision.sign(signature, at=uow.clock.now(), drafted_on=local_day(decision.drafted_at))
    except DomainError as error:
        raise problem(error) from error
    results = await repo.results_of(decision.id)
    issued = {}
    for item in decision.items:
        result, flow = results[item.evaluation_id]
        record = await issue_recognised(uow, ctx, result, issuer=decision.issuer, signature=signature,
                                        flow=flow)
        if record is not None:
            issued[item.evaluation_id] = record.number
    decision.announce(issued)
    await uow.publish(decision)
    await repo.save(decision)
    await uow.commit()
    return decision
