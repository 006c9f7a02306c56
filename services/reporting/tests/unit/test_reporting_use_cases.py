"""Reporting's use cases on in-memory repositories: each event kept as one fact under its key
(re-deliveries and any order leave the same facts), the report built from them, the audit
trail's copy, search and CSV. No database: `FakeUnitOfWork` and the fakes in `reporting_fakes.py`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from reporting_fakes import FakeAuditRepository, FakeFactRepository

from ocop_shared.clock import ManualClock
from ocop_shared.contracts import (
    AuditRecorded,
    CatalogEntryAdded,
    CatalogEntryRemoved,
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
from ocop_shared.contracts.audit_events import AuditRecordedPayload
from ocop_shared.contracts.certification_events import (
    CertificateRevokedPayload,
    CertificateSupersededPayload,
    CertifiedPayload,
    RecognisedProduct,
    RecognitionDecidedPayload,
)
from ocop_shared.contracts.common import EntityFacts, EvaluationCase, LegalForm, Level
from ocop_shared.contracts.registry_events import (
    EntityRegisteredPayload,
    ProductRegisteredPayload,
    ProductSubmittedPayload,
)
from ocop_shared.contracts.scoring_events import EvaluationEscalatedPayload, ScoredPayload
from ocop_shared.contracts.trade_events import (
    CatalogEntryAddedPayload,
    CatalogEntryRemovedPayload,
    FairExhibitorRegisteredPayload,
    RemovalReason,
)
from ocop_shared.fakes import FakeUnitOfWork
from ocop_shared.messaging.outbox import new_event
from reporting.adapters.audit_repository import AuditRepository
from reporting.adapters.fact_repository import FactRepository
from reporting.domain.audit import AuditQuery, AuditRecord
from reporting.domain.facts import (
    CertificateFact,
    EntityFact,
    EscalationFact,
    FairFact,
    ListingFact,
    ProductFact,
    RecognitionFact,
    ScoreFact,
    SubmissionFact,
)
from reporting.domain.targets import UnknownPeriod
from reporting.service_layer import audit, services

# 2021-04-20 10:00 in Vietnam: the facts' day is Vietnam's
CLOCK = ManualClock(datetime(2021, 4, 20, 3, tzinfo=UTC))
REG = "1048/QĐ-TTg"


def event(cls: Any, payload: Any, aggregate_id: str = "a1", at: datetime | None = None) -> Any:
    clock = ManualClock(at) if at else CLOCK
    return new_event(cls, payload, aggregate_id=aggregate_id, aggregate_version=1,
                     producer="elsewhere", clock=clock)


def unit_of_work(facts: FakeFactRepository | None = None,
                 trail: FakeAuditRepository | None = None) -> FakeUnitOfWork:
    return FakeUnitOfWork({FactRepository: facts or FakeFactRepository(),
                           AuditRepository: trail or FakeAuditRepository()},
                          clock=CLOCK, producer="reporting")


async def consume(uow: FakeUnitOfWork, *events: Any) -> None:
    """As the consumer does: a batch of events in one transaction, then commit."""
    handlers: dict[type[Any], Callable[[Any, FakeUnitOfWork], Awaitable[None]]] = {
        EntityRegistered: services.on_entity_registered,
        ProductRegistered: services.on_product_registered,
        ProductSubmitted: services.on_product_submitted, Scored: services.on_scored,
        EvaluationEscalated: services.on_evaluation_escalated,
        RecognitionDecided: services.on_recognition_decided,
        Certified: services.on_certified, CertificateRevoked: services.on_certificate_revoked,
        CertificateSuperseded: services.on_certificate_superseded,
        CatalogEntryAdded: services.on_catalog_entry_added,
        CatalogEntryRemoved: services.on_catalog_entry_removed,
        FairExhibitorRegistered: services.on_fair_exhibitor_registered,
        AuditRecorded: audit.on_audit_recorded}
    async with uow:
        for e in events:
            await handlers[type(e)](e, uow)
        await uow.commit()


def registered(entity_id: str = "e1", name: str = "HTX Châu Đốc") -> Any:
    return event(EntityRegistered, EntityRegisteredPayload(
        entity_id=entity_id, name=name, legal_form=LegalForm.COOPERATIVE, commune_code="30316",
        province_code="89", commune_name="Phường Châu Phú A", district_code="884",
        district_name="Thành phố Châu Đốc"), entity_id)


def submitted(entity_name: str = "Tên trong hồ sơ") -> Any:
    return event(ProductSubmitted, ProductSubmittedPayload(
        product_id="p1", submission_id="s1", round_id="AG-2021-R1", case=EvaluationCase.FIRST,
        product_name="Mắm cá linh", product_set_no=9, regulation=REG,
        entity=EntityFacts(entity_id="e1", name=entity_name, legal_form=LegalForm.HOUSEHOLD,
                           commune_code="30337", province_code="89")), "p1")


def scored(evaluation_id: str = "v1", stars: int = 4, recognising: bool = True,
           escalated_to: Level | None = None) -> Any:
    return event(Scored, ScoredPayload(
        evaluation_id=evaluation_id, product_id="p1", submission_id="s1", round_id="AG-2021-R1",
        case=EvaluationCase.FIRST, regulation=REG, level=Level.PROVINCE, recognising=recognising,
        stars=stars, mean_score=Decimal("73.50"), part_scores={"A": Decimal(30)},
        council_decision_ref="QĐ 1/QĐ-UBND", product_name="Mắm cá linh", product_set_no=9,
        entity_id="e1", entity_name="HTX Châu Đốc", commune_code="30316", province_code="89",
        escalated_to=escalated_to), evaluation_id)


def decided(evaluation_id: str = "v1") -> Any:
    return event(RecognitionDecided, RecognitionDecidedPayload(
        decision_id="d1", round_id="AG-2021-R1", number="512/QĐ-UBND", signed_on=date(2021, 4, 24),
        signer_name="Trần Văn B", signer_title="KT. Chủ tịch, Phó Chủ tịch",
        issuer_id="province-committee", authority="UBND tỉnh An Giang",
        products=[RecognisedProduct(evaluation_id=evaluation_id, product_id="p1",
                                    product_name="Mắm cá linh", stars=4)],
        document_sha256="a" * 64), "d1")


def certified() -> Any:
    return event(Certified, CertifiedPayload(
        certificate_id="c1", number="89-2021-00001", product_id="p1", product_code="P1",
        product_name="Mắm cá linh", entity_id="e1", entity_name="HTX Châu Đốc", stars=4,
        regulation=REG, decision_no="QĐ 2/QĐ-UBND", issued_on=date(2021, 4, 25),
        valid_until=date(2024, 4, 24), authority="UBND tỉnh An Giang",
        verification_url="https://ocop.example/v/c1"), "c1")


def audit_recorded(record_id: str = "r1", *, actor_name: str = "Nguyễn Văn An",
                   action: str = "POST /certification/certificates/{id}/revocation",
                   summary: str = "certificate revoked", at: datetime | None = None) -> Any:
    return event(AuditRecorded, AuditRecordedPayload(
        record_id=record_id, service="certification", actor="sub-an", actor_name=actor_name,
        actor_roles=["province_office", "inspector"], action=action, aggregate_type="certificate",
        aggregate_id="c1", summary=summary, refs={"product_id": "p1"},
        client_address="10.0.0.7"), "c1", at)


# -- facts -----------------------------------------------------------------------------------

async def test_an_entity_registration_is_kept_with_its_address_once_the_batch_commits() -> None:
    facts = FakeFactRepository()
    uow = unit_of_work(facts)
    await consume(uow, registered())
    assert facts.of(EntityFact) == [EntityFact(
        entity_id="e1", legal_form="cooperative", commune_code="30316", province_code="89",
        name="HTX Châu Đốc", commune_name="Phường Châu Phú A", district_code="884",
        district_name="Thành phố Châu Đốc")]
    assert uow.commits == 1 and facts.sends == 1
    assert uow.events == []  # a projection publishes nothing


async def test_facts_written_in_a_transaction_that_does_not_commit_are_not_kept() -> None:
    facts = FakeFactRepository()
    uow = unit_of_work(facts)
    async with uow:
        await services.on_entity_registered(registered(), uow)
    assert facts.of(EntityFact) == [] and uow.commits == 0 and facts.sends == 0


async def test_a_dossier_fills_in_an_unknown_entity_but_the_registration_wins_in_either_order() -> None:
    dossier_first = FakeFactRepository()
    await consume(unit_of_work(dossier_first), submitted())
    assert [(f.name, f.legal_form, f.commune_code) for f in dossier_first.of(EntityFact)] == [
        ("Tên trong hồ sơ", "household", "30337")]
    assert dossier_first.of(SubmissionFact) == [SubmissionFact(
        "s1", "p1", "e1", "AG-2021-R1", "first", date(2021, 4, 20))]
    await consume(unit_of_work(dossier_first), registered())
    await consume(unit_of_work(dossier_first), submitted("a later dossier"))
    assert [f.name for f in dossier_first.of(EntityFact)] == ["HTX Châu Đốc"]

    same_batch = FakeFactRepository()
    await consume(unit_of_work(same_batch), registered(), submitted())
    assert [f.name for f in same_batch.of(EntityFact)] == ["HTX Châu Đốc"]


async def test_a_redelivered_score_replaces_its_fact_instead_of_adding_one() -> None:
    facts = FakeFactRepository()
    await consume(unit_of_work(facts), scored(stars=3), scored(stars=4))
    await consume(unit_of_work(facts), scored(stars=4))
    [score] = facts.of(ScoreFact)
    assert (score.evaluation_id, score.stars, score.mean_score, score.level, score.case) == (
        "v1", 4, Decimal("73.50"), "province", "first")
    assert score.on == date(2021, 4, 20) and score.at == CLOCK.now()


async def test_an_escalation_and_a_forwarded_score_are_kept_with_their_levels() -> None:
    facts = FakeFactRepository()
    await consume(unit_of_work(facts), scored(stars=5, recognising=False, escalated_to=Level.CENTRAL),
                  event(EvaluationEscalated, EvaluationEscalatedPayload(
                      evaluation_id="v1", product_id="p1", submission_id="s1", round_id="AG-2021-R1",
                      from_level=Level.PROVINCE, to_level=Level.CENTRAL, next_evaluation_id="v2",
                      mean_score=Decimal(91), stars=5), "v1"))
    assert facts.of(ScoreFact)[0].escalated_to == "central"
    assert facts.of(EscalationFact) == [EscalationFact("v1", "p1", "s1", "province", "central", 5,
                                                       date(2021, 4, 20))]


async def test_each_certificate_event_is_one_fact_per_certificate_and_kind() -> None:
    facts = FakeFactRepository()
    revoked = event(CertificateRevoked, CertificateRevokedPayload(
        certificate_id="c1", number="89-2021-00001", product_id="p1", grounds=[1],
        decision_no="QĐ 3", revoked_on=date(2021, 6, 1), reason="vi phạm"), "c1")
    superseded = event(CertificateSuperseded, CertificateSupersededPayload(
        certificate_id="c1", number="89-2021-00001", product_id="p1", superseded_by="c2"), "c1")
    await consume(unit_of_work(facts), certified(), revoked, revoked, superseded)
    assert sorted(facts.of(CertificateFact), key=lambda c: c.kind) == [
        CertificateFact("c1", "certified", "p1", "89-2021-00001", date(2021, 4, 25), 4, "Mắm cá linh"),
        CertificateFact("c1", "revoked", "p1", "89-2021-00001", date(2021, 6, 1)),
        CertificateFact("c1", "superseded", "p1", "89-2021-00001", date(2021, 4, 20)),
    ]


async def test_catalog_changes_are_kept_by_catalog_version_a_removal_without_name_or_stars() -> None:
    facts = FakeFactRepository()
    added = event(CatalogEntryAdded, CatalogEntryAddedPayload(
        catalog_id="province", catalog_version=1, product_id="p1", product_name="Mắm cá linh",
        product_code="P1", entity_name="HTX", stars=4, certificate_number="89-2021-00001",
        valid_until=date(2024, 4, 24), verification_url="https://ocop.example/v/c1"))
    removed = event(CatalogEntryRemoved, CatalogEntryRemovedPayload(
        catalog_id="province", catalog_version=2, product_id="p1",
        certificate_number="89-2021-00001", reason=next(iter(RemovalReason))))
    await consume(unit_of_work(facts), removed, added)
    assert sorted(facts.of(ListingFact), key=lambda f: f.catalog_version) == [
        ListingFact("province", 1, "p1", True, date(2021, 4, 20), "Mắm cá linh", 4),
        ListingFact("province", 2, "p1", False, date(2021, 4, 20), "", None)]


async def test_a_fair_exhibitor_and_a_product_registration_are_kept() -> None:
    facts = FakeFactRepository()
    await consume(unit_of_work(facts), event(FairExhibitorRegistered, FairExhibitorRegisteredPayload(
        fair_id="f1", fair_name="Hội chợ OCOP", starts_on=date(2021, 5, 1), ends_on=date(2021, 5, 5),
        place="Long Xuyên", product_id="p1", product_name="Mắm cá linh", entity_name="HTX", stars=4,
        certificate_number="89-2021-00001")), event(ProductRegistered, ProductRegisteredPayload(
            product_id="p1", entity_id="e1", name="Mắm cá linh", product_set_no=9,
            commune_code="30316", province_code="89")))
    assert facts.of(FairFact) == [FairFact("f1", "p1", "Hội chợ OCOP", "Long Xuyên", date(2021, 5, 1),
                                           date(2021, 5, 5), "Mắm cá linh", 4)]
    assert facts.of(ProductFact) == [ProductFact("p1", "e1", "Mắm cá linh", 9, "30316", "89")]


# -- the report ------------------------------------------------------------------------------

async def test_a_result_reads_recognised_only_once_its_decision_is_signed() -> None:
    facts = FakeFactRepository()
    await consume(unit_of_work(facts), registered(), submitted(), scored(stars=4))
    awaiting = await services.report(unit_of_work(facts), 2021, "half-year")
    assert [(p.product_name, p.status) for p in awaiting.products] == [("Mắm cá linh", "awaiting_decision")]
    assert awaiting.summary.three_plus == 1, "a 3★+ result awaiting its decision is still evaluated 3★+"
    assert [(r.stars, r.recognised, r.awaiting_decision) for r in awaiting.by_star if r.products] == [(4, 0, 1)]
    await consume(unit_of_work(facts), decided())
    assert facts.of(RecognitionFact) == [RecognitionFact("v1", "p1", "512/QĐ-UBND", date(2021, 4, 24))]
    recognised = await services.report(unit_of_work(facts), 2021, "half-year")
    assert [p.status for p in recognised.products] == ["recognised"]
    assert [(r.recognised, r.awaiting_decision) for r in recognised.by_star if r.products] == [(1, 0)]


async def test_the_report_is_built_from_the_kept_facts_and_writes_nothing() -> None:
    facts = FakeFactRepository()
    await consume(unit_of_work(facts), registered(), submitted(), scored(stars=4), decided(), certified())
    uow = unit_of_work(facts)
    async with uow:
        built = await services.report(uow, 2021, "half-year")
    assert (built.year, built.period, built.generated_at) == (2021, "half-year", CLOCK.now())
    assert (built.summary.evaluated, built.summary.three_plus, built.summary.entities) == (1, 1, 1)
    assert [(r.stars, r.products, r.recognised) for r in built.by_star if r.products] == [(4, 1, 1)]
    assert [(p.product_name, p.status, p.district_name) for p in built.products] == [
        ("Mắm cá linh", "recognised", "Thành phố Châu Đốc")]
    assert uow.commits == 0 and uow.events == []


async def test_a_report_for_an_unknown_period_is_refused() -> None:
    uow = unit_of_work()
    with pytest.raises(UnknownPeriod):
        async with uow:
            await services.report(uow, 2021, "quarter")
    assert uow.commits == 0 and uow.events == []


# -- the audit trail -------------------------------------------------------------------------

async def test_an_audit_record_is_kept_once_with_its_aggregate_among_its_refs() -> None:
    trail = FakeAuditRepository()
    uow = unit_of_work(trail=trail)
    first = audit_recorded()
    await consume(uow, first, first)
    await consume(uow, audit_recorded(summary="a re-delivery"))
    [record] = trail.records.values()
    assert record == AuditRecord(
        record_id="r1", recorded_at=CLOCK.now(), service="certification", actor="sub-an",
        actor_name="Nguyễn Văn An", actor_roles="province_office,inspector",
        action="POST /certification/certificates/{id}/revocation", aggregate_type="certificate",
        aggregate_id="c1", summary="certificate revoked",
        correlation_id=first.correlation_id, client_address="10.0.0.7",
        refs={"product_id": "p1", "certificate": "c1"})
    assert uow.events == []


async def test_the_trail_is_searched_newest_first_by_person_and_ref() -> None:
    trail = FakeAuditRepository()
    await consume(unit_of_work(trail=trail),
                  audit_recorded("r1", at=datetime(2021, 4, 1, tzinfo=UTC)),
                  audit_recorded("r2", at=datetime(2021, 4, 2, tzinfo=UTC)),
                  audit_recorded("r3", actor_name="Trần Thị Bình", at=datetime(2021, 4, 3, tzinfo=UTC)))
    uow = unit_of_work(trail=trail)
    async with uow:
        rows, total = await audit.search(uow, AuditQuery(person="văn an",
                                                         refs=(("certificate", "c1"),)), 1, 0)
    assert ([r.record_id for r in rows], total) == (["r2"], 2)


async def test_the_csv_export_is_excel_friendly_and_defuses_formulas() -> None:
    trail = FakeAuditRepository()
    await consume(unit_of_work(trail=trail), audit_recorded(summary="=HYPERLINK(\"x\")"))
    uow = unit_of_work(trail=trail)
    async with uow:
        body = await audit.as_csv(uow, AuditQuery())
    assert body.startswith("\ufeffrecorded_at,service,actor")
    line = body.splitlines()[1]
    assert line.startswith("20/04/2021 10:00:00,certification,sub-an,Nguyễn Văn An")
    assert "'=HYPERLINK" in line and '{""certificate"": ""c1"", ""product_id"": ""p1""}' in line
