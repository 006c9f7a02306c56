"""What went wrong in a use case, in words a person can act on (Vietnamese first, English),
knowing nothing of HTTP or Kafka.

Service layers raise these. The HTTP edge (`ocop_shared.http.problems`) turns each kind into
its status and a problem+json body; a topic's handler turns them into a dead letter with the
reason. `slug` names the problem type (`https://…/problems/<slug>`), stable for clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

# The problem types' namespace: the platform's, the same whichever province runs it (RFC 9457
# types are identifiers; clients compare them, they need not resolve).
PROBLEM_TYPES = "https://ocop.gov.vn/problems/"


@dataclass(frozen=True)
class Text:
    """A message in Vietnamese and English."""

    vi: str
    en: str

    def pick(self, language: str) -> str:
        return self.en if language == "en" else self.vi


class ApplicationError(Exception):
    """A request the use case refuses. `field` names the input at fault, `errors` lists several,
    `extensions` carry facts a client may act on (e.g. the blockers of a finalisation)."""

    slug: ClassVar[str] = "bad-request"

    def __init__(self, message: Text, *, slug: str | None = None, field: str | None = None,
                 errors: list[dict[str, Any]] | None = None, **extensions: Any) -> None:
        super().__init__(message.en)
        self.message = message
        self.field = field
        self.errors = errors or []
        self.extensions = extensions
        if slug is not None:
            self.slug = slug  # type: ignore[misc]  # an instance's own problem type


class Malformed(ApplicationError):
    """The input cannot be read at all (a cursor that is not one)."""

    slug = "bad-request"


class Invalid(ApplicationError):
    """Read, but breaks a rule: a field's value, dates in the wrong order, an unknown code."""

    slug = "unprocessable"


class NotFound(ApplicationError):
    slug = "not-found"


class Conflict(ApplicationError):
    """The record's present state does not allow it (closed, revoked, taken, changed meanwhile)."""

    slug = "conflict"


class Forbidden(ApplicationError):
    """The caller's roles or records do not allow it."""

    slug = "forbidden"


class Unauthenticated(ApplicationError):
    """Nobody (or nobody valid) is asking."""

    slug = "unauthorized"


class Gone(ApplicationError):
    """Was there and is no longer (an expired cursor); the message says what to do instead."""

    slug = "gone"


class UnsupportedContent(ApplicationError):
    """A file or body that is not of a type this use case takes, or not what it claims to be."""

    slug = "unsupported-file"


class TooLarge(ApplicationError):
    slug = "too-large"


class Unavailable(ApplicationError):
    """Something it needs is down for now; retrying later may work."""

    slug = "service-unavailable"


class TooManyAttempts(ApplicationError):
    """Refused for now; after `retry_after` seconds it may succeed."""

    slug = "too-many-requests"

    def __init__(self, message: Text, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, retry_after=max(1, retry_after), **kwargs)
        self.retry_after = max(1, retry_after)
