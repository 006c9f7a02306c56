"""Inspections after recognition (26/2026/QĐ-TTg Article 9).

Periodic or ad-hoc; they record which certificate, evidence files (content-addressed in
object storage), and end with the authority's conclusion: compliant, or a confirmed
finding on one or more grounds of Article 8(1), which opens a revocation case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ocop_shared.i18n import said

from .authority import Issuer, check_stars
from .errors import CaseClosed, IllegalTransition, InvalidCertificate
from .grounds import validate_grounds
from .revocation import RevocationCase


class InspectionKind(StrEnum):
    PERIODIC = "periodic"  # kiểm tra định kỳ
    AD_HOC = "ad_hoc"  # kiểm tra đột xuất


class InspectionOutcome(StrEnum):
    OPEN = "open"
    COMPLIANT = "compliant"
    VIOLATION = "violation"  # a confirmed finding


@dataclass(frozen=True)
class Evidence:
    sha256: str  # key in the object store
    filename: str
    content_type: str
    size: int


@dataclass
class Inspection:
    id: str
    certificate_number: str
    stars: int
    kind: InspectionKind
    started_on: date
    issuer: Issuer  # of the certificate inspected
    evidence: list[Evidence] = field(default_factory=list)
    outcome: InspectionOutcome = InspectionOutcome.OPEN
    grounds: tuple[int, ...] = ()
    conclusion: str = ""
    concluded_by: str = ""  # the competent authority that concluded
    concluded_on: date | None = None

    def __post_init__(self) -> None:
        check_stars(self.stars)

    def add_evidence(self, item: Evidence) -> None:
        self._require_open()
        if any(e.sha256 == item.sha256 for e in self.evidence):
            return  # the same file twice is one piece of evidence
        self.evidence.append(item)

    def conclude_compliant(self, *, conclusion: str, concluded_by: str, on: date) -> None:
        self._conclude(InspectionOutcome.COMPLIANT, (), conclusion, concluded_by, on)

    def confirm_finding(self, *, grounds: Iterable[int], conclusion: str, concluded_by: str,
                        on: date, case_id: str, at: datetime,
                        opened_on: date | None = None) -> RevocationCase:
        """A confirmed violation: returns the revocation case it opens (deadline: on + 15 days).

        `opened_on` is the day the case reaches the competent authority (default: `on`); the
        deadline still runs from the conclusion.
        """
        picked = validate_grounds(grounds)
        self._conclude(InspectionOutcome.VIOLATION, picked, conclusion, concluded_by, on)
        return RevocationCase.open(
            id=case_id, certificate_number=self.certificate_number, stars=self.stars, grounds=picked,
            conclusion=conclusion, concluded_on=on, at=at, opened_on=opened_on, inspection_id=self.id,
            issuer=self.issuer,
        )

    def _conclude(self, outcome: InspectionOutcome, grounds: tuple[int, ...], conclusion: str,
                  concluded_by: str, on: date) -> None:
        self._require_open()
        if not conclusion.strip() or not concluded_by.strip():
            raise InvalidCertificate(
                *said("certification.conclusion_concluding_authority_required"),
            )
        if on < self.started_on:
            raise IllegalTransition(
                *said("certification.conclusion_day_before_inspection_started", on=on, self_started_on=self.started_on),
            )
        self.outcome = outcome
        self.grounds = grounds
        self.conclusion = conclusion
        self.concluded_by = concluded_by
        self.concluded_on = on

    def _require_open(self) -> None:
        if self.outcome is not InspectionOutcome.OPEN:
            raise CaseClosed(
                *said("certification.inspection_already_concluded", self_id=self.id)
            )
