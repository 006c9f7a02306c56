"""Domain errors and refused tokens as application errors: what went wrong, in Vietnamese and English."""

from __future__ import annotations

from ocop_shared.errors import ApplicationError, Conflict, Invalid, NotFound, Text

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
    return NotFound(Text(f"Không tìm thấy giấy chứng nhận số {number}", f"No certificate number {number}"),
                    slug="unknown-certificate")


def no_case(case_id: str) -> NotFound:
    return NotFound(Text(f"Không tìm thấy hồ sơ thu hồi {case_id}", f"No revocation case {case_id}"))
