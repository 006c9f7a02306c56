"""Revocation cases (26/2026/QĐ-TTg Article 8).

A confirmed inspection finding opens a case for the competent authority (the provincial
Chairman for 3★/4★, the Minister for 5★), who must decide within 15 days of the
conclusion on the violation (or of the commune's confirmation that the entity stopped
producing). The case is decided (the certificate is revoked) or dismissed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ocop_shared.contracts import RevocationCaseDismissed, RevocationCaseOpened
from ocop_shared.contracts.certification_events import (
    RevocationCaseDismissedPayload,
    RevocationCaseOpenedPayload,
)
from ocop_shared.i18n import said

from .authority import Authority, Issuer, check_stars
from .certificate import Certificate
from .deadlines import revocation_deadline
from .errors import CaseClosed, IllegalTransition, InvalidCertificate
from .grounds import validate_grounds


class CaseStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"  # the certificate was revoked
    DISMISSED = "dismissed"  # the authority decided not to revoke


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class RevocationCase:
    id: str
    certificate_number: str
    stars: int
    grounds: tuple[int, ...]
    conclusion: str  # the competent authority's conclusion on the violation
    concluded_on: date
    opened_on: date
    deadline: date
    issuer: Issuer  # of the certificate: its revocation goes to it or its successor
    inspection_id: str | None = None
    status: CaseStatus = CaseStatus.OPEN
    decision_no: str | None = None
    decided_on: date | None = None
    dismissal_reason: str | None = None
    history: list[tuple[datetime, CaseStatus, str]] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        *,
        id: str,
        certificate_number: str,
        stars: int,
        grounds: Iterable[int],
        conclusion: str,
        concluded_on: date,
        at: datetime,
        opened_on: date | None = None,
        issuer: Issuer,
        inspection_id: str | None = None,
    ) -> RevocationCase:
        picked = validate_grounds(grounds)
        check_stars(stars)
        if not certificate_number.strip():
            raise InvalidCertificate(*said("certification.certificate_number_missing"))
        if not conclusion.strip():
            raise InvalidCertificate(
                *said("certification.competent_authority_s_conclusion_violation_missing"),
            )
        opened = opened_on or concluded_on
        if opened < concluded_on:
            raise IllegalTransition(
                f"Không thể mở hồ sơ thu hồi ({_fmt(opened)}) trước ngày có kết luận ({_fmt(concluded_on)})",
                f"A revocation case cannot open ({opened}) before the conclusion ({concluded_on})",
            )
        case = cls(
            id=id, certificate_number=certificate_number, stars=stars, grounds=picked,
            conclusion=conclusion, concluded_on=concluded_on, opened_on=opened,
            deadline=revocation_deadline(concluded_on), issuer=issuer, inspection_id=inspection_id,
        )
        case.history.append((at, CaseStatus.OPEN, f"opened on grounds {list(picked)}"))
        return case

    @property
    def authority(self) -> Authority:
        """Who decides: the certificate's issuer on the day the case opened, or its legal
        successor (a district's 3★ goes to the province after 1 July 2025)."""
        return self.issuer.revoking_authority(self.opened_on)

    def overdue_on(self, day: date) -> bool:
        """Still undecided after the 15-day deadline."""
        return self.status is CaseStatus.OPEN and day > self.deadline

    def days_left(self, day: date) -> int:
        """Days until the deadline (0 on the last day, negative when overdue)."""
        return (self.deadline - day).days

    @property
    def decided_late(self) -> bool:
        return self.decided_on is not None and self.decided_on > self.deadline

    def decide(self, *, decision_no: str, decided_on: date, at: datetime) -> None:
        """Record the revocation decision (revoke the certificate with `revoke_by_case`)."""
        self._require_open()
        if not decision_no.strip():
            raise InvalidCertificate(*said("certification.revocation_decision_number_missing"))
        self._require_not_before_conclusion(decided_on)
        self.status = CaseStatus.DECIDED
        self.decision_no = decision_no
        self.decided_on = decided_on
        self.history.append((at, CaseStatus.DECIDED, f"revoked by {decision_no}"))

    def dismiss(self, *, reason: str, on: date, at: datetime) -> None:
        """The authority decided not to revoke."""
        self._require_open()
        if not reason.strip():
            raise InvalidCertificate(*said("certification.reason_not_revoking_required"))
        self._require_not_before_conclusion(on)
        self.status = CaseStatus.DISMISSED
        self.decided_on = on
        self.dismissal_reason = reason
        self.history.append((at, CaseStatus.DISMISSED, reason))

    def _require_open(self) -> None:
        if self.status is not CaseStatus.OPEN:
            raise CaseClosed(
                *said("certification.revocation_case_already", self_id=self.id, self_status_value=self.status.value),
            )

    def _require_not_before_conclusion(self, day: date) -> None:
        if day < self.concluded_on:
            raise IllegalTransition(
                f"Ngày {_fmt(day)} trước ngày có kết luận {_fmt(self.concluded_on)}",
                f"{day} is before the conclusion of {self.concluded_on}",
            )


def revoke_by_case(case: RevocationCase, certificate: Certificate, *, decision_no: str,
                   decided_on: date, at: datetime, note: str = "") -> None:
    """Decide the case and revoke its certificate together (the certificate first: if it
    can no longer be revoked, e.g. it has expired, the case stays open)."""
    if certificate.number != case.certificate_number:
        raise IllegalTransition(
            *said("certification.revocation_case_certificate_not", case_id=case.id,
                  case_certificate_number=case.certificate_number, certificate_number=certificate.number),
        )
    case._require_open()
    certificate.revoke(grounds=case.grounds, decision_no=decision_no, at=at, on=decided_on,
                       note=note or case.conclusion)
    case.decide(decision_no=decision_no, decided_on=decided_on, at=at)


def case_opened(certificate: Certificate, case: RevocationCase, *, concluded_by: str,
                finding_id: str | None) -> None:
    """The certificate's stream tells of the case opened against it (RevocationCaseOpened)."""
    certificate.record(RevocationCaseOpened, RevocationCaseOpenedPayload(
        case_id=case.id, certificate_id=certificate.id, number=certificate.number,
        product_id=certificate.product_id, grounds=list(case.grounds), conclusion=case.conclusion,
        concluded_by=concluded_by, concluded_on=case.concluded_on, deadline=case.deadline,
        competent_authority=case.authority.decider_vi, finding_id=finding_id))


def dismiss(case: RevocationCase, certificate: Certificate, *, reason: str, on: date,
                 at: datetime) -> None:
    """The authority decided not to revoke; the certificate's stream tells of it."""
    case.dismiss(reason=reason, on=on, at=at)
    certificate.record(RevocationCaseDismissed, RevocationCaseDismissedPayload(
        case_id=case.id, certificate_id=certificate.id, number=certificate.number,
        product_id=certificate.product_id, dismissed_on=on, reason=reason))
