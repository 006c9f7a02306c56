"""In-memory repositories for the registry's service-layer unit tests (cosmicpython's fakes).

Each fake has the methods of the real repository (registry.adapters) the use cases call, with
the same signatures, over plain dicts and lists. They keep copies, as a database does: a use
case that changes an aggregate and does not save it changes nothing here either.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

from ocop_shared.access import GrantRow
from registry.adapters.repository import (
    CouncilReaderRepository,
    DocumentRepository,
    DossierRepository,
    EntityRepository,
    GrantRepository,
    ProductRepository,
    RoundRepository,
    Scope,
)
from registry.domain.documents import Document
from registry.domain.dossier import Dossier, DossierStatus
from registry.domain.errors import DomainError
from registry.domain.grants import Grant
from registry.domain.model import Entity, Product
from registry.domain.personal_data import Consent
from registry.domain.rounds import Round
from registry.service_layer.ports import LeafCriterion, Place, PlacedAddress, ProductSetInfo

T = TypeVar("T")
OPEN = (DossierStatus.DRAFT, DossierStatus.AWAITING_COMMUNE, DossierStatus.FORWARDED)


def stored(value: T) -> T:
    """A copy as a database would hand it back: no events pending."""
    found = copy.deepcopy(value)
    take = getattr(found, "take_raised", None)
    if take is not None:
        take()
    return found


def _in_scope(scope: Scope, entity: Entity) -> bool:
    if scope.entity_ids is not None:
        return entity.id in scope.entity_ids
    if scope.communes is not None:
        return entity.commune_code in scope.communes
    return True


@dataclass(frozen=True)
class Member:
    id: str
    entity_id: str
    login: str
    added_by: str
    added_at: datetime


class FakeEntities:
    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}
        self.created_at: dict[str, datetime] = {}
        self.consents: dict[str, Consent] = {}
        self.member_rows: list[Member] = []

    async def registration_taken(self, registration_no: str) -> bool:
        return any(e.registration_no == registration_no for e in self.entities.values())

    async def add_entity(self, entity: Entity, at: datetime) -> None:
        self.entities[entity.id] = stored(entity)
        self.created_at[entity.id] = at

    async def save_entity(self, entity: Entity) -> None:
        self.entities[entity.id] = stored(entity)

    async def get_entity(self, entity_id: str) -> Entity | None:
        found = self.entities.get(entity_id)
        return stored(found) if found else None

    async def entity_created_at(self, entity_id: str) -> datetime | None:
        return self.created_at.get(entity_id)

    async def list_entities(self, scope: Scope, *, limit: int,
                            offset: int) -> tuple[list[Entity], int]:
        found = sorted((e for e in self.entities.values() if _in_scope(scope, e)),
                       key=lambda e: e.name)
        return [stored(e) for e in found[offset:offset + limit]], len(found)

    async def entities_acted_for(self, subject: str, identities: Sequence[str]) -> list[str]:
        owned = {e.id for e in self.entities.values() if e.owner_subject == subject}
        return sorted(owned | {m.entity_id for m in self.member_rows if m.login in identities})

    async def add_consent(self, consent: Consent) -> None:
        self.consents[consent.id] = stored(consent)

    async def save_consent(self, consent: Consent) -> None:
        self.consents[consent.id] = stored(consent)

    async def consents_of(self, entity_id: str) -> list[Consent]:
        return [stored(c) for c in self.consents.values() if c.entity_id == entity_id]

    async def members(self, entity_id: str) -> list[Any]:
        return [m for m in self.member_rows if m.entity_id == entity_id]

    async def add_member(self, member_id: str, entity_id: str, login: str, added_by: str,
                         at: datetime) -> bool:
        if any(m.entity_id == entity_id and m.login == login for m in self.member_rows):
            return False
        self.member_rows.append(Member(member_id, entity_id, login, added_by, at))
        return True

    async def remove_member(self, entity_id: str, member_id: str) -> bool:
        before = len(self.member_rows)
        self.member_rows = [m for m in self.member_rows
                            if not (m.entity_id == entity_id and m.id == member_id)]
        return len(self.member_rows) < before


class FakeProducts:
    def __init__(self, entities: FakeEntities) -> None:
        self.products: dict[str, Product] = {}
        self.certificate_events: dict[str, datetime] = {}
        self._entities = entities

    async def add_product(self, product: Product, at: datetime) -> None:
        self.products[product.id] = stored(product)

    async def get_product(self, product_id: str, *, for_update: bool = False) -> Product | None:
        found = self.products.get(product_id)
        return stored(found) if found else None

    async def products_of(self, entity_id: str) -> list[Product]:
        return [stored(p) for p in self.products.values() if p.entity_id == entity_id]

    async def entity_has_product(self, entity_id: str, product_ids: Iterable[str]) -> bool:
        return any(self.products[i].entity_id == entity_id for i in product_ids
                   if i in self.products)

    async def certificate_event_at(self, product_id: str) -> datetime | None:
        return self.certificate_events.get(product_id)

    async def save_product(self, product: Product, timeline_before: int,
                           certificate_event_at: datetime | None = None) -> None:
        saved = self.products[product.id]
        assert saved.timeline == product.timeline[:timeline_before], "timeline rewritten"
        self.products[product.id] = stored(product)
        if certificate_event_at is not None:
            self.certificate_events[product.id] = certificate_event_at

    async def save_timeline(self, product: Product, already_saved: int) -> None:
        self.products[product.id] = replace(self.products[product.id],
                                            timeline=list(product.timeline))

    async def list_products(self, scope: Scope, *, limit: int,
                            offset: int) -> tuple[list[Any], int]:
        found = sorted((p for p in self.products.values()
                        if _in_scope(scope, self._entities.entities[p.entity_id])),
                       key=lambda p: (p.name, p.id))
        return found[offset:offset + limit], len(found)


class FakeDocuments:
    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.uploaded_by: dict[str, str] = {}

    async def add_document(self, document: Document, uploaded_by: str) -> None:
        self.documents[document.id] = document
        self.uploaded_by[document.id] = uploaded_by

    async def documents_of(self, product_id: str) -> list[Document]:
        return sorted((d for d in self.documents.values() if d.product_id == product_id),
                      key=lambda d: d.uploaded_at)

    async def get_document(self, document_id: str) -> Document | None:
        return self.documents.get(document_id)


class FakeDossiers:
    def __init__(self) -> None:
        self.dossiers: dict[str, Dossier] = {}
        self.stamps: dict[str, dict[str, datetime]] = {}

    async def add_dossier(self, dossier: Dossier) -> None:
        self.dossiers[dossier.id] = stored(dossier)

    async def get_dossier(self, dossier_id: str, *, for_update: bool = False) -> Dossier | None:
        found = self.dossiers.get(dossier_id)
        return stored(found) if found else None

    async def dossiers_of(self, product_id: str) -> list[Dossier]:
        return [stored(d) for d in self.dossiers.values() if d.product_id == product_id]

    async def open_dossier_of(self, product_id: str) -> Dossier | None:
        return next((stored(d) for d in self.dossiers.values()
                     if d.product_id == product_id and d.status in OPEN), None)

    async def last_evaluated_dossier(self, product_id: str) -> Dossier | None:
        evaluated = [d for d in self.dossiers.values()
                     if d.product_id == product_id and d.status is DossierStatus.EVALUATED]
        return stored(evaluated[-1]) if evaluated else None

    async def save_dossier(self, dossier: Dossier, **stamps: datetime) -> None:
        self.dossiers[dossier.id] = stored(dossier)
        self.stamps.setdefault(dossier.id, {}).update(stamps)


class FakeRounds:
    def __init__(self) -> None:
        self.rounds: dict[str, Round] = {}

    async def add_round(self, round_: Round) -> None:
        self.rounds[round_.id] = round_

    async def get_round(self, round_id: str) -> Round | None:
        return self.rounds.get(round_id)

    async def list_rounds(self) -> list[Round]:
        return sorted(self.rounds.values(), key=lambda r: r.opens_on, reverse=True)


def _row(grant: Grant) -> GrantRow:
    return GrantRow(grant_id=grant.id, login=grant.login, role=grant.role, scope=grant.scope,
                    name=grant.name, granted_by=grant.granted_by, granted_at=grant.granted_at,
                    revoked_at=grant.revoked_at, revoked_by=grant.revoked_by)


class FakeGrants:
    def __init__(self) -> None:
        self.grants_by_id: dict[str, Grant] = {}

    async def add(self, grant: Grant) -> None:
        self.grants_by_id[grant.id] = stored(grant)

    async def get(self, grant_id: str, *, for_update: bool = False) -> Grant | None:
        found = self.grants_by_id.get(grant_id)
        return stored(found) if found else None

    async def save_revocation(self, grant: Grant) -> None:
        self.grants_by_id[grant.id] = stored(grant)

    async def live(self, login: str, role: str) -> list[Grant]:
        return [stored(g) for g in self.grants_by_id.values()
                if g.login == login and g.role == role and not g.revoked]

    async def live_count(self, role: str, *, besides: str) -> int:
        return sum(1 for g in self.grants_by_id.values()
                   if g.role == role and not g.revoked and g.id != besides)

    async def active_grants(self, identities: Iterable[str]) -> list[GrantRow]:
        wanted = set(identities)
        return [_row(g) for g in self.grants_by_id.values() if g.login in wanted and not g.revoked]

    async def grants(self, *, role: str | None, login: str | None, include_revoked: bool,
                     limit: int, offset: int) -> tuple[list[GrantRow], int]:
        found = [_row(g) for g in self.grants_by_id.values()
                 if (not role or g.role == role) and (not login or g.login == login)
                 and (include_revoked or not g.revoked)]
        return found[offset:offset + limit], len(found)


class FakeCouncilReaders:
    def __init__(self) -> None:
        self.readers: dict[str, tuple[str, list[str], int]] = {}  # evaluation: product, logins, v

    async def products_read_as_council(self, identities: Sequence[str]) -> list[str]:
        return sorted({product for product, logins, _ in self.readers.values()
                       if set(logins) & set(identities)})

    async def set_council_readers(self, evaluation_id: str, product_id: str,
                                  logins: Sequence[str], version: int) -> None:
        current = self.readers.get(evaluation_id)
        if current is not None and current[2] > version:
            return
        self.readers[evaluation_id] = (product_id, sorted(set(logins)), version)

    async def end_council_reading(self, evaluation_id: str) -> None:
        self.readers.pop(evaluation_id, None)


@dataclass
class Fakes:
    """One of each fake repository, handed to a `FakeUnitOfWork` by the real kinds."""

    entities: FakeEntities = field(default_factory=FakeEntities)
    documents: FakeDocuments = field(default_factory=FakeDocuments)
    dossiers: FakeDossiers = field(default_factory=FakeDossiers)
    rounds: FakeRounds = field(default_factory=FakeRounds)
    grants: FakeGrants = field(default_factory=FakeGrants)
    council: FakeCouncilReaders = field(default_factory=FakeCouncilReaders)
    products: FakeProducts = field(init=False)

    def __post_init__(self) -> None:
        self.products = FakeProducts(self.entities)

    def repositories(self) -> dict[type[Any], object]:
        return {EntityRepository: self.entities, ProductRepository: self.products,
                DocumentRepository: self.documents, DossierRepository: self.dossiers,
                RoundRepository: self.rounds, GrantRepository: self.grants,
                CouncilReaderRepository: self.council}


class FakePlaces:
    """Every commune code resolves, in province 89, with no district (after the 2025 reform), and
    lies in the platform's province but those in `elsewhere`; an address line is its commune's code."""

    def __init__(self, elsewhere: Iterable[str] = ()) -> None:
        self.elsewhere = frozenset(elsewhere)

    def resolve(self, commune_code: str, on: date) -> Place:
        return Place(commune_code=commune_code, province_code="89", path=f"89/{commune_code}",
                     commune_name=f"Xã {commune_code}")

    def communes(self, on: date, name: str | None = None, *, within: str | None = None) -> list[Place]:
        return []

    def check_in_province(self, commune_code: str, on: date, province_code: str) -> None:
        if commune_code in self.elsewhere:
            raise DomainError(f"{commune_code} ngoài tỉnh {province_code}",
                              f"{commune_code} is outside province {province_code}", field="commune_code")

    def place_address(self, line: str, on: date) -> PlacedAddress:
        return PlacedAddress(place=self.resolve(line.split(",")[0].strip(), on), street=None)


class FakeCatalogue:
    """One regulation whose product sets are all category IV with a two-criterion sheet."""

    def __init__(self, regulation: str, criteria: Sequence[str] = ("A1", "B1")) -> None:
        self.regulation = regulation
        self._criteria = list(criteria)

    def product_set(self, regulation: str, set_no: int) -> ProductSetInfo | None:
        if regulation != self.regulation or not 1 <= set_no <= 26:
            return None
        return ProductSetInfo(no=set_no, name_vi=f"Bộ {set_no}", name_en=f"Set {set_no}",
                              category="IV")

    def product_sets(self, regulation: str) -> list[ProductSetInfo]:
        return [p for n in range(1, 27) if (p := self.product_set(regulation, n)) is not None]

    def criteria(self, regulation: str, set_no: int) -> list[str] | None:
        return list(self._criteria) if self.product_set(regulation, set_no) else None

    def leaf_criteria(self, regulation: str, set_no: int) -> list[LeafCriterion] | None:
        return None
