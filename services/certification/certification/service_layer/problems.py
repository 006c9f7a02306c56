"""Domain errors and refused tokens as problem+json: what went wrong, in Vietnamese and English."""

from __future__ import annotations

from ocop_shared.http.problems import Conflict, NotFound, Problem, Text, Unprocessable

from ..adapters.signing import TokenError
from ..domain.errors import CaseClosed, DomainError, IllegalTransition, InvalidGrounds


def problem(error: DomainError) -> Problem:
    text = Text(error.vi, error.en)
    if isinstance(error, IllegalTransition | CaseClosed):
        return Conflict(text, slug=error.code)
    if isinstance(error, InvalidGrounds):
        return Unprocessable(text, slug=error.code, field="grounds")
    return Unprocessable(text, slug=error.code)


def token_problem(error: TokenError) -> Problem:
    return Unprocessable(Text(error.vi, error.en), slug=error.code, field="text")


def no_certificate(number: str) -> NotFound:
    return NotFound(Text(f"Không tìm thấy giấy chứng nhận số {number}", f"No certificate number {number}"),
                    slug="unknown-certificate")


def no_case(case_id: str) -> NotFound:
    return NotFound(Text(f"Không tìm thấy hồ sơ thu hồi {case_id}", f"No revocation case {case_id}"))
