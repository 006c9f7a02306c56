"""The registry's use cases and event handlers over in-memory repositories (tests/unit/registry_fakes.py):
what they store, the events they send (numbered in each aggregate's stream) and what they
refuse, with nothing committed. No database: `FakeUnitOfWork` and the fakes."""

from __future__ import annotations

# Over 400 lines on purpose: every use case's tests share the builders below; sections follow
# the service layer's modules (entities, dossiers, grants, handlers).
import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from registry_fakes import FakeCatalogue, FakePlaces, Fakes

from ocop_shared.auth import Access, Principal, Role, VerifiedToken
from ocop_shared.auth.logins import login_key
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import (
    AccessGranted,
    AccessRevoked,
    CertificateRevoked,
    Certified,
    CouncilAssigned,
    EntityRegistered,
    ProductRegistered,
    ProductSubmitted,
    Scored,
    SubmissionWithdrawn,
)
from ocop_shared.contracts.certification_events import CertificateRevokedPayload, CertifiedPayload
from ocop_shared.contracts.common import EvaluationCase, LegalForm, Level
from ocop_shared.contracts.scoring_events import CouncilAssignedPayload, ScoredPayload
from ocop_shared.errors import Conflict, Forbidden, Invalid, NotFound
from ocop_shared.fakes import FakeUnitOfWork
from ocop_shared.messaging.outbox import new_event
from registry.domain.documents import Document, DocumentKind
from registry.domain.dossier import Claim, Dossier, DossierStatus, Form01, Form02, Form03
from registry.domain.model import Entity, Product, ProductStatus, TimelineEntry
from registry.domain.personal_data import ConsentGiven
from registry.domain.rounds import Round
from registry.service_layer import access, services

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
CLOCK = ManualClock(NOW)
REGULATION = services.REGULATION_IN_FORCE
CATALOGUE = FakeCatalogue(REGULATION)
COMMUNE = "30280"
OFFICE = Principal("office-1", identities=frozenset({login_key("office@ocop.vn")}),
                   access=Access(roles=frozenset({Role.PROVINCE_OFFICE})))


def producer(*entity_ids: str) -> Principal:
    return Principal("owner-1", access=Access(roles=frozenset({Role.ENTITY_USER}),
                                              entities=frozenset(entity_ids)))


def officer(commune: str) -> Principal:
    return Principal("officer-1", access=Access(roles=frozenset({Role.COMMUNE_OFFICER}),
                                                communes=frozenset({commune})))


def uow_of(fakes: Fakes) -> FakeUnitOfWork:
    return FakeUnitOfWork(fakes.repositories(), clock=CLOCK, producer="registry")


# -- what the fakes start with ---------------------------------------------------------------

def an_entity(fakes: Fakes, entity_id: str = "e-1") -> Entity:
    entity = Entity(id=entity_id, name="HTX Châu Đốc", legal_form=LegalForm.COOPERATIVE,
                    registration_no="1600123456", commune_code=COMMUNE, province_code="89",
                    representative_female=True, owner_subject="owner-1", version=1)
    fakes.entities.entities[entity_id] = entity
    return entity


def a_product(fakes: Fakes, entity: Entity, *, version: int = 1,
              steps: list[TimelineEntry] | None = None, **certificate: object) -> Product:
    product = Product(id="p-1", entity_id=entity.id, name="Mắm cá linh", product_set_no=8,
                      version=version, timeline=steps or [TimelineEntry(
                          NOW - timedelta(days=30), ProductStatus.DRAFT, "registered")],
                      **certificate)  # type: ignore[arg-type]
    fakes.products.products[product.id] = product
    return product


def complete_forms() -> tuple[Form01, Form02]:
    form01 = Form01(applicant="HTX Châu Đốc", representative="Nguyễn Thị Lan",
                    representative_position="Giám đốc", address="Châu Đốc",
                    phone="0912345678", email="lan@example.vn", product_name="Mắm cá linh",
                    samples=5, commitment=True)
    form02 = Form02(specification="...", plan_results="...", next_plan="...",
                    claims=(Claim("A1", 2, evidence=("d-photo",)), Claim("B1", 1)))
    return form01, form02


def documents(fakes: Fakes, product_id: str = "p-1") -> None:
    for kind in (DocumentKind.BUSINESS_REGISTRATION, DocumentKind.PRODUCT_PHOTO,
                 DocumentKind.LABEL):
        doc_id = "d-photo" if kind is DocumentKind.PRODUCT_PHOTO else f"d-{kind.value}"
        fakes.documents.documents[doc_id] = Document(
            id=doc_id, product_id=product_id, kind=kind, sha256=sha(kind.value), size=10,
            content_type="application/pdf", filename=f"{kind.value}.pdf",
            uploaded_at=NOW - timedelta(days=3))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def a_round(fakes: Fakes) -> Round:
    round_ = Round(id="r-2026-1", name="Đợt 1/2026", regulation=REGULATION,
                   opens_on=date(2026, 1, 1), closes_on=date(2026, 4, 30))
    fakes.rounds.rounds[round_.id] = round_
    return round_


def a_dossier(fakes: Fakes, status: DossierStatus = DossierStatus.DRAFT,
              complete: bool = True) -> Dossier:
    a_round(fakes)
    form01, form02 = complete_forms() if complete else (None, None)
    dossier = Dossier(id="s-1", product_id="p-1", case=EvaluationCase.FIRST, round_id="r-2026-1",
                      status=status, form01=form01, form02=form02)
    fakes.dossiers.dossiers[dossier.id] = dossier
    return dossier


def registration(**changes: object) -> services.EntityData:
    data = dict(name=" HTX Mắm Châu Đốc ", legal_form=LegalForm.HOUSEHOLD,
                registration_no="89a8012345", commune_code=COMMUNE, address="Châu Đốc",
                phone="+84 912 345 678", email="Lan@Example.vn",
                representative_name="Nguyễn Thị Lan")
    return services.EntityData(**{**data, **changes})  # type: ignore[arg-type]


# -- entities and products --------------------------------------------------------------------

async def test_registering_an_entity_stores_it_and_starts_its_stream_at_version_1() -> None:
    fakes = Fakes()
    uow = uow_of(fakes)
    async with uow:
        entity = await services.register_entity(uow, registration(), FakePlaces(),
                                                producer())
    saved = fakes.entities.entities[entity.id]
    assert (saved.name, saved.registration_no, saved.phone, saved.email, saved.version) == (
        "HTX Mắm Châu Đốc", "89A8012345", "0912345678", "lan@example.vn", 1)
    assert saved.owner_subject == "owner-1" and fakes.entities.created_at[entity.id] == NOW
    (event,) = uow.events_of(EntityRegistered)
    assert (event.aggregate_id, event.aggregate_version, event.producer) == (entity.id, 1,
                                                                              "registry")
    assert (event.payload.commune_code, event.payload.province_code,
            event.payload.commune_name, event.payload.district_code) == (
        COMMUNE, "89", f"Xã {COMMUNE}", None)
    assert uow.commits == 1 and len(uow.events) == 1


async def test_an_ethnic_minority_representative_is_registered_with_the_consent_given() -> None:
    fakes = Fakes()
    uow = uow_of(fakes)
    async with uow:
        entity = await services.register_entity(uow, registration(
            representative_ethnicity="Khmer",
            consent=ConsentGiven(given=True, given_by="Nguyễn Thị Lan")), FakePlaces(),
            producer())
    (consent,) = fakes.entities.consents.values()
    assert consent.entity_id == entity.id and consent.recorded_by == "owner-1"
    assert fakes.entities.entities[entity.id].representative_ethnicity == "Khmer"


async def test_an_ethnic_minority_without_consent_is_refused_and_nothing_is_stored() -> None:
    fakes = Fakes()
    uow = uow_of(fakes)
    async with uow:
        with pytest.raises(Invalid):
            await services.register_entity(uow, registration(representative_ethnicity="Khmer"),
                                           FakePlaces(), producer())
    assert (uow.commits, uow.events, fakes.entities.entities) == (0, [], {})


async def test_a_registration_number_already_taken_is_a_conflict() -> None:
    fakes = Fakes()
    an_entity(fakes).registration_no = "89A8012345"
    uow = uow_of(fakes)
    async with uow:
        with pytest.raises(Conflict):
            await services.register_entity(uow, registration(), FakePlaces(), producer())
    assert (uow.commits, uow.events, len(fakes.entities.entities)) == (0, [], 1)


async def test_registering_a_product_starts_its_timeline_and_stream() -> None:
    fakes = Fakes()
    entity = an_entity(fakes)
    uow = uow_of(fakes)
    async with uow:
        product = await services.register_product(
            uow, entity_id=entity.id, name=" Mắm cá linh ", product_set_no=8, description="",
            catalogue=CATALOGUE, regulation=REGULATION, principal=producer(entity.id), places=FakePlaces())
    saved = fakes.products.products[product.id]
    assert (saved.name, saved.version, saved.status) == ("Mắm cá linh", 1, ProductStatus.DRAFT)
    assert saved.timeline[0].note == "registered (Bộ 8)"
    (event,) = uow.events_of(ProductRegistered)
    assert (event.aggregate_id, event.aggregate_version) == (product.id, 1)
    assert (event.payload.entity_id, event.payload.commune_code,
            event.payload.product_set_no) == (entity.id, COMMUNE, 8)


async def test_a_product_of_someone_elses_entity_or_an_unknown_set_is_refused() -> None:
    fakes = Fakes()
    entity = an_entity(fakes)
    uow = uow_of(fakes)
    async with uow:
        with pytest.raises(Forbidden):
            await services.register_product(
                uow, entity_id=entity.id, name="Mắm", product_set_no=8, description="",
                catalogue=CATALOGUE, regulation=REGULATION, principal=producer("e-other"), places=FakePlaces())
        with pytest.raises(Invalid):
            await services.register_product(
                uow, entity_id=entity.id, name="Mắm", product_set_no=27, description="",
                catalogue=CATALOGUE, regulation=REGULATION, principal=producer(entity.id), places=FakePlaces())
        with pytest.raises(NotFound):
            await services.register_product(
                uow, entity_id="e-none", name="Mắm", product_set_no=8, description="",
                catalogue=CATALOGUE, regulation=REGULATION, principal=OFFICE, places=FakePlaces())
    assert (uow.commits, uow.events, fakes.products.products) == (0, [], {})


async def test_a_round_closing_before_it_opens_or_taken_already_is_refused() -> None:
    fakes = Fakes()
    round_ = a_round(fakes)
    uow = uow_of(fakes)
    async with uow:
        with pytest.raises(Conflict):
            await services.create_round(uow, round_, CATALOGUE)
        with pytest.raises(Invalid):
            await services.create_round(uow, Round("r-2", "x", REGULATION, date(2026, 5, 1),
                                                   date(2026, 4, 1)), CATALOGUE)
    assert uow.commits == 0 and list(fakes.rounds.rounds) == [round_.id]


# -- dossiers ---------------------------------------------------------------------------------

async def test_opening_a_dossier_while_one_is_in_progress_is_a_conflict() -> None:
    fakes = Fakes()
    entity = an_entity(fakes)
    a_product(fakes, entity)
    a_dossier(fakes)
    uow = uow_of(fakes)
    async with uow:
        with pytest.raises(Conflict):
            await services.open_dossier(uow, product_id="p-1", case=EvaluationCase.FIRST,
                                        round_id="r-2026-1", principal=producer(entity.id),
                                        places=FakePlaces())
    assert uow.commits == 0 and list(fakes.dossiers.dossiers) == ["s-1"]


async def test_filing_a_complete_dossier_sends_it_to_the_commune_without_an_event() -> None:
    fakes = Fakes()
    entity = an_entity(fakes)
    a_product(fakes, entity)
    a_dossier(fakes)
    documents(fakes)
    uow = uow_of(fakes)
    async with uow:
        await services.file_dossier(uow, "s-1", CATALOGUE, producer(entity.id))
    dossier = fakes.dossiers.dossiers["s-1"]
    assert (dossier.status, dossier.version) == (DossierStatus.AWAITING_COMMUNE, 2)
    assert fakes.dossiers.stamps["s-1"] == {"filed_at": NOW}
    product = fakes.products.products["p-1"]
    assert (product.status, product.version) == (ProductStatus.SUBMITTED, 1)
    assert uow.commits == 1 and uow.events == []


async def test_filing_an_incomplete_dossier_lists_what_is_missing_and_changes_nothing() -> None:
    fakes = Fakes()
    entity = an_entity(fakes)
    a_product(fakes, entity)
    a_dossier(fakes, complete=False)
    uow = uow_of(fakes)
    async with uow:
        with pytest.raises(Invalid) as refused:
            await services.file_dossier(uow, "s-1", CATALOGUE, producer(entity.id))
    assert refused.value.slug == "incomplete-dossier"
    assert fakes.dossiers.dossiers["s-1"].status is DossierStatus.DRAFT
    assert fakes.products.products["p-1"].status is ProductStatus.DRAFT and uow.commits == 0


async def test_the_communes_report_forwards_the_dossier_and_submits_the_product() -> None:
    fakes = Fakes()
    entity = an_entity(fakes)
    a_product(fakes, entity, version=1)
    a_dossier(fakes, DossierStatus.AWAITING_COMMUNE)
    documents(fakes)
    uow = uow_of(fakes)
    form03 = Form03("local", "local", "local", "An Giang", "Trần Văn B", date(2026, 3, 1))
    async with uow:
        await services.record_commune_report(uow, "s-1", form03, officer(COMMUNE), FakePlaces())
    dossier = fakes.dossiers.dossiers["s-1"]
    assert (dossier.status, dossier.form03, dossier.version) == (DossierStatus.FORWARDED,
                                                                 form03, 2)
    assert sorted(dossier.manifest) == sorted(fakes.documents.documents)
    assert fakes.products.products["p-1"].version == 2
    (event,) = uow.events_of(ProductSubmitted)
    assert (event.aggregate_id, event.aggregate_version) == ("p-1", 2)
    p = event.payload
    assert (p.submission_id, p.round_id, p.regulation, p.case) == (
        "s-1", "r-2026-1", REGULATION, EvaluationCase.FIRST)
    assert p.entity.representative_priority_group and p.current_certificate_number is None
    assert [(i.criterion_code, i.evidence) for i in p.self_assessment] == [
        ("A1", [sha("product_photo")]), ("B1", [])]
    assert sorted(d.kind for d in p.documents) == ["business_registration", "label",
                                                   "product_photo"]


async def test_only_the_entitys_commune_may_report_on_a_dossier_awaiting_it() -> None:
    fakes = Fakes()
    entity = an_entity(fakes)
    a_product(fakes, entity)
    a_dossier(fakes, DossierStatus.DRAFT)
    form03 = Form03("x", "x", "x", "x", "x", date(2026, 3, 1))
    uow = uow_of(fakes)
    async with uow:
        with pytest.raises(Forbidden):
            await services.record_commune_report(uow, "s-1", form03, officer("99999"), FakePlaces())
        with pytest.raises(Conflict):  # still a draft: not filed with the commune
            await services.record_commune_report(uow, "s-1", form03, officer(COMMUNE), FakePlaces())
    assert (uow.commits, uow.events) == (0, [])
    assert fakes.products.products["p-1"].version == 1


async def test_withdrawing_a_forwarded_dossier_tells_the_province_in_the_products_stream() -> None:
    fakes = Fakes()
    entity = an_entity(fakes)
    a_product(fakes, entity, version=2, steps=[
        TimelineEntry(NOW - timedelta(days=30), ProductStatus.DRAFT, "registered"),
        TimelineEntry(NOW - timedelta(days=10), ProductStatus.SUBMITTED, "filed")])
    a_dossier(fakes, DossierStatus.FORWARDED)
    uow = uow_of(fakes)
    async with uow:
        await services.withdraw_dossier(uow, "s-1", "mùa lũ", producer(entity.id))
    assert fakes.dossiers.dossiers["s-1"].status is DossierStatus.WITHDRAWN
    product = fakes.products.products["p-1"]
    assert (product.status, product.version) == (ProductStatus.WITHDRAWN, 3)
    assert product.timeline[-1].note == "dossier withdrawn: mùa lũ"
    (event,) = uow.events_of(SubmissionWithdrawn)
    assert (event.aggregate_id, event.aggregate_version) == ("p-1", 3)
    assert (event.payload.submission_id, event.payload.reason) == ("s-1", "mùa lũ")


async def test_withdrawing_a_draft_dossier_sends_no_event() -> None:
    fakes = Fakes()
    entity = an_entity(fakes)
    a_product(fakes, entity)
    a_dossier(fakes, DossierStatus.DRAFT)
    uow = uow_of(fakes)
    async with uow:
        await services.withdraw_dossier(uow, "s-1", "chưa sẵn sàng", producer(entity.id))
    product = fakes.products.products["p-1"]
    assert (product.status, product.version) == (ProductStatus.WITHDRAWN, 1)
    assert uow.commits == 1 and uow.events == []


async def test_a_dossier_the_council_is_evaluating_cannot_be_withdrawn() -> None:
    fakes = Fakes()
    entity = an_entity(fakes)
    a_product(fakes, entity, version=2, steps=[
        TimelineEntry(NOW - timedelta(days=30), ProductStatus.DRAFT, "registered"),
        TimelineEntry(NOW - timedelta(days=10), ProductStatus.SUBMITTED, "filed"),
        TimelineEntry(NOW - timedelta(days=2), ProductStatus.UNDER_EVALUATION, "council")])
    a_dossier(fakes, DossierStatus.FORWARDED)
    uow = uow_of(fakes)
    async with uow:
        with pytest.raises(Conflict):
            await services.withdraw_dossier(uow, "s-1", "late", producer(entity.id))
    assert (uow.commits, uow.events) == (0, [])
    assert fakes.dossiers.dossiers["s-1"].status is DossierStatus.FORWARDED


# -- grants -----------------------------------------------------------------------------------

def grant_request(login: str = "Officer@AnGiang.gov.vn", role: str = "commune_officer",
                  scope: str | None = COMMUNE) -> access.GrantRequest:
    return access.GrantRequest(login=login, role=role, scope=scope, name=" Trần B ")


async def test_a_grant_is_stored_and_published_as_version_1_of_its_stream() -> None:
    fakes = Fakes()
    uow = uow_of(fakes)
    async with uow:
        row = await access.grant(uow, grant_request(), OFFICE, FakePlaces())
    saved = fakes.grants.grants_by_id[row.grant_id]
    officer_key = login_key("officer@angiang.gov.vn")
    assert (saved.login, saved.role, saved.scope, saved.name, saved.granted_by) == (
        officer_key, "commune_officer", COMMUNE, "Trần B", "office-1")
    (event,) = uow.events_of(AccessGranted)
    assert (event.aggregate_id, event.aggregate_version) == (row.grant_id, 1)
    assert (event.payload.login, event.payload.scope) == (officer_key, COMMUNE)


async def test_the_same_live_grant_twice_or_a_scope_the_role_lacks_is_refused() -> None:
    fakes = Fakes()
    uow = uow_of(fakes)
    async with uow:
        await access.grant(uow, grant_request(), OFFICE, FakePlaces())
    async with uow:
        with pytest.raises(Conflict):
            await access.grant(uow, grant_request(), OFFICE, FakePlaces())
        with pytest.raises(Invalid):
            await access.grant(uow, grant_request(role="province_office"), OFFICE, FakePlaces())
        with pytest.raises(Invalid):
            await access.grant(uow, grant_request(scope=None), OFFICE, FakePlaces())
    assert uow.commits == 1 and len(fakes.grants.grants_by_id) == 1


async def test_revoking_a_grant_publishes_version_2_and_a_second_revocation_conflicts() -> None:
    fakes = Fakes()
    uow = uow_of(fakes)
    async with uow:
        row = await access.grant(uow, grant_request(), OFFICE, FakePlaces())
    async with uow:
        revoked = await access.revoke(uow, row.grant_id, OFFICE)
    assert (revoked.revoked_at, revoked.revoked_by) == (NOW, "office-1")
    assert fakes.grants.grants_by_id[row.grant_id].revoked
    (event,) = uow.events_of(AccessRevoked)
    assert (event.aggregate_id, event.aggregate_version, event.payload.revoked_by) == (
        row.grant_id, 2, "office-1")
    async with uow:
        with pytest.raises(Conflict):
            await access.revoke(uow, row.grant_id, OFFICE)
        with pytest.raises(NotFound):
            await access.revoke(uow, "g-none", OFFICE)
    assert uow.commits == 2 and len(uow.events) == 2


async def test_the_last_office_grant_and_ones_own_cannot_be_revoked() -> None:
    fakes = Fakes()
    uow = uow_of(fakes)
    async with uow:
        mine = await access.grant(uow, grant_request("office@ocop.vn", "province_office", None),
                                  OFFICE, FakePlaces())
    async with uow:
        with pytest.raises(Conflict, match="last"):
            await access.revoke(uow, mine.grant_id, OFFICE)
    async with uow:
        await access.grant(uow, grant_request("other@ocop.vn", "province_office", None),
                           OFFICE, FakePlaces())
    async with uow:
        with pytest.raises(Conflict, match="own"):
            await access.revoke(uow, mine.grant_id, OFFICE)
    assert uow.commits == 2 and not uow.events_of(AccessRevoked)


async def test_recording_an_office_grant_again_keeps_the_live_one() -> None:
    fakes = Fakes()
    uow = uow_of(fakes)
    request = grant_request("admin@ocop.vn", "province_office", None)
    async with uow:
        first = await access.record_grant(uow, request, by="ocop-cli")
    async with uow:
        again = await access.record_grant(uow, request, by="ocop-cli")
    assert again.grant_id == first.grant_id and len(fakes.grants.grants_by_id) == 1
    assert uow.commits == 1 and len(uow.events_of(AccessGranted)) == 1


async def test_a_callers_access_joins_grants_entities_and_council_seats() -> None:
    fakes = Fakes()
    an_entity(fakes)
    uow = uow_of(fakes)
    async with uow:
        await access.grant(uow, grant_request("lan@example.vn"), OFFICE, FakePlaces())
        await access.on_council_assigned(new_event(
            CouncilAssigned, CouncilAssignedPayload(evaluation_id="ev-1", product_id="p-9",
                                                    council_id="c-1",
                                                    members=[login_key("lan@example.vn")]),
            aggregate_id="ev-1", aggregate_version=3, producer="scoring", clock=CLOCK), uow)
        found = await access.registry_access(uow, VerifiedToken(
            subject="owner-1", claims={"email": "lan@example.vn", "email_verified": True}))
    assert found.roles == {Role.COMMUNE_OFFICER, Role.COUNCIL_MEMBER, Role.COUNCIL_CHAIR}
    assert (found.communes, found.entities, found.products) == (
        frozenset({COMMUNE}), frozenset({"e-1"}), frozenset({"p-9"}))


# -- what scoring and certification tell the registry -----------------------------------------

def certified(number: str = "89-2026-00001", at: datetime = NOW) -> Certified:
    return new_event(Certified, CertifiedPayload(
        certificate_id=f"c-{number}", number=number, product_id="p-1", product_code="AG-0001",
        product_name="Mắm cá linh", entity_id="e-1", entity_name="HTX Châu Đốc", stars=4,
        regulation=REGULATION, decision_no="QĐ-1", issued_on=at.date(),
        valid_until=date(2029, 3, 2), authority="UBND tỉnh An Giang",
        verification_url="https://ocop.example/verify"),
        aggregate_id=f"c-{number}", aggregate_version=1, producer="certification",
        clock=ManualClock(at))


async def test_a_certificate_is_held_by_the_product_and_on_its_timeline() -> None:
    fakes = Fakes()
    a_product(fakes, an_entity(fakes))
    uow = uow_of(fakes)
    async with uow:
        await services.on_certified(certified(), uow)
        await uow.commit()
    product = fakes.products.products["p-1"]
    assert (product.certificate_number, product.certificate_stars, product.product_code,
            product.certificate_active, product.status) == (
        "89-2026-00001", 4, "AG-0001", True, ProductStatus.CERTIFIED)
    assert fakes.products.certificate_events["p-1"] == NOW
    assert product.version == 1 and uow.events == []  # the registry only listens


async def test_a_late_revocation_of_an_older_certificate_changes_nothing() -> None:
    fakes = Fakes()
    a_product(fakes, an_entity(fakes), certificate_number="89-2026-00002",
              certificate_active=True)
    revoked = new_event(CertificateRevoked, CertificateRevokedPayload(
        certificate_id="c-1", number="89-2026-00001", product_id="p-1", grounds=[1],
        decision_no="QĐ-2", revoked_on=NOW.date(), reason="sai phạm"),
        aggregate_id="c-1", aggregate_version=2, producer="certification", clock=CLOCK)
    uow = uow_of(fakes)
    async with uow:
        await services.on_certificate_revoked(revoked, uow)
        await uow.commit()
    product = fakes.products.products["p-1"]
    assert product.certificate_active and len(product.timeline) == 1
    current = revoked.model_copy(update={"payload": revoked.payload.model_copy(
        update={"number": "89-2026-00002"})})
    async with uow:
        await services.on_certificate_revoked(current, uow)
        await uow.commit()
    product = fakes.products.products["p-1"]
    assert not product.certificate_active and product.status is ProductStatus.REVOKED


async def test_a_recognising_score_closes_the_dossier_and_ends_the_councils_reading() -> None:
    fakes = Fakes()
    a_product(fakes, an_entity(fakes))
    a_dossier(fakes, DossierStatus.FORWARDED)
    fakes.council.readers["ev-1"] = ("p-1", ["member@x.vn"], 1)
    scored = new_event(Scored, ScoredPayload(
        evaluation_id="ev-1", product_id="p-1", submission_id="s-1", round_id="r-2026-1",
        case=EvaluationCase.FIRST, regulation=REGULATION, level=Level.PROVINCE,
        recognising=True, stars=4, mean_score=Decimal("75.5"), part_scores={"A": Decimal(30)},
        council_decision_ref="QĐ-HĐ-1", product_name="Mắm cá linh", product_set_no=8,
        entity_id="e-1", entity_name="HTX Châu Đốc", commune_code=COMMUNE, province_code="89"),
        aggregate_id="ev-1", aggregate_version=4, producer="scoring", clock=CLOCK)
    uow = uow_of(fakes)
    async with uow:
        await services.on_scored(scored, uow)
        await uow.commit()
    assert fakes.dossiers.dossiers["s-1"].status is DossierStatus.EVALUATED
    assert fakes.council.readers == {}
    assert fakes.products.products["p-1"].status is ProductStatus.SCORED
