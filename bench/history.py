# Over 400 lines: one seeded simulation of ten years (`_History`) whose steps share its random
# stream, clock and records; split apart, each step would need all of them handed over.
"""A seeded national event history for the replay benchmarks: OCOP products from 2017 to
30 November 2026 as the services would have published them, streamed in publish order and
built only from the contract models, the regulation data (`ocop_shared.regulations`: levels,
thresholds, authorities, sheets) and the registry's administrative units.

    history(20_000)                 # every event of 20,000 products' histories, in time order
    history_events(1_000_000)       # exactly that many, cut from a history big enough
    type_counts(history_events(n))  # Counter by event type (every envelope has `.type`)

Only the types trade and reporting consume are published (their handlers, access grants
included): no EvaluationOpened, CouncilAssigned, RerateWindowOpened, RevocationCaseOpened...
so each aggregate's `aggregate_version` counts what is published (1, 2, 3... without gaps).
Trade's own events (catalog changes, fair exhibitors) and the audit records of the human
actions (registrations, filings, council results, signatures, grants) are in it as those
services publish them; the audit records of actions without an event (document uploads,
score sheets) are not.

Proportions (section numbers of shared/domain/ocop-rules.md):
- products registered per year 2017..2026 in the ratio 1:3:8:10:12:12:12:14:15:13, the national
  growth of §8.1 (5,401 3★+ early 2022, 10,322 end 2023, 18,243 Dec 2025); the first council
  round is 2019 R2, the first under 1048/QĐ-TTg (the oldest regulation the data knows);
- half of the products belong to an entity already registered: 2 products per entity (§8.2:
  182 products of 125 entities); legal forms 40.3 % households, 32.5 % cooperatives, 22 %
  enterprises, 5.2 % cooperative groups (§8.1, 2024); product sets in An Giang's mix, 82.78 %
  food, 13.25 % beverages, 3.31 % handicraft, 0.67 % tourism (§8.2); communes of old An Giang
  (89) and Kiên Giang (91), with their districts, before 1 July 2025, of the new An Giang after;
- 4 % of products stay drafts; council means 2 % 1★, 13 % 2★, 57 % 3★, 26.5 % 4★, 1.5 % ≥ 90,
  so 85 % reach 3★+ (§8.1 end 2023: 67 % 3★, 31 % 4★); each higher level re-scores within a
  few points; who scores, forwards and recognises follows the regulation in force (§3-5);
- 35 % of 1-2★ products try again a year later; 8 % of 3-4★ certificates are followed by an
  upgrade dossier (a new certificate only if the stars rise); 3 % of certificates are revoked
  (§5.8); at 36 months 70 % are re-rated (dossier 180-120 days before expiry, 12 % later, on
  the transitional extension, §5.7/5.10), the new certificate superseding the old, and 30 %
  expire (§8.2: 30 of 182 expired by Feb 2025);
- trade: the province catalog, one showroom carrying everything (2020), two showrooms a year
  with an assortment revised yearly, three fairs a year (§7.1, §8.2).

Measured (seed 2026, one core): 20,000 products make 348,123 events (17.4 a product), in 11 s,
85 MiB peak RSS; `history_events(1_000_000)` takes 60,657 products (EVENTS_PER_PRODUCT = 16.5,
under the 16.8 they make: fairs, showrooms and grants do not grow with the products), cuts
their 1,021,755 events on 28 September 2026, in 32 s at 144 MiB (55 MiB of it the imports).
Of those events 30 % are audit records, 25 % catalog changes, 12 % council results.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache, partial
from importlib.resources import files
from random import Random
from typing import Any, TypeVar

from ocop_shared.audit.recorder import REF_FIELDS
from ocop_shared.contracts import (
    AccessGranted,
    AccessRevoked,
    AuditRecorded,
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
    RemovalReason,
    Scored,
)
from ocop_shared.contracts.access_events import AccessGrantedPayload, AccessRevokedPayload
from ocop_shared.contracts.audit_events import AuditRecordedPayload
from ocop_shared.contracts.certification_events import (
    CertificateExpiredPayload,
    CertificateExtendedPayload,
    CertificateRevokedPayload,
    CertificateSupersededPayload,
    CertifiedPayload,
    RecognisedProduct,
    RecognitionDecidedPayload,
)
from ocop_shared.contracts.common import (
    Department,
    DocumentRef,
    EntityFacts,
    EvaluationCase,
    LegalForm,
    Level,
    SelfAssessmentItem,
)
from ocop_shared.contracts.envelope import Envelope, Payload
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
)
from ocop_shared.regulations import (
    NoPackagedSheets,
    Procedure,
    Regulation,
    product_sets,
    regulation_in_force,
    regulations,
)
from ocop_shared.regulations.authorities import Authority, load_authorities

E = TypeVar("E", bound=Envelope[Any])
Job = Callable[[], Iterator[Envelope[Any]]]

EVENTS_PER_PRODUCT = 16.5  # see the module notes
HORIZON = datetime(2026, 12, 1, tzinfo=UTC)
FIRST_ROUND, REFORM = date(2019, 8, 21), date(2025, 7, 1)
CURRENT = "26/2026/QĐ-TTg"
YEARS = dict(zip(range(2017, 2027), (1, 3, 8, 10, 12, 12, 12, 14, 15, 13), strict=True))
SETS = {tuple(range(1, 14)): 82.78, (14, 15, 16, 17): 13.25, (21, 22): 3.31, (26,): 0.67}
FORMS = {LegalForm.HOUSEHOLD: ("Hộ kinh doanh", 40.3), LegalForm.COOPERATIVE: ("Hợp tác xã", 32.5),
         LegalForm.ENTERPRISE_LLC: ("Công ty TNHH", 13.0), LegalForm.ENTERPRISE_PRIVATE: ("Doanh nghiệp tư nhân", 6.0),
         LegalForm.ENTERPRISE_JSC: ("Công ty Cổ phần", 3.0), LegalForm.COOPERATIVE_GROUP: ("Tổ hợp tác", 5.2)}
MEANS = {(0, 30): 2.0, (30, 50): 13.0, (50, 70): 57.0, (70, 90): 26.5, (90, 100): 1.5}
SAME_ENTITY, DRAFT, RETRY, UPGRADE, REVOKE, RERATE, LATE = 0.5, 0.04, 0.35, 0.08, 0.03, 0.7, 0.12
DECISION_SIZE = 40
DOCUMENTS = ("business_registration", "food_safety_certificate", "quality_declaration", "test_report",
             "label", "trademark", "product_photo", "market_evidence")
GROUNDS = {5: "Chủ thể không còn sản xuất sản phẩm", 2: "Sản phẩm không còn đáp ứng bộ tiêu chí",
           3: "Vi phạm quy định về an toàn thực phẩm", 4: "Sử dụng nhãn hiệu OCOP không đúng quy định"}
FAIRS = (("Tuần lễ sản phẩm OCOP An Giang", "Long Xuyên"), ("Hội chợ OCOP Châu Đốc", "Châu Đốc"),
         ("Hội chợ xúc tiến thương mại OCOP Đồng bằng sông Cửu Long", "Rạch Giá"))
MINISTRY_SERIES = {"mard": ("BNNPTNT", "QĐ-BNN-VPĐP"), "mae": ("BNNMT", "QĐ-BNNMT")}
VERIFY = "https://ocop.angiang.gov.vn/certification/verify/"
SIGNERS = ("Nguyễn Thanh Bình", "Trần Anh Thư", "Lê Văn Phước", "Phạm Thị Hồng", "Võ Minh Tâm")
LIVE = ("active", "extended")
PLACE_KIND = r"^(Thị trấn|Phường|Xã|Đặc khu) "


def type_counts(events: Iterable[Envelope[Any]]) -> Counter[str]:
    """How many events of each type (`Envelope.type`, e.g. 'Certified')."""
    return Counter(event.type for event in events)


def history(products: int = 20_000, seed: int = 2026) -> Iterator[Envelope[Any]]:
    """Every event of `products` products' histories, in publish (time) order; the same seed
    gives the same events, ids included. Memory holds a few records per product, no envelopes."""
    yield from _History(products, seed).run()


def history_events(total: int, seed: int = 2026) -> Iterator[Envelope[Any]]:
    """Exactly `total` events: the start of a history of enough products (EVENTS_PER_PRODUCT)."""
    products = math.ceil(total / EVENTS_PER_PRODUCT) + 50
    count = 0
    for event in itertools.islice(history(products, seed), total):
        count += 1
        yield event
    if count < total:
        raise RuntimeError(f"a history of {products} products has only {count} events")


@dataclass(frozen=True, slots=True)
class _Place:
    commune: str
    name: str
    province: str
    province_name: str
    district: str | None
    district_name: str | None
    valid_from: date | None
    valid_to: date | None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(slots=True)
class _Entity:
    id: str
    name: str
    form: LegalForm
    place: _Place
    owner: str
    priority: bool


@dataclass(slots=True)
class _Certificate:
    id: str
    number: str
    stars: int
    issued_on: date
    valid_until: date
    issuer: str
    state: str = "active"
    version: int = 1
    extended_until: date | None = None


@dataclass(slots=True)
class _Product:
    id: str
    entity: _Entity
    set_no: int
    name: str
    mean: Decimal
    version: int = 0
    code: str | None = None
    certificate: _Certificate | None = None

    @property
    def live(self) -> _Certificate | None:
        c = self.certificate
        return c if c is not None and c.state in LIVE else None


@dataclass(slots=True)
class _Dossier:
    """A submission's evaluation at one level."""

    product: _Product
    case: EvaluationCase
    session: _Session
    submission_id: str
    regulation: Regulation
    procedure: Procedure
    mean: Decimal
    evaluation_id: str
    district: str | None
    previous: str | None = None
    stars: int = 0


@dataclass(frozen=True, slots=True)
class _Session:
    round_id: str
    days: dict[str, date]


@dataclass(slots=True)
class _Catalog:
    id: str
    carries_all: bool
    products: dict[str, None] = field(default_factory=dict)  # a dict: ordered, so runs repeat
    version: int = 0


@cache
def _places() -> tuple[tuple[_Place, ...], tuple[_Place, ...]]:
    """The registry's communes before the 2025 reform (with their districts), and after it."""
    found: dict[bool, list[_Place]] = {True: [], False: []}
    for name, province_name in (("89_an_giang_until_2025-06-30", "An Giang"),
                                ("91_kien_giang_until_2025-06-30", "Kiên Giang"),
                                ("91_an_giang_from_2025-07-01", "An Giang")):
        units = json.loads((files("registry") / "data" / "admin_units" / f"{name}.json").read_text("utf-8"))["units"]
        names = {u["code"]: u["name"] for u in units}
        province = next(u["code"] for u in units if u["level"] == "province")
        for u in units:
            if u["level"] == "commune":
                district = u["parent_code"] if u["parent_code"] != province else None
                found["until" in name].append(_Place(
                    u["code"], u["name"], province, province_name, district, names.get(district or ""),
                    _day(u["valid_from"]), _day(u["valid_to"])))
    return tuple(found[True]), tuple(found[False])


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@cache
def _criteria(code: str, set_no: int) -> tuple[tuple[str, int], ...]:
    """Each criterion of the product set's sheet and its number of options (26/2026's sheet
    when the regulation packs none: 148 leaves them to the provinces)."""
    for regulation in (code, CURRENT):
        try:
            sheets = {s.no: s for s in product_sets(regulation)}
        except NoPackagedSheets:
            continue
        if set_no in sheets:
            return tuple((c.code, max(1, len(c.options))) for c in sheets[set_no].leaves())
    return ()


def _route(procedure: Procedure, regulation: Regulation, level_code: str, stars: int, mean: Decimal
           ) -> tuple[str | None, str | None, bool]:
    """(forwarded to, recognised by, as a fall-back): scoring's routing of a council result."""
    level = procedure.level(level_code)
    assert level is not None
    if not regulation.is_certifiable(stars):
        return None, None, False
    if stars in level.recognises:
        return None, level_code, False
    up = procedure.escalation_from(level_code)
    if up is not None and stars > max(level.recognises, default=0) and (up.min_score is None or mean >= up.min_score):
        return up.to_level, None, False
    down = procedure.escalation_to(level_code)
    sender = procedure.level(down.from_level) if down is not None and down.fallback_recognition else None
    if sender is not None and stars in sender.recognises:
        return None, sender.code, True
    return None, None, False


def _valid_until(issued: date) -> date:
    """The day before the same date 36 months later (the month's last day if it has none)."""
    try:
        return issued.replace(year=issued.year + 3) - timedelta(days=1)
    except ValueError:
        return issued.replace(year=issued.year + 3, day=28)


def _money(value: float) -> Decimal:
    return Decimal(f"{min(100.0, max(0.0, value)):.2f}")


class _History:
    def __init__(self, products: int, seed: int) -> None:
        self.rng = Random(seed)
        self.now = datetime(2017, 1, 1, tzinfo=UTC)
        self.jobs: list[tuple[datetime, int, Job]] = []
        self.order = itertools.count()
        self.authorities = load_authorities(regulations())
        self.entities: list[_Entity] = []
        self.queues: dict[tuple[str, str], list[_Dossier]] = {}
        self.decisions: dict[tuple[str, str, str, str | None], list[_Dossier]] = {}
        self.serials: Counter[str] = Counter()
        self.listed: dict[str, _Product] = {}
        self.catalogs = [_Catalog("province", carries_all=True)]
        self.grants: dict[str, str] = {}
        self.office = self._subject("office")
        heapq.heappush(self.jobs, (self.now, next(self.order), self._start))  # before anyone registers
        years = self.rng.choices(list(YEARS), list(YEARS.values()), k=products)
        for n, year in enumerate(years):
            self._at(date(year, 1, 1) + timedelta(days=self.rng.randrange(365)), partial(self._register, n))
        self._at(REFORM, self._reform)
        for year in range(2020, 2027):
            for k in range(3):
                self._at(date(year, 3 + 4 * k, 10), partial(self._fair, f"hoi-cho-ocop-{year}-{k + 1}", k))
            for k in range(2):
                self._at(date(year, 5 + 5 * k, 20), partial(self._showroom, f"diem-ban-ocop-{year}-{k + 1}", False))
        self._at(date(2020, 6, 15), partial(self._showroom, "trung-tam-xttm-an-giang", True))

    def run(self) -> Iterator[Envelope[Any]]:
        while self.jobs:
            at, _, job = heapq.heappop(self.jobs)
            if at >= HORIZON:
                return
            self.now = max(self.now, at)
            yield from job()

    # -- plumbing ----------------------------------------------------------------------------
    def _at(self, day: date, job: Job) -> None:
        when = datetime.combine(day, time(1), UTC) + timedelta(seconds=self.rng.randrange(9 * 3600))
        heapq.heappush(self.jobs, (max(when, self.now), next(self.order), job))

    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _subject(self, who: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ocop-bench:{who}"))

    def _event(self, cls: type[E], payload: Payload, aggregate: str, version: int, producer: str, flow: str) -> E:
        # Built here rather than by new_event: ids from the seeded generator, times from the history.
        self.now += timedelta(seconds=1)
        return cls(id=uuid.UUID(int=self.rng.getrandbits(128), version=4), occurred_at=self.now,  # type: ignore[call-arg]
                   producer=producer, aggregate_id=aggregate, aggregate_version=version, correlation_id=flow,
                   payload=payload)

    def _audit(self, event: Envelope[Any], actor: str, role: str, action: str) -> AuditRecorded:
        """The audit record of the request that published `event`, as the recorder writes it."""
        payload: Payload = event.payload
        refs = {REF_FIELDS[k]: v for k in _ref_fields(type(payload)) if isinstance(v := getattr(payload, k), str)}
        record = self._id()
        return self._event(AuditRecorded, AuditRecordedPayload(
            record_id=record, service=event.producer, actor=actor, actor_roles=[role], action=action,
            aggregate_type=event.topic.split(".")[2], aggregate_id=event.aggregate_id,
            summary=f"{event.type} {event.aggregate_id}", refs=refs), record, 1, event.producer, event.correlation_id)

    def _next(self, series: str) -> int:
        self.serials[series] += 1
        return self.serials[series]

    def _decision_no(self, authority: Authority, day: date) -> str:
        suffix = MINISTRY_SERIES.get(authority.body_id, ("", "QĐ-UBND"))[1]
        return f"{100 + 3 * self._next(f'{authority.name_vi} {day.year}')}/{suffix}"

    def _grant(self, login: str, role: str, scope: str | None) -> Iterator[Envelope[Any]]:
        grant = self._id()
        event = self._event(AccessGranted, AccessGrantedPayload(
            grant_id=grant, login=login, role=role, scope=scope, granted_by=self.office),
            grant, 1, "registry", grant)
        yield event
        yield self._audit(event, self.office, "province_office", "POST /registry/access-grants")
        if scope is not None:
            self.grants[scope] = grant

    # -- registry ----------------------------------------------------------------------------
    def _start(self) -> Iterator[Envelope[Any]]:
        for n in range(3):
            yield from self._grant(f"email:vanphong.ocop{n + 1}@angiang.gov.vn", "province_office", None)
        for department in Department:
            yield from self._grant(f"client:{department.value}", "inspector", department.value)

    def _reform(self) -> Iterator[Envelope[Any]]:
        """The communes merged: the old communes' officers lose their grants."""
        old = {p.commune for p in _places()[0]}
        for scope, grant in [(s, g) for s, g in self.grants.items() if s in old]:
            event = self._event(AccessRevoked, AccessRevokedPayload(grant_id=grant, revoked_by=self.office),
                                grant, 2, "registry", grant)
            yield event
            yield self._audit(event, self.office, "province_office", "DELETE /registry/access-grants/{grant_id}")
            del self.grants[scope]

    def _entity(self, day: date) -> Iterator[Envelope[Any]]:
        before, after = _places()
        place = self.rng.choice(before if day < REFORM else after)
        while not place.valid_on(day):
            place = self.rng.choice(before)
        form = self.rng.choices(list(FORMS), [w for _, w in FORMS.values()])[0]
        entity = _Entity(self._id(), f"{FORMS[form][0]} {len(self.entities) + 1}", form, place,
                         self._subject(f"entity:{len(self.entities)}"), self.rng.random() < 0.45)
        self.entities.append(entity)
        if place.commune not in self.grants:
            yield from self._grant(f"email:ocop.{place.commune}@angiang.gov.vn", "commune_officer", place.commune)
        event = self._event(EntityRegistered, EntityRegisteredPayload(
            entity_id=entity.id, name=entity.name, legal_form=form, commune_code=place.commune,
            province_code=place.province, commune_name=place.name, district_code=place.district,
            district_name=place.district_name), entity.id, 1, "registry", entity.id)
        yield event
        yield self._audit(event, entity.owner, "producer", "POST /registry/entities")

    def _register(self, n: int) -> Iterator[Envelope[Any]]:
        day = self.now.date()
        if self.entities and self.rng.random() < SAME_ENTITY:
            entity = self.rng.choice(self.entities)
        else:
            yield from self._entity(day)
            entity = self.entities[-1]
        sets = self.rng.choices(list(SETS), list(SETS.values()))[0]
        set_no = self.rng.choice(sets)
        (low, high), = self.rng.choices(list(MEANS), list(MEANS.values()))
        name = f"{_set_names()[set_no]} {re.sub(PLACE_KIND, '', entity.place.name)} {n + 1}"
        product = _Product(self._id(), entity, set_no, name, _money(self.rng.uniform(low, high)))
        product.version += 1
        event = self._event(ProductRegistered, ProductRegisteredPayload(
            product_id=product.id, entity_id=entity.id, name=name, product_set_no=set_no,
            commune_code=entity.place.commune, province_code=entity.place.province),
            product.id, product.version, "registry", product.id)
        yield event
        yield self._audit(event, entity.owner, "producer", "POST /registry/products")
        if self.rng.random() >= DRAFT:
            self._file(product, EvaluationCase.FIRST, day + timedelta(days=self.rng.randint(7, 60)), product.mean)

    def _file(self, product: _Product, case: EvaluationCase, earliest: date, mean: Decimal) -> None:
        """Plan a dossier: into the next round, or (a re-rating) the month's written opinions."""
        if case is EvaluationCase.RERATING:
            session, day = _rerating(earliest), earliest
        else:
            session, opens, cutoff = _round(earliest)
            day = opens + timedelta(days=self.rng.randint(0, (cutoff - opens).days))
        self._at(day, partial(self._submit, product, case, session, mean))

    def _submit(self, product: _Product, case: EvaluationCase, session: _Session, mean: Decimal
                ) -> Iterator[Envelope[Any]]:
        live = product.live
        if (live is None) != (case is EvaluationCase.FIRST):
            return  # the certificate ended (or came) meanwhile
        day, entity = self.now.date(), product.entity
        place, regulation = entity.place, regulation_in_force(day)
        district, district_name = (place.district, place.district_name) if day < REFORM else (None, None)
        submission = self._id()
        product.version += 1
        event = self._event(ProductSubmitted, ProductSubmittedPayload(
            product_id=product.id, submission_id=submission, round_id=session.round_id, case=case,
            product_name=product.name, product_set_no=product.set_no, regulation=regulation.code,
            self_assessment=[SelfAssessmentItem(criterion_code=code, option_index=self.rng.randrange(options))
                             for code, options in _criteria(regulation.code, product.set_no)],
            documents=self._documents(day), current_certificate_number=live.number if live else None,
            entity=EntityFacts(entity_id=entity.id, name=entity.name, legal_form=entity.form,
                               commune_code=place.commune, province_code=place.province, district_code=district,
                               district_name=district_name, representative_priority_group=entity.priority)),
            product.id, product.version, "registry", submission)
        yield event
        yield self._audit(event, self._subject(f"commune:{place.commune}"), "commune_officer",
                          "POST /registry/dossiers/{dossier_id}/filing")
        if live is not None and case is EvaluationCase.RERATING:
            yield from self._extend(product, live, submission)
        procedure = regulation.procedure_followed_on(session.days["district"])
        first = next(level.code for level in procedure.levels if level.scores)
        self._enqueue(first, _Dossier(product, case, session, submission, regulation, procedure, mean, self._id(),
                                      district_name))

    def _documents(self, day: date) -> list[DocumentRef]:
        return [DocumentRef(kind=kind, sha256=f"{self.rng.getrandbits(256):064x}",
                            size=self.rng.randint(40_000, 6_000_000), filename=f"{kind}.pdf",
                            valid_until=(day + timedelta(days=self.rng.randint(200, 1100))).isoformat()
                            if kind in ("food_safety_certificate", "test_report") else None)
                for kind in self.rng.sample(DOCUMENTS, self.rng.randint(4, 7))]

    def _enqueue(self, level: str, dossier: _Dossier) -> None:
        key = (dossier.session.round_id, level)
        if key not in self.queues:
            self.queues[key] = []
            self._at(dossier.session.days[level], partial(self._council, key))
        self.queues[key].append(dossier)

    # -- scoring -----------------------------------------------------------------------------
    def _council(self, key: tuple[str, str]) -> Iterator[Envelope[Any]]:
        for dossier in self.queues.pop(key):
            yield from self._score(key[1], dossier)

    def _score(self, level: str, d: _Dossier) -> Iterator[Envelope[Any]]:
        regulation, product, round_id = d.regulation, d.product, d.session.round_id
        d.stars = stars = regulation.stars_for(d.mean)
        forward, recognised_by, fallback = _route(d.procedure, regulation, level, stars, d.mean)
        place, total = product.entity.place, sum(regulation.part_max.values())
        event = self._event(Scored, ScoredPayload(
            evaluation_id=d.evaluation_id, product_id=product.id, submission_id=d.submission_id, round_id=round_id,
            case=d.case, regulation=regulation.code, level=Level(level), stars=stars, mean_score=d.mean,
            recognising=forward is None and (recognised_by is not None or not regulation.is_certifiable(stars)),
            part_scores={part: _money(float(d.mean) * most / total) for part, most in regulation.part_max.items()},
            council_decision_ref=f"BB-{round_id}-{level}", product_name=product.name, product_set_no=product.set_no,
            entity_id=product.entity.id, entity_name=product.entity.name, commune_code=place.commune,
            province_code=place.province, band_stars=stars, escalated_to=Level(forward) if forward else None,
            recognised_by=Level(recognised_by) if recognised_by else None,
            fallback_from=Level(level) if fallback else None, previous_evaluation_id=d.previous,
            sheets_scored=self.rng.randint(7, 11), written_opinions=d.case is EvaluationCase.RERATING,
            district_name=d.district), d.evaluation_id, 1, "scoring", d.submission_id)
        yield event
        yield self._audit(event, self._subject(f"chair:{round_id}:{level}"), "council_chair",
                          "POST /scoring/evaluations/{evaluation_id}/finalisation")
        if forward is not None:
            up = replace(d, mean=_money(float(d.mean) + self.rng.gauss(0, 2)), evaluation_id=self._id(),
                         previous=d.evaluation_id)
            yield self._event(EvaluationEscalated, EvaluationEscalatedPayload(
                evaluation_id=d.evaluation_id, product_id=product.id, submission_id=d.submission_id,
                round_id=round_id, from_level=Level(level), to_level=Level(forward),
                next_evaluation_id=up.evaluation_id, mean_score=d.mean, stars=stars),
                d.evaluation_id, 2, "scoring", d.submission_id)
            self._enqueue(forward, up)
            return
        product.mean = d.mean
        if recognised_by is None:
            yield from self._unrecognised(d)
            return
        day = self.now.date()
        province = "" if recognised_by == "central" else place.province_name if day < REFORM else "An Giang"
        key = (round_id, recognised_by, province, d.district if recognised_by == "district" else None)
        if key not in self.decisions:
            self.decisions[key] = []
            self._at(day + timedelta(days=self.rng.randint(10, 20)), partial(self._decide, key))
        self.decisions[key].append(d)

    def _unrecognised(self, d: _Dossier) -> Iterator[Envelope[Any]]:
        """No new certificate: a first try may come back, an upgrade's certificate runs on."""
        product, live = d.product, d.product.live
        if d.case is EvaluationCase.FIRST and live is None and self.rng.random() < RETRY:
            self._file(product, d.case, self.now.date() + timedelta(days=self.rng.randint(250, 450)),
                       _money(float(d.mean) + self.rng.uniform(3, 12)))
        elif d.case is EvaluationCase.UPGRADE and live is not None:
            self._plan_end(product, live)
        elif d.case is EvaluationCase.RERATING and live is not None and live.state == "extended":
            live.state = "active"  # the extension ends; past the expiry, so does the certificate
            if self.now.date() > live.valid_until:
                yield from self._expire(product, live)

    # -- certification -----------------------------------------------------------------------
    def _decide(self, key: tuple[str, str, str, str | None]) -> Iterator[Envelope[Any]]:
        round_id, level, province, district = key
        body = self.authorities.acting_for_level(level, self.now.date())
        assert body is not None
        province = province if self.now.date() < REFORM and province else "An Giang"
        authority = self.authorities.issued_by(body.id, province=province, district=district)
        dossiers = self.decisions.pop(key)
        for start in range(0, len(dossiers), DECISION_SIZE):
            yield from self._decision(round_id, authority, dossiers[start:start + DECISION_SIZE])

    def _decision(self, round_id: str, authority: Authority, dossiers: list[_Dossier]) -> Iterator[Envelope[Any]]:
        day, decision = self.now.date(), self._id()
        number = self._decision_no(authority, day)
        issued = [(d, self._certificate(d, authority.body_id, day)) for d in dossiers]
        ministry = authority.body_id in MINISTRY_SERIES
        event = self._event(RecognitionDecided, RecognitionDecidedPayload(
            decision_id=decision, round_id=round_id, number=number, signed_on=day,
            signer_name=self.rng.choice(SIGNERS), issuer_id=authority.body_id, authority=authority.name_vi,
            signer_title="KT. Bộ trưởng, Thứ trưởng" if ministry else "KT. Chủ tịch, Phó Chủ tịch",
            products=[RecognisedProduct(evaluation_id=d.evaluation_id, product_id=d.product.id,
                                        product_name=d.product.name, stars=d.stars,
                                        certificate_number=c.number if c else None) for d, c in issued],
            document_sha256=f"{self.rng.getrandbits(256):064x}"), decision, 1, "certification", decision)
        yield event
        yield self._audit(event, self.office, "province_office",
                          "POST /certification/recognition-decisions/{decision_id}/signature")
        for d, certificate in issued:
            if certificate is None:
                yield from self._unrecognised(d)
            else:
                yield from self._issue(d, certificate, authority, number)

    def _certificate(self, d: _Dossier, issuer: str, day: date) -> _Certificate | None:
        """The certificate the decision issues, if any (none for a product already certified,
        or an upgrade that did not raise the stars)."""
        product, live = d.product, d.product.live
        if live is not None and (d.case is EvaluationCase.FIRST or (d.case is EvaluationCase.UPGRADE
                                                                     and d.stars <= live.stars)):
            return None
        place = product.entity.place
        if product.code is None:
            product.code = f"{place.province}-{place.commune}-{self._next(place.province + place.commune)}-{day.year}"
        series = MINISTRY_SERIES.get(issuer, (place.province, ""))[0]
        number = f"{series}-{day.year}-{self._next(f'{series}-{day.year}'):05d}"
        return _Certificate(self._id(), number, d.stars, day, _valid_until(day), issuer)

    def _issue(self, d: _Dossier, cert: _Certificate, authority: Authority, decision_no: str
               ) -> Iterator[Envelope[Any]]:
        product, old, flow = d.product, d.product.live, d.submission_id
        if old is not None:
            old.state, old.version = "superseded", old.version + 1
            yield self._event(CertificateSuperseded, CertificateSupersededPayload(
                certificate_id=old.id, number=old.number, product_id=product.id, superseded_by=cert.number),
                old.id, old.version, "certification", flow)
            yield from self._delist(product, RemovalReason.SUPERSEDED, old.number, flow)
        product.certificate = cert
        yield self._event(Certified, CertifiedPayload(
            certificate_id=cert.id, number=cert.number, product_id=product.id, product_code=product.code or "",
            product_name=product.name, entity_id=product.entity.id, entity_name=product.entity.name,
            stars=cert.stars, regulation=d.regulation.code, decision_no=decision_no, issued_on=cert.issued_on,
            valid_until=cert.valid_until, authority=authority.name_vi, verification_url=VERIFY + cert.number,
            supersedes=old.number if old else None), cert.id, 1, "certification", flow)
        yield from self._list(product, cert, flow)
        self._at(cert.valid_until + timedelta(days=1), partial(self._expire, product, cert))
        chance = self.rng.random()
        if chance < REVOKE:
            self._at(cert.issued_on + timedelta(days=self.rng.randint(60, 1000)), partial(self._revoke, product, cert))
        elif chance < REVOKE + UPGRADE and cert.stars < 5:
            self._file(product, EvaluationCase.UPGRADE, cert.issued_on + timedelta(days=self.rng.randint(300, 700)),
                       _money(float(product.mean) + self.rng.uniform(4, 15)))
        else:
            self._plan_end(product, cert)

    def _plan_end(self, product: _Product, cert: _Certificate) -> None:
        """Re-rated (the dossier in the window, or late) or left to expire."""
        if self.rng.random() < RERATE:
            ahead = self.rng.randint(120, 180) if self.rng.random() >= LATE else self.rng.randint(20, 119)
            self._file(product, EvaluationCase.RERATING, cert.valid_until - timedelta(days=ahead),
                       _money(float(product.mean) + self.rng.gauss(0, 4)))

    def _extend(self, product: _Product, cert: _Certificate, submission: str) -> Iterator[Envelope[Any]]:
        """A re-rating dossier keeps the certificate valid until the decision, 180 days at most."""
        filed = self.now.date()
        cert.state, cert.version = "extended", cert.version + 1
        cert.extended_until = cert.valid_until + timedelta(days=180)
        why = (f"hồ sơ nộp ngày {filed:%d/%m/%Y}" if filed <= cert.valid_until - timedelta(days=120)
               else "khoản 3 Điều 12")
        yield self._event(CertificateExtended, CertificateExtendedPayload(
            certificate_id=cert.id, number=cert.number, product_id=product.id, valid_until=cert.valid_until,
            extended_until=cert.extended_until, submission_id=submission,
            reason=f"Kéo dài hiệu lực chờ kết quả đánh giá, phân hạng lại ({why}), "
                   f"tối đa đến hết ngày {cert.extended_until:%d/%m/%Y}"),
            cert.id, cert.version, "certification", submission)
        yield from self._list(product, cert, submission)
        self._at(cert.extended_until + timedelta(days=1), partial(self._expire, product, cert))

    def _expire(self, product: _Product, cert: _Certificate) -> Iterator[Envelope[Any]]:
        today = self.now.date()
        if cert.state == "active" or (cert.state == "extended" and today > (cert.extended_until or today)):
            cert.state, cert.version, flow = "expired", cert.version + 1, self._id()
            yield self._event(CertificateExpired, CertificateExpiredPayload(
                certificate_id=cert.id, number=cert.number, product_id=product.id, expired_on=today),
                cert.id, cert.version, "certification", flow)
            yield from self._delist(product, RemovalReason.EXPIRED, cert.number, flow)

    def _revoke(self, product: _Product, cert: _Certificate) -> Iterator[Envelope[Any]]:
        if cert.state not in LIVE:
            return
        day, place, case = self.now.date(), product.entity.place, self._id()
        authority = self.authorities.revoking(cert.issuer, day, district=place.district_name,
                                              province=place.province_name if day < REFORM else "An Giang")
        ground = self.rng.choices(list(GROUNDS), (45, 25, 20, 10))[0]
        cert.state, cert.version = "revoked", cert.version + 1
        event = self._event(CertificateRevoked, CertificateRevokedPayload(
            certificate_id=cert.id, number=cert.number, product_id=product.id, grounds=[ground],
            decision_no=self._decision_no(authority, day), revoked_on=day, reason=GROUNDS[ground]),
            cert.id, cert.version, "certification", case)
        yield event
        yield self._audit(event, self.office, "province_office",
                          "POST /certification/revocation-cases/{case_id}/decision")
        yield from self._delist(product, RemovalReason.REVOKED, cert.number, case)

    # -- trade -------------------------------------------------------------------------------
    def _added(self, catalog: _Catalog, product: _Product, flow: str) -> CatalogEntryAdded:
        cert = product.certificate
        assert cert is not None
        catalog.version += 1
        return self._event(CatalogEntryAdded, CatalogEntryAddedPayload(
            catalog_id=catalog.id, catalog_version=catalog.version, product_id=product.id,
            product_name=product.name, product_code=product.code or "", entity_name=product.entity.name,
            stars=cert.stars, certificate_number=cert.number, valid_until=cert.valid_until,
            verification_url=VERIFY + cert.number), catalog.id, catalog.version, "trade", flow)

    def _removed(self, catalog: _Catalog, product_id: str, number: str, reason: RemovalReason, flow: str
                 ) -> CatalogEntryRemoved:
        catalog.version += 1
        return self._event(CatalogEntryRemoved, CatalogEntryRemovedPayload(
            catalog_id=catalog.id, catalog_version=catalog.version, product_id=product_id,
            certificate_number=number, reason=reason), catalog.id, catalog.version, "trade", flow)

    def _list(self, product: _Product, cert: _Certificate, flow: str) -> Iterator[Envelope[Any]]:
        """Trade puts the product (again) in every catalog carrying it."""
        self.listed[product.id] = product
        for catalog in self.catalogs:
            if catalog.carries_all or product.id in catalog.products:
                yield self._added(catalog, product, flow)

    def _delist(self, product: _Product, reason: RemovalReason, number: str, flow: str) -> Iterator[Envelope[Any]]:
        self.listed.pop(product.id, None)
        for catalog in self.catalogs:
            if catalog.carries_all or product.id in catalog.products:
                yield self._removed(catalog, product.id, number, reason, flow)

    def _showroom(self, showroom: str, carries_all: bool) -> Iterator[Envelope[Any]]:
        """A showroom opens with its catalog filled: everything listed, or its assortment."""
        catalog = _Catalog(showroom, carries_all)
        if not carries_all:
            chosen = self.rng.sample(list(self.listed), min(len(self.listed), self.rng.randint(20, 150)))
            catalog.products = dict.fromkeys(chosen)
            self._at(self.now.date() + timedelta(days=365), partial(self._revise, catalog))
        self.catalogs.append(catalog)
        flow, first = self._id(), None
        for product in list(self.listed.values()):
            if carries_all or product.id in catalog.products:
                yield (event := self._added(catalog, product, flow))
                first = first or event
        if first is not None:
            yield self._audit(first, self.office, "province_office", "POST /trade/showrooms")
        yield from self._grant(f"email:{showroom}@ocop.vn", "showroom_operator", showroom)

    def _revise(self, catalog: _Catalog) -> Iterator[Envelope[Any]]:
        """Once a year a showroom drops a tenth of its assortment and takes some new products."""
        event: Envelope[Any]
        first: Envelope[Any] | None = None
        flow = self._id()
        for product_id in [p for p in catalog.products if self.rng.random() < 0.1]:
            del catalog.products[product_id]
            listed = self.listed.get(product_id)
            if listed is not None and listed.certificate is not None:
                yield (event := self._removed(catalog, product_id, listed.certificate.number,
                                              RemovalReason.DROPPED, flow))
                first = first or event
        for product_id in self.rng.sample(list(self.listed), min(len(self.listed), self.rng.randint(5, 20))):
            if product_id not in catalog.products:
                catalog.products[product_id] = None
                yield (event := self._added(catalog, self.listed[product_id], flow))
                first = first or event
        if first is not None:
            yield self._audit(first, self.office, "province_office", "PUT /trade/showrooms/{showroom_id}/assortment")
        self._at(self.now.date() + timedelta(days=365), partial(self._revise, catalog))

    def _fair(self, fair: str, kind: int) -> Iterator[Envelope[Any]]:
        name, place = FAIRS[kind]
        starts = self.now.date() + timedelta(days=30)
        exhibitors = self.rng.sample(list(self.listed.values()), min(len(self.listed), self.rng.randint(40, 120)))
        for version, product in enumerate(exhibitors, 1):
            cert = product.certificate
            assert cert is not None
            event = self._event(FairExhibitorRegistered, FairExhibitorRegisteredPayload(
                fair_id=fair, fair_name=f"{name} {starts.year}", starts_on=starts, ends_on=starts + timedelta(days=4),
                place=place, product_id=product.id, product_name=product.name, entity_name=product.entity.name,
                stars=cert.stars, certificate_number=cert.number), fair, version, "trade", fair)
            yield event
            yield self._audit(event, product.entity.owner, "producer", "POST /trade/fairs/{fair_id}/exhibitors")


def _round(earliest: date) -> tuple[_Session, date, date]:
    """The next council round (26/2026 §5.5: dossiers by 30 April / 30 October, the province's
    results by June / December, the central council's by September / March) and the days the
    dossier may be filed for it."""
    day = max(earliest, FIRST_ROUND)
    for year in itertools.count(day.year):
        for half, cutoff in ((1, date(year, 4, 30)), (2, date(year, 10, 30))):
            if cutoff >= day:
                days = {"district": cutoff + timedelta(days=15), "province": cutoff + timedelta(days=41),
                        "central": date(year, 9, 15) if half == 1 else date(year + 1, 3, 15)}
                return _Session(f"AG-{year}-R{half}", days), max(day, cutoff - timedelta(days=89)), cutoff
    raise AssertionError("unreachable")


def _rerating(filed: date) -> _Session:
    """Re-ratings are decided on written opinions within 45 days: a session a month."""
    month = (filed.replace(day=1) + timedelta(days=32)).replace(day=1)
    return _Session(f"AG-{filed.year}-TL{filed.month:02d}", {
        "district": month + timedelta(days=4), "province": month + timedelta(days=14),
        "central": (month + timedelta(days=32)).replace(day=15)})


@cache
def _ref_fields(payload: type[Payload]) -> tuple[str, ...]:
    return tuple(name for name in REF_FIELDS if name in payload.model_fields)


@cache
def _set_names() -> dict[int, str]:
    return {s.no: s.name_vi.split(",")[0] for s in product_sets(CURRENT)}
