"""A certificate's recorded statuses, its history entries, its revocation and who signed its
decision (plain values)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class CertificateStatus(StrEnum):
    ACTIVE = "active"
    EXTENDED = "extended"  # extended pending re-rating
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    EXPIRED = "expired"

    @property
    def label_vi(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


_LABELS: dict[CertificateStatus, tuple[str, str]] = {
    CertificateStatus.ACTIVE: ("Còn hiệu lực", "Active"),
    CertificateStatus.EXTENDED: ("Được kéo dài hiệu lực, chờ đánh giá, phân hạng lại",
                                 "Extended pending re-rating"),
    CertificateStatus.SUPERSEDED: ("Đã được thay thế bằng giấy chứng nhận mới",
                                   "Superseded by a newer certificate"),
    CertificateStatus.REVOKED: ("Đã bị thu hồi", "Revoked"),
    CertificateStatus.EXPIRED: ("Hết hiệu lực", "Expired"),
}

TERMINAL = frozenset({CertificateStatus.SUPERSEDED, CertificateStatus.REVOKED, CertificateStatus.EXPIRED})
VALID = frozenset({CertificateStatus.ACTIVE, CertificateStatus.EXTENDED})


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime  # when the change was recorded
    on: date  # the calendar day it takes effect
    from_status: CertificateStatus | None  # None for the issue itself
    to_status: CertificateStatus
    reason: str  # Vietnamese, shown on the public verification page
    reason_en: str


@dataclass(frozen=True)
class Revocation:
    grounds: tuple[int, ...]
    decision_no: str
    decided_on: date


@dataclass(frozen=True)
class SignedBy:
    """The official who signed the recognition decision, as the certificate prints them."""

    name: str
    title: str  # "Chủ tịch", "KT. Chủ tịch, Phó Chủ tịch"
