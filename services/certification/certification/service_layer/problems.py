"""Domain errors and refused tokens as application errors: what went wrong, in Vietnamese and English."""

from __future__ import annotations

from ocop_shared.errors import ApplicationError, Conflict, Invalid, NotFound, Text
from ocop_shared.i18n import message

from ..adapters.signing import TokenError
from ..domain.errors import CaseClosed, DomainError, IllegalTransition, InvalidGrounds


def problem(error: DomainError) -> ApplicationError:
    text = Text(error.vi, error.en)
    if isinstance(error, IllegalTransition | CaseClosed):
        return Conflict(text, slug=error.code)
    if isinstance(error, InvalidGrounds):
        return Invalid(text, slug=error.code, field="grounds")
    return Invalid(text, slug=error.code)


def token_problem(error: TokenError) -> Invalid:
    return Invalid(Text(error.vi, error.en), slug=error.code, field="text")


def no_certificate(number: str) -> NotFound:
    return NotFound(message("certification.no_certificate_number", number=number),
                    slug="unknown-certificate")


def no_decision(decision_id: str) -> NotFound:
    return NotFound(message("certification.decision_not_found", decision_id=decision_id))


def no_case(case_id: str) -> NotFound:
    return NotFound(message("certification.no_revocation_case", case_id=case_id))
