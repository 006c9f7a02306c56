"""The projection's facts in reporting's database: one row per fact under its natural key.

Writes are collected and sent in bulk just before the transaction commits (`FactWriter`):
the use case that writes facts registers `send` with its unit of work.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.facts import (
    NATURAL_KEY,
    CertificateFact,
    EntityFact,
    EscalationFact,
    Fact,
    Facts,
    FairFact,
    ListingFact,
    ProductFact,
    RecognitionFact,
    ScoreFact,
    SubmissionFact,
)
from .fact_writer import FactWriter
from .tables import (
    certificate_events,
    entities,
    escalations,
    fair_exhibitors,
    listings,
    products,
    recognitions,
    scores,
    submissions,
)

# Where each kind of fact is kept (under its NATURAL_KEY)
_TABLES: dict[type[Fact], Table] = {
    EntityFact: entities,
    ProductFact: products,
    SubmissionFact: submissions,
    ScoreFact: scores,
    EscalationFact: escalations,
    RecognitionFact: recognitions,
    CertificateFact: certificate_events,
    ListingFact: listings,
    FairFact: fair_exhibitors,
}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._writer = FactWriter(session)

    def put(self, fact: Fact) -> None:
        """Keep `fact`, replacing what an earlier delivery wrote under its key."""
        table, keys, values = self._row(fact)
        self._writer.replace(table, keys, values)

    def keep(self, fact: Fact) -> None:
        """Keep `fact` unless a fact with its key is already kept."""
        table, keys, values = self._row(fact)
        self._writer.keep(table, keys, values)

    async def send(self) -> None:
        """Write what `put` and `keep` collected (called just before the commit)."""
        await self._writer.send()

    @staticmethod
    def _row(fact: Fact) -> tuple[Table, dict[str, object], dict[str, object]]:
        table, key_names = _TABLES[type(fact)], NATURAL_KEY[type(fact)]
        row = {f.name: getattr(fact, f.name) for f in fields(fact)}  # flat values: no deep copy
        keys = {name: row.pop(name) for name in key_names}
        return table, keys, row

    async def load(self) -> Facts:
        """Every fact kept, for a report."""
        s = self.session
        facts = Facts()
        for r in (await s.execute(select(entities))).all():
            facts.entities[r.entity_id] = EntityFact(r.entity_id, r.legal_form, r.commune_code,
                                                     r.province_code, r.name, r.commune_name,
                                                     r.district_code, r.district_name)
        for r in (await s.execute(select(products))).all():
            facts.products[r.product_id] = ProductFact(r.product_id, r.entity_id, r.name,
                                                       r.product_set_no, r.commune_code, r.province_code)
        facts.submissions = [SubmissionFact(r.submission_id, r.product_id, r.entity_id, r.round_id,
                                            r.case, r.on)
                             for r in (await s.execute(select(submissions))).all()]
        facts.scores = [ScoreFact(
            evaluation_id=r.evaluation_id, product_id=r.product_id, submission_id=r.submission_id,
            round_id=r.round_id, case=r.case, level=r.level, stars=r.stars,
            mean_score=Decimal(r.mean_score), recognising=r.recognising, escalated_to=r.escalated_to,
            product_name=r.product_name, product_set_no=r.product_set_no, entity_id=r.entity_id,
            entity_name=r.entity_name, commune_code=r.commune_code, province_code=r.province_code,
            on=r.on, at=_utc(r.at))
            for r in (await s.execute(select(scores))).all()]
        facts.escalations = [EscalationFact(r.evaluation_id, r.product_id, r.submission_id,
                                            r.from_level, r.to_level, r.stars, r.on)
                             for r in (await s.execute(select(escalations))).all()]
        facts.recognitions = {r.evaluation_id: RecognitionFact(r.evaluation_id, r.product_id,
                                                               r.decision_number, r.signed_on)
                              for r in (await s.execute(select(recognitions))).all()}
        facts.certificates = [CertificateFact(r.certificate_id, r.kind, r.product_id, r.number, r.on,
                                              r.stars, r.product_name)
                              for r in (await s.execute(select(certificate_events))).all()]
        facts.listings = [ListingFact(r.catalog_id, r.catalog_version, r.product_id, r.listed, r.on,
                                      r.product_name, r.stars)
                          for r in (await s.execute(select(listings))).all()]
        facts.fairs = [FairFact(r.fair_id, r.product_id, r.fair_name, r.place, r.starts_on,
                                r.ends_on, r.product_name, r.stars)
                       for r in (await s.execute(select(fair_exhibitors))).all()]
        return facts
