"""Domain and regulation errors as application errors (Vietnamese first, English).

Each scoring domain error keeps its stable `code` as the problem type's slug, so clients and
tests can tell `unknown-option` from `second-sheet-refused` without parsing the message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

from ocop_shared.errors import ApplicationError, Conflict, Forbidden, Invalid, Malformed, NotFound, Text
from ocop_shared.i18n import message
from ocop_shared.regulations import DataValidationError, RegulationError

from ..adapters.repository import StaleRecord
from ..domain import errors as e

_KIND: tuple[tuple[type[e.ScoringDomainError], type[ApplicationError]], ...] = (
    (e.SheetError, Invalid),
    (e.RankingError, Invalid),
    (e.InvalidComposition, Invalid),
    (e.InvalidOverride, Invalid),
    (e.UnknownMember, Invalid),
    (e.NotAScorer, Forbidden),
    (e.ConflictOfInterestError, Forbidden),
    (e.NotPresent, Conflict),
    (e.SecondSheetRefused, Conflict),
    (e.NoSheet, Conflict),
    (e.SheetAlreadySubmitted, Conflict),
    (e.EvaluationClosed, Conflict),
    (e.FinalisationBlocked, Conflict),
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


def domain_problem(error: e.ScoringDomainError) -> ApplicationError:
    kind = next((kind for cls, kind in _KIND if isinstance(error, cls)), Malformed)
    extensions: dict[str, Any] = {"code": error.code}
    for key, value in error.details.items():
        if key == "blockers":
            extensions["blockers"] = [
                {"kind": b.kind.value, "message_vi": b.message_vi, "message_en": b.message_en,
                 "overridable": b.overridable} for b in value]  # type: ignore[attr-defined]
        else:
            extensions[key] = _plain(value)
    return kind(Text(error.message_vi, error.message_en), slug=error.code, field=_field(error),
                **extensions)


def sheet_file_problem(error: DataValidationError) -> Invalid:
    """A refused sheet file: one entry per issue, with its exact place and reason."""
    errors = [{"field": issue.place, "message": issue.reason, "place_vi": issue.place_vi,
               "message_vi": issue.reason_vi} for issue in error.issues]
    return Invalid(Text(error.message_vi, error.message_en), slug="invalid-sheet-file", errors=errors)


@contextmanager
def as_problems() -> Iterator[None]:
    """Turn domain and regulation errors raised inside into application errors."""
    try:
        yield
    except e.ScoringDomainError as error:
        raise domain_problem(error) from error
    except DataValidationError as error:
        raise sheet_file_problem(error) from error
    except StaleRecord as error:
        raise Conflict(message("scoring.someone_else_changed_record_just_now"),
                       slug="concurrent-change") from error
    except RegulationError as error:
        raise Invalid(Text(error.message_vi, error.message_en), slug="unknown-regulation-data") from error


def not_found(what_vi: str, what_en: str, ident: str) -> NotFound:
    return NotFound(message("common.no_such_record", what=Text(what_vi, what_en), key=ident))


def not_assigned(evaluation_id: str) -> Forbidden:
    return Forbidden(message("scoring.you_not_council_assigned_evaluation", evaluation_id=evaluation_id),
        slug="not-assigned")
