"""Domain and regulation errors as problem+json (Vietnamese first, English with ?lang=en).

Each scoring domain error keeps its stable `code` as the problem type's slug, so clients and
tests can tell `unknown-option` from `second-sheet-refused` without parsing the message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

from ocop_shared.http.problems import Forbidden, NotFound, Problem, Text
from ocop_shared.regulations import DataValidationError, RegulationError

from ..adapters.repository import StaleRecord
from ..domain import errors as e

_STATUS: tuple[tuple[type[e.ScoringDomainError], int], ...] = (
    (e.SheetError, 422),
    (e.RankingError, 422),
    (e.InvalidComposition, 422),
    (e.InvalidOverride, 422),
    (e.UnknownMember, 422),
    (e.NotAScorer, 403),
    (e.ConflictOfInterestError, 403),
    (e.NotPresent, 409),
    (e.SecondSheetRefused, 409),
    (e.NoSheet, 409),
    (e.SheetAlreadySubmitted, 409),
    (e.EvaluationClosed, 409),
    (e.FinalisationBlocked, 409),
)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _field(error: e.ScoringDomainError) -> str | None:
    details = error.details
    if isinstance(error, e.WrongProductSet):
        return "product_set_no"
    if isinstance(error, e.InvalidKnockOut):
        return "knockout"
    if isinstance(error, e.MissingCriteria):
        return "choices"
    if isinstance(error, e.InconsistentCase):
        return "choices"
    if isinstance(error, e.SheetError) and "criterion" in details:
        return f"choices.{details['criterion']}"
    return None


def domain_problem(error: e.ScoringDomainError) -> Problem:
    status = next((code for cls, code in _STATUS if isinstance(error, cls)), 400)
    extensions: dict[str, Any] = {"code": error.code}
    for key, value in error.details.items():
        if key == "blockers":
            extensions["blockers"] = [
                {"kind": b.kind.value, "message_vi": b.message_vi, "message_en": b.message_en,
                 "overridable": b.overridable} for b in value]  # type: ignore[attr-defined]
        else:
            extensions[key] = _plain(value)
    return Problem(Text(error.message_vi, error.message_en), status=status, slug=error.code,
                   field=_field(error), **extensions)


def sheet_file_problem(error: DataValidationError) -> Problem:
    """A refused sheet file: one entry per issue, with its exact place and reason."""
    errors = [{"field": issue.place, "message": issue.reason, "place_vi": issue.place_vi,
               "message_vi": issue.reason_vi} for issue in error.issues]
    return Problem(Text(error.message_vi, error.message_en), status=422, slug="invalid-sheet-file",
                   errors=errors)


@contextmanager
def as_problems() -> Iterator[None]:
    """Turn domain and regulation errors raised inside into problem+json."""
    try:
        yield
    except e.ScoringDomainError as error:
        raise domain_problem(error) from error
    except DataValidationError as error:
        raise sheet_file_problem(error) from error
    except StaleRecord as error:
        raise Problem(Text("Dữ liệu vừa được người khác thay đổi, hãy tải lại và thử lại",
                           "Someone else changed this record just now; reload and try again"),
                      status=409, slug="concurrent-change") from error
    except RegulationError as error:
        raise Problem(Text(error.message_vi, error.message_en), status=422,
                      slug="unknown-regulation-data") from error


def not_found(what_vi: str, what_en: str, ident: str) -> NotFound:
    return NotFound(Text(f"Không tìm thấy {what_vi} {ident}", f"No {what_en} {ident}"))


def not_assigned(evaluation_id: str) -> Forbidden:
    return Forbidden(Text(
        f"Bạn không thuộc hội đồng được phân công đánh giá hồ sơ {evaluation_id}",
        f"You are not on the council assigned to evaluation {evaluation_id}"),
        slug="not-assigned")
