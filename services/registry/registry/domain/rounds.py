"""Evaluation rounds and when a dossier may be filed into one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ocop_shared.contracts.common import EvaluationCase

from .errors import DomainError

RERATING_OPENS_DAYS = 180
RERATING_CLOSES_DAYS = 120


@dataclass(frozen=True)
class Round:
    id: str
    name: str
    regulation: str
    opens_on: date
    closes_on: date  # cut-off for dossiers (26/2026: 30 April and 30 October)

    def accepts(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on


def check_round_open(round_: Round, day: date) -> None:
    if not round_.accepts(day):
        raise DomainError(
            f"Đợt đánh giá '{round_.name}' nhận hồ sơ từ {round_.opens_on:%d/%m/%Y} "
            f"đến {round_.closes_on:%d/%m/%Y}; hôm nay {day:%d/%m/%Y} không nằm trong thời hạn",
            f"Round '{round_.name}' accepts dossiers from {round_.opens_on} to "
            f"{round_.closes_on}; {day} is outside it",
        )


def rerating_window(valid_until: date) -> tuple[date, date]:
    """No earlier than 180 and no later than 120 days before the certificate expires."""
    return (valid_until - timedelta(days=RERATING_OPENS_DAYS),
            valid_until - timedelta(days=RERATING_CLOSES_DAYS))


def check_case_allowed(case: EvaluationCase, day: date, certificate_valid_until: date | None,
                       certificate_active: bool) -> None:
    if case is EvaluationCase.FIRST:
        if certificate_active:
            raise DomainError(
                "Sản phẩm đã có giấy chứng nhận còn hiệu lực: hãy nộp hồ sơ nâng hạng "
                "hoặc đánh giá lại",
                "The product already holds an active certificate: file an upgrade or "
                "re-rating dossier",
            )
        return
    if not certificate_active or certificate_valid_until is None:
        raise DomainError(
            "Chỉ sản phẩm đang có giấy chứng nhận OCOP còn hiệu lực mới được nâng hạng "
            "hoặc đánh giá lại",
            "Only a product with an active OCOP certificate can be upgraded or re-rated",
        )
    if case is EvaluationCase.RERATING:
        opens, closes = rerating_window(certificate_valid_until)
        if not opens <= day <= closes:
            raise DomainError(
                f"Hồ sơ đánh giá lại chỉ được nộp từ {opens:%d/%m/%Y} đến {closes:%d/%m/%Y} "
                f"(180 đến 120 ngày trước khi giấy chứng nhận hết hạn "
                f"{certificate_valid_until:%d/%m/%Y})",
                f"A re-rating dossier can only be filed between {opens} and {closes} "
                f"(180 to 120 days before the certificate expires on {certificate_valid_until})",
            )
