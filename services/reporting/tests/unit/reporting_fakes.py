"""In-memory repositories for reporting's service-layer tests (cosmicpython's fakes): the
methods the use cases call, with the real ones' signatures, over plain dicts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ocop_shared.clock import VIETNAM
from reporting.domain.audit import AuditQuery, AuditRecord
from reporting.domain.facts import (
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


def key_of(fact: Fact) -> tuple[type[Any], tuple[Any, ...]]:
    values = asdict(fact)
    return type(fact), tuple(values[name] for name in NATURAL_KEY[type(fact)])


class FakeFactRepository:
    """Writes wait, like the real ones, until `send` (which the unit of work calls before it
    commits); then a `put` replaces and a `keep` only fills an empty key."""

    def __init__(self, *facts: Fact) -> None:
        self.kept: dict[tuple[type[Any], tuple[Any, ...]], Fact] = {key_of(f): f for f in facts}
        self.pending: list[tuple[str, Fact]] = []
        self.sends = 0

    def put(self, fact: Fact) -> None:
        self.pending.append(("put", fact))

    def keep(self, fact: Fact) -> None:
        self.pending.append(("keep", fact))

    async def send(self) -> None:
        self.sends += 1
        puts = {key_of(f): f for kind, f in self.pending if kind == "put"}
        for kind, fact in self.pending:
            key = key_of(fact)
            if kind == "put":
                self.kept[key] = fact
            elif key not in self.kept and key not in puts:
                self.kept[key] = fact
        self.pending.clear()

    def of(self, kind: type[Any]) -> list[Any]:
        return [fact for (k, _), fact in self.kept.items() if k is kind]

    async def load(self) -> Facts:
        return Facts(entities={f.entity_id: f for f in self.of(EntityFact)},
                     products={f.product_id: f for f in self.of(ProductFact)},
                     submissions=self.of(SubmissionFact), scores=self.of(ScoreFact),
                     escalations=self.of(EscalationFact),
                     recognitions={f.evaluation_id: f for f in self.of(RecognitionFact)},
                     certificates=self.of(CertificateFact),
                     listings=self.of(ListingFact), fairs=self.of(FairFact))


class FakeAuditRepository:
    def __init__(self, *records: AuditRecord) -> None:
        self.records: dict[str, AuditRecord] = {r.record_id: r for r in records}

    async def add(self, record: AuditRecord) -> None:
        self.records.setdefault(record.record_id, record)  # as the insert that does nothing on conflict

    async def search(self, q: AuditQuery, limit: int, offset: int) -> tuple[list[AuditRecord], int]:
        found = [r for r in self.records.values() if _matches(r, q)]
        found.sort(key=lambda r: r.record_id)
        found.sort(key=lambda r: r.recorded_at, reverse=True)
        return found[offset:offset + limit], len(found)


def _matches(r: AuditRecord, q: AuditQuery) -> bool:
    day = r.recorded_at.astimezone(VIETNAM).date()
    return all((
        not q.person or r.actor == q.person or q.person.lower() in r.actor_name.lower(),
        all(r.refs.get(kind) == value for kind, value in q.refs),
        not q.since or day >= q.since,
        not q.until or day <= q.until,
        not q.service or r.service == q.service,
        not q.action or q.action.lower() in r.action.lower(),
    ))

