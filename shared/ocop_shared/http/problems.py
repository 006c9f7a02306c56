"""RFC 9457 problem+json errors, Vietnamese first with English on request.

Service code raises the application errors of `ocop_shared.errors` (the edge itself may raise
`Problem` with a status of its own); the handlers here turn them, request-validation errors
and anything unexpected into problem+json. A
stack trace never reaches the caller: unexpected errors are logged with the
correlation id, which is also returned so support can find the log line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    PROBLEM_TYPES,
    ApplicationError,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    Malformed,
    NotFound,
    Text,
    TooLarge,
    TooManyAttempts,
    Unauthenticated,
    Unavailable,
    UnsupportedContent,
)
from ..i18n import message
from ..messaging.flow import current_flow

__all__ = [  # the application errors too: the edge's code names them from here
    "PROBLEM_JSON", "ApplicationError", "Conflict", "Forbidden", "Gone", "Invalid", "Malformed",
    "NotFound", "Problem", "ServiceUnavailable", "Text", "TooLarge", "TooManyAttempts",
    "TooManyRequests", "Unauthenticated", "Unauthorized", "Unavailable", "Unprocessable",
    "UnsupportedContent", "install_problem_handlers", "language_of", "status_of",
]

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(ApplicationError):
    """An error only the HTTP edge raises, with its own status (411, 405...): service layers
    raise the application errors of `ocop_shared.errors`, which know no status."""

    status: int = 400

    def __init__(self, message: Text, *, status: int | None = None, headers: dict[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.headers = headers or {}
        if status is not None:
            self.status = status


Unprocessable = Invalid  # the edge's name for it (entrypoints read as HTTP)


class Unauthorized(Problem):
    """401 with its WWW-Authenticate challenge (the sign-in edge's)."""

    status = 401
    slug = "unauthorized"


class ServiceUnavailable(Problem):
    status = 503
    slug = "service-unavailable"


class TooManyRequests(Problem):
    """Refused for now; `retry_after` seconds later it may succeed (sent as Retry-After)."""

    status = 429
    slug = "too-many-requests"

    def __init__(self, message: Text, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, headers={"retry-after": str(max(1, retry_after))},
                         retry_after=max(1, retry_after), **kwargs)

STATUS_OF: tuple[tuple[type[ApplicationError], int], ...] = (
    (Malformed, 400), (Unauthenticated, 401), (Forbidden, 403), (NotFound, 404), (Conflict, 409),
    (Gone, 410), (TooLarge, 413), (UnsupportedContent, 415), (Invalid, 422), (TooManyAttempts, 429),
    (Unavailable, 503),
)


def status_of(error: ApplicationError) -> int:
    if isinstance(error, Problem):
        return error.status
    return next((status for kind, status in STATUS_OF if isinstance(error, kind)), 400)


def headers_of(error: ApplicationError) -> dict[str, str]:
    headers = dict(error.headers) if isinstance(error, Problem) else {}
    if isinstance(error, TooManyAttempts):
        headers["retry-after"] = str(error.retry_after)
    return headers


TITLES: dict[int, Text] = {
    400: message("common.bad_request"),
    401: message("common.not_authenticated"),
    403: message("common.forbidden"),
    404: message("common.not_found"),
    405: message("common.method_not_allowed"),
    409: message("common.conflict"),
    410: message("common.gone"),
    411: message("common.length_required"),
    413: message("common.payload_too_large"),
    415: message("common.unsupported_media_type"),
    422: message("common.unprocessable_content"),
    429: message("common.too_many_requests"),
    500: message("common.internal_error"),
    503: message("common.service_unavailable"),
}


def language_of(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.headers.get("accept-language", "vi")
    return "en" if wanted.lower().startswith("en") else "vi"


@dataclass
class ProblemBody:
    status: int
    slug: str
    detail: str
    title: str
    instance: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {
            "type": f"{PROBLEM_TYPES}{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": self.instance,
            "correlation_id": current_flow().correlation_id,
        }
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extensions)
        return JSONResponse(body, status_code=self.status, media_type=PROBLEM_JSON,
                            headers=self.headers or None)


def _title(status: int, language: str) -> str:
    return TITLES.get(status, TITLES[400 if status < 500 else 500]).pick(language)


_FIELD_MESSAGES: dict[str, Text] = {
    "missing": message("common.field_required"),
    "string_too_short": message("common.value_too_short"),
    "string_too_long": message("common.value_too_long"),
    "string_pattern_mismatch": message("common.value_has_wrong_format"),
    "int_parsing": message("common.must_whole_number"),
    "enum": message("common.value_not_one_allowed_ones"),
    "literal_error": message("common.value_not_one_allowed_ones"),
    "json_invalid": message("common.json_body_not_valid"),
}


def _validation_errors(error: RequestValidationError, language: str) -> list[dict[str, Any]]:
    items = []
    for item in error.errors():
        location = [str(p) for p in item.get("loc", ()) if p not in ("body",)]
        known = _FIELD_MESSAGES.get(item.get("type", ""))
        message = known.pick(language) if known else str(item.get("msg", ""))
        if not known and language == "vi":
            message = f"Giá trị không hợp lệ ({item.get('msg', '')})"
        items.append({"field": ".".join(location) or "body", "message": message})
    return items


# What the framework says in English, said in both languages.
_FRAMEWORK_DETAILS: dict[str, Text] = {
    "There was an error parsing the body": message("common.request_body_could_not_read_invalid"),
}
_STATUS_PHRASES = {status.value: status.phrase for status in HTTPStatus}
JSON_TYPES = ("application/json",)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in JSON_TYPES or media.endswith("+json")


def _unreadable_body(request: Request, exc: RequestValidationError) -> tuple[int, str, Text] | None:
    """A body that is not the JSON the route reads: 415 for another media type, 400 for JSON that
    does not parse (saying where), 422 for none at all — instead of a field named "?" or "13"."""
    whole_body = [e for e in exc.errors() if tuple(e.get("loc", ()))[:1] == ("body",)]
    broken = next((e for e in whole_body if e.get("type") == "json_invalid"), None)
    if broken is not None:
        position = int(broken["loc"][1]) if len(broken["loc"]) > 1 else 0
        text = exc.body if isinstance(exc.body, str) else ""
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        reason = str((broken.get("ctx") or {}).get("error", ""))
        return 400, "malformed-json", message("common.json_body_malformed_at_line_column",
                                              line=line, column=column, position=position, reason=reason)
    if not any(tuple(e.get("loc", ())) == ("body",) for e in whole_body):
        return None  # the body was read; its fields are what is wrong
    content_type = request.headers.get("content-type", "")
    if request.headers.get("content-length", "0") not in ("", "0") and not _is_json(content_type):
        given = content_type.split(";", 1)[0] or "không có / none"
        return 415, "unsupported-media-type", message("common.body_must_json_content_type_application", given=given)
    if all(e.get("type") == "missing" for e in whole_body):
        return 422, "body-required", message("common.request_needs_json_body")
    return None


def _methods_at(request: Request) -> list[str]:
    """Every method the API answers at this path, from its OpenAPI (the framework names only
    the first matching route's, though GET and POST of one path are often two routes)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), request.url.path):
            methods |= {m.upper() for m in operations if m.upper() in _HTTP_METHODS}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


_HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"}


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApplicationError, _application_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _framework_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_or_unavailable)
    # The database, the broker or storage down (or refusing us): answered where the route's
    # errors are, so the answer is the whole story (Starlette re-raises what reaches its
    # outermost handler, and the server then logs a stack trace for an outage).
    from ..messaging.transport import TransportUnavailable
    from ..storage.port import StorageUnavailable

    for outage in (DBAPIError, TransportUnavailable, StorageUnavailable, ConnectionError,
                   TimeoutError, OSError, OverflowError):
        app.add_exception_handler(outage, _unexpected_or_unavailable)


async def _application_error(request: Request, exc: ApplicationError) -> JSONResponse:
    language = language_of(request)
    detail = exc.message.pick(language)
    errors = exc.errors or (
        [{"field": exc.field, "message": detail}] if exc.field else [])
    status = status_of(exc)
    return ProblemBody(
        status=status, slug=exc.slug, detail=detail,
        title=_title(status, language), instance=request.url.path,
        errors=errors, extensions=exc.extensions, headers=headers_of(exc),
    ).response()


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    language = language_of(request)
    unreadable = _unreadable_body(request, exc)
    if unreadable is not None:
        status, slug, said = unreadable
        return ProblemBody(
            status=status, slug=slug, detail=said.pick(language), title=_title(status, language),
            instance=request.url.path, errors=[{"field": "body", "message": said.pick(language)}],
        ).response()
    errors = _validation_errors(exc, language)
    fields = ", ".join(e["field"] for e in errors if e["field"]) or "?"
    detail = message("common.request_has_invalid_fields", fields=fields).pick(language)
    return ProblemBody(
        status=422, slug="validation", detail=detail, title=_title(422, language),
        instance=request.url.path, errors=errors,
    ).response()


async def _framework_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    language = language_of(request)
    known = _FRAMEWORK_DETAILS.get(str(exc.detail))
    if known is not None:
        detail = known.pick(language)
    elif isinstance(exc.detail, str) and exc.detail != _STATUS_PHRASES.get(exc.status_code):
        detail = exc.detail
    else:
        detail = _title(exc.status_code, language)
    headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
    if exc.status_code == 405:
        headers["allow"] = ", ".join(_methods_at(request)) or headers.get("allow", "")
    return ProblemBody(
        status=exc.status_code, slug=f"http-{exc.status_code}", detail=detail,
        title=_title(exc.status_code, language), instance=request.url.path, headers=headers,
    ).response()


def _out_of_range(exc: Exception) -> bool:
    """A number too large for the database's integers (SQLite raises OverflowError; PostgreSQL
    answers SQLSTATE 22003, numeric value out of range): the caller's value, not our fault."""
    if isinstance(exc, OverflowError):
        return True
    state = getattr(getattr(exc, "orig", None), "sqlstate", None) or getattr(exc, "sqlstate", None)
    return state == "22003"


def _unexpected_or_unavailable(request: Request, exc: Exception) -> JSONResponse:
    from ..messaging.retry import is_infrastructure_error

    language = language_of(request)
    if _out_of_range(exc):
        return ProblemBody(
            status=422, slug="out-of-range",
            detail=message("common.number_request_too_large").pick(language),
            title=_title(422, language), instance=request.url.path,
        ).response()
    if is_infrastructure_error(exc):
        log.warning("dependency unavailable on %s: %s", request.url.path, exc)
        return ProblemBody(
            status=503, slug="dependency-unavailable",
            detail=message("common.system_component_unavailable_please_try_again")
            .pick(language),
            title=_title(503, language), instance=request.url.path,
        ).response()
    log.exception("unexpected error on %s", request.url.path)
    # The server closes the connection after an unexpected error (Starlette re-raises it to
    # the server); say so, so the client opens a new one instead of failing its next request.
    return ProblemBody(
        status=500, slug="internal",
        detail=message("common.something_went_wrong_quote_correlation_id")
        .pick(language),
        title=_title(500, language), instance=request.url.path, headers={"connection": "close"},
    ).response()
