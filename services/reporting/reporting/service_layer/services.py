"""Reporting use cases: keep one fact per event (idempotent, any order), build reports on demand."""

from __future__ import annotations

from ocop_shared.contracts import (
    CatalogEntryAdded,
    CatalogEntryRemoved,
    CertificateExpired,
    CertificateExtended,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    EntityRegistered,
    EvaluationEscalated,
    FairExhibitorRegistered,
    ProductRegistered,
    ProductSubmitted,
    RecognitionDecided,
    Scored,
)
from ocop_shared.db.uow import UnitOfWork

from ..adapters.fact_repository import FactRepository
from ..domain.facts import (
    CertificateFact,
    EntityFact,
    EscalationFact,
    Facts,
    FairFact,
    ListingFact,
    ProductFact,
    RecognitionFact,
    ScoreFact,
    SubmissionFact,
    local_day,
)
from ..domain.report import Report, build_report
from ..domain.targets import period, plan


def _facts(uow: UnitOfWork) -> FactRepository:
    """This transaction's facts; what the handlers write is sent in bulk just before it commits."""
    repository = uow.repository(FactRepository)
    uow.before_commit("reporting.facts", repository.send)
    return repository


# -- handlers ------------------------------------------------------------------------------

async def on_entity_registered(event: EntityRegistered, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(EntityFact(
        entity_id=p.entity_id, name=p.name, legal_form=p.legal_form.value,
        commune_code=p.commune_code, province_code=p.province_code, commune_name=p.commune_name,
        district_code=p.district_code, district_name=p.district_name))


async def on_product_registered(event: ProductRegistered, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(ProductFact(
        product_id=p.product_id, entity_id=p.entity_id, name=p.name,
        product_set_no=p.product_set_no, commune_code=p.commune_code, province_code=p.province_code))


async def on_product_submitted(event: ProductSubmitted, uow: UnitOfWork) -> None:
    p = event.payload
    e = p.entity
    facts = _facts(uow)
    facts.put(SubmissionFact(
        submission_id=p.submission_id, product_id=p.product_id, entity_id=e.entity_id,
        round_id=p.round_id, case=p.case.value, on=local_day(event.occurred_at)))
    # The entity's facts travel with the dossier; the registration's own facts win when both exist.
    facts.keep(EntityFact(entity_id=e.entity_id, name=e.name, legal_form=e.legal_form.value,
                          commune_code=e.commune_code, province_code=e.province_code))


async def on_scored(event: Scored, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(ScoreFact(
        evaluation_id=p.evaluation_id, product_id=p.product_id, submission_id=p.submission_id,
        round_id=p.round_id, case=p.case.value, level=p.level.value, stars=p.stars,
        mean_score=p.mean_score, recognising=p.recognising,
        escalated_to=p.escalated_to.value if p.escalated_to else None,
        product_name=p.product_name, product_set_no=p.product_set_no, entity_id=p.entity_id,
        entity_name=p.entity_name, commune_code=p.commune_code, province_code=p.province_code,
        on=local_day(event.occurred_at), at=event.occurred_at))


async def on_evaluation_escalated(event: EvaluationEscalated, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(EscalationFact(
        evaluation_id=p.evaluation_id, product_id=p.product_id, submission_id=p.submission_id,
        from_level=p.from_level.value, to_level=p.to_level.value, stars=p.stars,
        on=local_day(event.occurred_at)))


async def on_recognition_decided(event: RecognitionDecided, uow: UnitOfWork) -> None:
    p = event.payload
    facts = _facts(uow)
    for product in p.products:
        facts.put(RecognitionFact(evaluation_id=product.evaluation_id, product_id=product.product_id,
                                  decision_number=p.number, signed_on=p.signed_on))


async def on_certified(event: Certified, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(CertificateFact(p.certificate_id, "certified", p.product_id, p.number,
                                    p.issued_on, p.stars, p.product_name))


async def on_certificate_revoked(event: CertificateRevoked, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(CertificateFact(p.certificate_id, "revoked", p.product_id, p.number, p.revoked_on))


async def on_certificate_expired(event: CertificateExpired, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(CertificateFact(p.certificate_id, "expired", p.product_id, p.number, p.expired_on))


async def on_certificate_superseded(event: CertificateSuperseded, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(CertificateFact(p.certificate_id, "superseded", p.product_id, p.number,
                                    local_day(event.occurred_at)))


async def on_certificate_extended(event: CertificateExtended, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(CertificateFact(p.certificate_id, "extended", p.product_id, p.number,
                                    local_day(event.occurred_at)))


async def on_catalog_entry_added(event: CatalogEntryAdded, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(ListingFact(p.catalog_id, p.catalog_version, p.product_id, listed=True,
                                on=local_day(event.occurred_at), product_name=p.product_name,
                                stars=p.stars))


async def on_catalog_entry_removed(event: CatalogEntryRemoved, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(ListingFact(p.catalog_id, p.catalog_version, p.product_id, listed=False,
                                on=local_day(event.occurred_at), product_name="", stars=None))


async def on_fair_exhibitor_registered(event: FairExhibitorRegistered, uow: UnitOfWork) -> None:
    p = event.payload
    _facts(uow).put(FairFact(
        fair_id=p.fair_id, product_id=p.product_id, fair_name=p.fair_name, place=p.place,
        starts_on=p.starts_on, ends_on=p.ends_on, product_name=p.product_name, stars=p.stars))


# -- queries -------------------------------------------------------------------------------

async def load_facts(uow: UnitOfWork) -> Facts:
    return await uow.repository(FactRepository).load()


async def report(uow: UnitOfWork, year: int, kind: str) -> Report:
    facts = await load_facts(uow)
    settings = uow.settings
    return build_report(facts, period(year, kind), plan(year, settings.province_code), uow.clock.now(),
                        settings.province_name)
