"""Reporting use cases: keep one fact per event (idempotent, any order), build reports on demand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (  # not yet behind a repository: listed in pyproject's import contract, to move (issue 21)
    Table,
    select,
)

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
    Scored,
)
from ocop_shared.db.uow import UnitOfWork

from ..adapters.fact_writer import FactWriter
from ..adapters.tables import (
    certificate_events,
    entities,
    escalations,
    fair_exhibitors,
    listings,
    products,
    scores,
    submissions,
)
from ..domain.facts import (
    CertificateFact,
    EntityFact,
    EscalationFact,
    Facts,
    FairFact,
    ListingFact,
    ProductFact,
    ScoreFact,
    SubmissionFact,
    local_day,
)
from ..domain.report import Report, build_report
from ..domain.targets import period, plan


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _put(uow: UnitOfWork, table: Table, keys: dict[str, Any], values: dict[str, Any]) -> None:
    """Write a fact under its key, replacing what a re-delivery may have written before
    (sent with the rest of the batch just before the transaction commits)."""
    FactWriter.of(uow).replace(table, keys, values)


# -- handlers ------------------------------------------------------------------------------

async def on_entity_registered(event: EntityRegistered, uow: UnitOfWork) -> None:
    p = event.payload
    await _put(uow, entities, {"entity_id": p.entity_id},
               {"name": p.name, "legal_form": p.legal_form.value, "commune_code": p.commune_code,
                "province_code": p.province_code, "commune_name": p.commune_name,
                "district_code": p.district_code, "district_name": p.district_name})


async def on_product_registered(event: ProductRegistered, uow: UnitOfWork) -> None:
    p = event.payload
    await _put(uow, products, {"product_id": p.product_id},
               {"entity_id": p.entity_id, "name": p.name, "product_set_no": p.product_set_no,
                "commune_code": p.commune_code, "province_code": p.province_code})


async def on_product_submitted(event: ProductSubmitted, uow: UnitOfWork) -> None:
    p = event.payload
    e = p.entity
    await _put(uow, submissions, {"submission_id": p.submission_id},
               {"product_id": p.product_id, "entity_id": e.entity_id, "round_id": p.round_id,
                "case": p.case.value, "on": local_day(event.occurred_at)})
    # The entity's facts travel with the dossier; the registration's own facts win when both exist.
    FactWriter.of(uow).keep(entities, {"entity_id": e.entity_id},
                            {"name": e.name, "legal_form": e.legal_form.value, "commune_code": e.commune_code,
                             "province_code": e.province_code})


async def on_scored(event: Scored, uow: UnitOfWork) -> None:
    p = event.payload
    await _put(uow, scores, {"evaluation_id": p.evaluation_id}, {
        "product_id": p.product_id, "submission_id": p.submission_id, "round_id": p.round_id,
        "case": p.case.value, "level": p.level.value, "stars": p.stars, "mean_score": p.mean_score,
        "recognising": p.recognising, "escalated_to": p.escalated_to.value if p.escalated_to else None,
        "product_name": p.product_name, "product_set_no": p.product_set_no, "entity_id": p.entity_id,
        "entity_name": p.entity_name, "commune_code": p.commune_code, "province_code": p.province_code,
        "on": local_day(event.occurred_at), "at": event.occurred_at})


async def on_evaluation_escalated(event: EvaluationEscalated, uow: UnitOfWork) -> None:
    p = event.payload
    await _put(uow, escalations, {"evaluation_id": p.evaluation_id}, {
        "product_id": p.product_id, "submission_id": p.submission_id, "from_level": p.from_level.value,
        "to_level": p.to_level.value, "stars": p.stars, "on": local_day(event.occurred_at)})


async def _certificate(uow: UnitOfWork, kind: str, certificate_id: str, product_id: str, number: str,
                       on: Any, stars: int | None = None, product_name: str = "") -> None:
    await _put(uow, certificate_events, {"certificate_id": certificate_id, "kind": kind},
               {"product_id": product_id, "number": number, "on": on, "stars": stars,
                "product_name": product_name})


async def on_certified(event: Certified, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate(uow, "certified", p.certificate_id, p.product_id, p.number, p.issued_on, p.stars,
                       p.product_name)


async def on_certificate_revoked(event: CertificateRevoked, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate(uow, "revoked", p.certificate_id, p.product_id, p.number, p.revoked_on)


async def on_certificate_expired(event: CertificateExpired, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate(uow, "expired", p.certificate_id, p.product_id, p.number, p.expired_on)


async def on_certificate_superseded(event: CertificateSuperseded, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate(uow, "superseded", p.certificate_id, p.product_id, p.number,
                       local_day(event.occurred_at))


async def on_certificate_extended(event: CertificateExtended, uow: UnitOfWork) -> None:
    p = event.payload
    await _certificate(uow, "extended", p.certificate_id, p.product_id, p.number,
                       local_day(event.occurred_at))


async def on_catalog_entry_added(event: CatalogEntryAdded, uow: UnitOfWork) -> None:
    p = event.payload
    await _put(uow, listings, {"catalog_id": p.catalog_id, "catalog_version": p.catalog_version},
               {"product_id": p.product_id, "listed": True, "on": local_day(event.occurred_at),
                "product_name": p.product_name, "stars": p.stars})


async def on_catalog_entry_removed(event: CatalogEntryRemoved, uow: UnitOfWork) -> None:
    p = event.payload
    await _put(uow, listings, {"catalog_id": p.catalog_id, "catalog_version": p.catalog_version},
               {"product_id": p.product_id, "listed": False, "on": local_day(event.occurred_at),
                "product_name": "", "stars": None})


async def on_fair_exhibitor_registered(event: FairExhibitorRegistered, uow: UnitOfWork) -> None:
    p = event.payload
    await _put(uow, fair_exhibitors, {"fair_id": p.fair_id, "product_id": p.product_id},
               {"fair_name": p.fair_name, "place": p.place, "starts_on": p.starts_on,
                "ends_on": p.ends_on, "product_name": p.product_name, "stars": p.stars})



# -- queries -------------------------------------------------------------------------------

async def load_facts(uow: UnitOfWork) -> Facts:
    s = uow.session
    facts = Facts()
    for r in (await s.execute(select(entities))).all():
        facts.entities[r.entity_id] = EntityFact(r.entity_id, r.legal_form, r.commune_code,
                                                 r.province_code, r.name, r.commune_name,
                                                 r.district_code, r.district_name)
    for r in (await s.execute(select(products))).all():
        facts.products[r.product_id] = ProductFact(r.product_id, r.entity_id, r.name, r.product_set_no,
                                                   r.commune_code, r.province_code)
    facts.submissions = [SubmissionFact(r.submission_id, r.product_id, r.entity_id, r.round_id, r.case, r.on)
                         for r in (await s.execute(select(submissions))).all()]
    facts.scores = [ScoreFact(
        evaluation_id=r.evaluation_id, product_id=r.product_id, submission_id=r.submission_id,
        round_id=r.round_id, case=r.case, level=r.level, stars=r.stars, mean_score=Decimal(r.mean_score),
        recognising=r.recognising, escalated_to=r.escalated_to, product_name=r.product_name,
        product_set_no=r.product_set_no, entity_id=r.entity_id, entity_name=r.entity_name,
        commune_code=r.commune_code, province_code=r.province_code, on=r.on, at=_utc(r.at))
        for r in (await s.execute(select(scores))).all()]
    facts.escalations = [EscalationFact(r.evaluation_id, r.product_id, r.submission_id, r.from_level,
                                        r.to_level, r.stars, r.on)
                         for r in (await s.execute(select(escalations))).all()]
    facts.certificates = [CertificateFact(r.certificate_id, r.kind, r.product_id, r.number, r.on, r.stars,
                                          r.product_name)
                          for r in (await s.execute(select(certificate_events))).all()]
    facts.listings = [ListingFact(r.catalog_id, r.catalog_version, r.product_id, r.listed, r.on,
                                  r.product_name, r.stars)
                      for r in (await s.execute(select(listings))).all()]
    facts.fairs = [FairFact(r.fair_id, r.product_id, r.fair_name, r.place, r.starts_on, r.ends_on,
                            r.product_name, r.stars)
                   for r in (await s.execute(select(fair_exhibitors))).all()]
    return facts


async def report(uow: UnitOfWork, year: int, kind: str) -> Report:
    facts = await load_facts(uow)
    return build_report(facts, period(year, kind), plan(year), uow.clock.now(), uow.settings.province_name)
