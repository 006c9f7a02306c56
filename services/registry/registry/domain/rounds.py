"""Evaluation rounds and when a dossier may be filed into one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ocop_shared.contracts.common import EvaluationCase
from ocop_shared.i18n import said

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
            *said("registry.round_accepts_dossiers_from_outside", round_name=round_.name,
                  round_opens_on=round_.opens_on, round_closes_on=round_.closes_on, day=day),
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
                *said("registry.product_already_holds_active_certificate_file"),
            )
        return
    if not certificate_active or certificate_valid_until is None:
        raise DomainError(
            *said("registry.only_product_with_active_ocop_certificate"),
        )
    if case is EvaluationCase.RERATING:
        opens, closes = rerating_window(certificate_valid_until)
        if not opens <= day <= closes:
            raise DomainError(
                *said("registry.re_rating_dossier_can_only_filed", opens=opens, closes=closes,
                      certificate_valid_until=certificate_valid_until),
            )
