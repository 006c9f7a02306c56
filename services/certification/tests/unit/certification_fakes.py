"""In-memory repositories for the certification service-layer unit tests (cosmicpython's fakes).

Each fake keeps plain dicts and lists and implements the methods the use cases call, with the
repositories' signatures. They hand out the stored objects themselves (no copies), as an
identity map would; `saves` counts what a use case wrote back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from certification.adapters.findings import EvidenceItem, FindingsRepository, StoredCase
from certification.adapters.recognition import RecognitionRepository
from certification.adapters.repository import CertificateRecord, CertificateRepository
from certification.adapters.scheduling import ScheduleRepository
from certification.adapters.webhook_deliveries import WebhookDeliveries
from certification.domain.certificate import TERMINAL, CertificateStatus
from certification.domain.deadlines import Notice
from certification.domain.recognition import DecisionStatus, RecognitionDecision
from certification.domain.revocation import CaseStatus, RevocationCase
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.contracts.scoring_events import ScoredPayload
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.webhooks.service import Webhooks


@dataclass
class FakeCertificates:
    records: dict[str, CertificateRecord] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    saves: int = 0

    async def by_number(self, number: str, *, for_update: bool = False) -> CertificateRecord | None:
        return next((r for r in self.records.values() if r.number == number), None)

    async def by_id(self, certificate_id: str, *, for_update: bool = False) -> CertificateRecord | None:
        return self.records.get(certificate_id)

    async def by_evaluation(self, evaluation_id: str) -> str | None:
        return next((r.id for r in self.records.values()
                     if r.certificate.evaluation_id == evaluation_id), None)

    async def current_of_product(self, product_id: str, *,
                                 for_update: bool = False) -> CertificateRecord | None:
        live = [r for r in self.records.values()
                if r.certificate.product_id == product_id and r.certificate.status not in TERMINAL]
        live.sort(key=lambda r: (r.certificate.issued_on, r.number), reverse=True)
        return live[0] if live else None

    async def by_rerating_submission(self, submission_id: str) -> CertificateRecord | None:
        return next((r for r in self.records.values() if r.rerating_submission_id == submission_id), None)

    async def due(self, now: datetime, limit: int) -> list[str]:
        due = [r for r in self.records.values() if r.next_due_at is not None and r.next_due_at <= now]
        return [r.id for r in sorted(due, key=lambda r: r.next_due_at or now)][:limit]

    async def add(self, record: CertificateRecord) -> None:
        assert record.id not in self.records, "a certificate is added once"
        self.records[record.id] = record
        self.saves += 1

    async def save(self, record: CertificateRecord) -> None:
        assert record.id in self.records, "only a stored certificate is saved"
        self.records[record.id] = record
        self.saves += 1

    async def next_value(self, name: str) -> int:
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    async def product_code(self, product_id: str) -> str | None:
        return self.codes.get(product_id)

    async def lock_product(self, product_id: str) -> None:
        pass

    async def keep_product_code(self, product_id: str, code: str, at: datetime) -> None:
        self.codes.setdefault(product_id, code)

    async def result_seen(self, evaluation_id: str) -> bool:
        return any(r["evaluation_id"] == evaluation_id for r in self.results)

    async def record_result(self, **values: Any) -> None:
        self.results.append(values)

    async def settle_result(self, evaluation_id: str, *, outcome: str, certificate_id: str | None) -> None:
        for result in self.results:
            if result["evaluation_id"] == evaluation_id:
                result.update(outcome=outcome, certificate_id=certificate_id)

    async def results_of_submission(self, submission_id: str) -> list[Any]:
        return [SimpleNamespace(**r) for r in self.results
                if r["submission_id"] == submission_id and r["outcome"] != "not_recognising"]


@dataclass
class FakeFindings:
    inspections: dict[str, SimpleNamespace] = field(default_factory=dict)  # by finding id
    cases: dict[str, StoredCase] = field(default_factory=dict)

    async def inspection_by_finding(self, finding_id: str, *, for_update: bool = False) -> Any | None:
        return self.inspections.get(finding_id)

    async def add_inspection(self, evidence: list[EvidenceItem], **values: Any) -> None:
        self.inspections[values["finding_id"]] = SimpleNamespace(evidence=list(evidence), **values)

    async def update_inspection(self, inspection_id: str, **values: Any) -> None:
        found = next(i for i in self.inspections.values() if i.id == inspection_id)
        for name, value in values.items():
            setattr(found, name, value)

    async def add_inspection_evidence(self, inspection_id: str, evidence: list[EvidenceItem]) -> None:
        found = next(i for i in self.inspections.values() if i.id == inspection_id)
        found.evidence.extend(e for e in evidence if e not in found.evidence)

    async def case(self, case_id: str, *, for_update: bool = False) -> StoredCase | None:
        return self.cases.get(case_id)

    async def open_case_of(self, certificate_id: str, *, for_update: bool = False) -> StoredCase | None:
        return next((s for s in self.cases.values()
                     if s.certificate_id == certificate_id and s.case.status is CaseStatus.OPEN), None)

    async def add_case(self, case: RevocationCase, certificate_id: str, at: datetime) -> None:
        self.cases[case.id] = StoredCase(case, certificate_id, at, None)

    async def save_case(self, case: RevocationCase, at: datetime) -> None:
        stored = self.cases[case.id]
        closed = None if case.status is CaseStatus.OPEN else at
        self.cases[case.id] = StoredCase(case, stored.certificate_id, stored.opened_at, closed)

    files: dict[str, SimpleNamespace] = field(default_factory=dict)  # uploaded evidence by sha256

    async def evidence_files(self, hashes: list[str]) -> dict[str, Any]:
        return {h: self.files[h] for h in hashes if h in self.files}


@dataclass
class FakeRecognitions:
    """Results awaiting their decision (by evaluation id, with the decision listing them) and
    the decisions."""

    waiting: dict[str, tuple[ScoredPayload, str | None]] = field(default_factory=dict)
    decisions: dict[str, RecognitionDecision] = field(default_factory=dict)

    async def wait_for_decision(self, result: ScoredPayload, at: datetime, flow: Any) -> None:
        self.waiting[result.evaluation_id] = (result, None)

    async def undecided(self, round_id: str) -> list[ScoredPayload]:
        return [r for r, decision in self.waiting.values() if r.round_id == round_id and decision is None]

    async def awaiting(self, round_id: str | None) -> list[ScoredPayload]:
        return [r for r, decision in self.waiting.values() if (round_id is None or r.round_id == round_id)
                and (decision is None or self.decisions[decision].status is not DecisionStatus.SIGNED)]

    async def results_of(self, decision_id: str) -> dict[str, tuple[ScoredPayload, Any]]:
        return {r.evaluation_id: (r, None) for r, decision in self.waiting.values() if decision == decision_id}

    async def add(self, decision: RecognitionDecision) -> None:
        self.decisions[decision.id] = decision
        for item in decision.items:
            self.waiting[item.evaluation_id] = (self.waiting[item.evaluation_id][0], decision.id)

    async def save(self, decision: RecognitionDecision) -> None:
        self.decisions[decision.id] = decision

    async def get(self, decision_id: str, *, for_update: bool = False) -> RecognitionDecision | None:
        return self.decisions.get(decision_id)


@dataclass
class FakeSchedule:
    notices: dict[str, tuple[Notice, str]] = field(default_factory=dict)  # key: (notice, event id)
    runs: dict[str, tuple[datetime, int, int]] = field(default_factory=dict)

    async def notice_seen(self, key: str) -> bool:
        return key in self.notices

    async def add_notice(self, notice: Notice, *, event_id: str, emitted_at: datetime) -> None:
        assert notice.key not in self.notices, "a notice is stored once"
        self.notices[notice.key] = (notice, event_id)

    async def record_run(self, name: str, *, at: datetime, notices: int) -> None:
        total = self.runs[name][2] if name in self.runs else 0
        self.runs[name] = (at, notices, total + notices)

    async def active_expiring(self, first: date, last: date) -> int:
        return 0

    async def open_cases_due(self, by: date) -> int:
        return 0


@dataclass
class FakeDeliveries:
    """Records which events were offered to the webhook subscribers (no subscriptions here)."""

    offered: list[Envelope[Any]] = field(default_factory=list)

    async def record(self, uow: UnitOfWork, hooks: Webhooks, event: Envelope[Any]) -> None:
        self.offered.append(event)


def repositories(certificates: FakeCertificates | None = None, findings: FakeFindings | None = None,
                 schedule: FakeSchedule | None = None, deliveries: FakeDeliveries | None = None,
                 recognitions: FakeRecognitions | None = None) -> dict[type[Any], object]:
    """The fakes by the repository kind they stand in for, for `FakeUnitOfWork`."""
    return {CertificateRepository: certificates or FakeCertificates(),
            FindingsRepository: findings or FakeFindings(),
            ScheduleRepository: schedule or FakeSchedule(),
            WebhookDeliveries: deliveries or FakeDeliveries(),
            RecognitionRepository: recognitions or FakeRecognitions()}


def statuses(records: Sequence[CertificateRecord]) -> list[CertificateStatus]:
    return [r.certificate.status for r in records]
