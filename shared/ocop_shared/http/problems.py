"""RFC 9457 problem+json errors, Vietnamese first with English on request.

Domain and service code raise `Problem` (or a subclass); the handlers here turn
it, request-validation errors and anything unexpected into problem+json. A
stack trace never reaches the caller: unexpected errors are logged with the
correlation id, which is also returned so support can find the log line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..messaging.flow import current_flow

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Text:
    """A message in Vietnamese and English."""

    vi: str
    en: str

    def pick(self, language: str) -> str:
        return self.en if language == "en" else self.vi


class Problem(Exception):
    """An error a person can act on. `status` is the HTTP status it maps to."""

    status: int = 400
    slug: str = "bad-request"

    def __init__(
        self,
        message: Text,
        *,
        status: int | None = None,
        slug: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(message.en)
        self.message = message
        self.field = field
        self.headers = headers or {}
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        self.errors = errors or []
        self.extensions = extensions


class NotFound(Problem):
    status = 404
    slug = "not-found"


class Conflict(Problem):
    status = 409
    slug = "conflict"


class Unprocessable(Problem):
    status = 422
    slug = "unprocessable"


class Forbidden(Problem):
    status = 403
    slug = "forbidden"


class Unauthorized(Problem):
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


TITLES: dict[int, Text] = {
    400: Text("Yêu cầu không hợp lệ", "Bad request"),
    401: Text("Chưa xác thực", "Not authenticated"),
    403: Text("Không có quyền", "Forbidden"),
    404: Text("Không tìm thấy", "Not found"),
    405: Text("Phương thức không được hỗ trợ", "Method not allowed"),
    409: Text("Xung đột dữ liệu", "Conflict"),
    410: Text("Không còn hiệu lực", "Gone"),
    411: Text("Thiếu độ dài nội dung", "Length required"),
    413: Text("Tệp quá lớn", "Payload too large"),
    415: Text("Loại tệp không được chấp nhận", "Unsupported media type"),
    422: Text("Dữ liệu không hợp lệ", "Unprocessable content"),
    429: Text("Quá nhiều yêu cầu", "Too many requests"),
    500: Text("Lỗi hệ thống", "Internal error"),
    503: Text("Dịch vụ tạm thời không sẵn sàng", "Service unavailable"),
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
            "type": f"https://ocop.angiang.gov.vn/problems/{self.slug}",
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
    "missing": Text("Trường này là bắt buộc", "This field is required"),
    "string_too_short": Text("Giá trị quá ngắn", "Value is too short"),
    "string_too_long": Text("Giá trị quá dài", "Value is too long"),
    "string_pattern_mismatch": Text("Giá trị không đúng định dạng", "Value has the wrong format"),
    "int_parsing": Text("Phải là số nguyên", "Must be a whole number"),
    "enum": Text("Giá trị không thuộc danh sách cho phép", "Value is not one of the allowed ones"),
    "literal_error": Text("Giá trị không thuộc danh sách cho phép",
                          "Value is not one of the allowed ones"),
    "json_invalid": Text("Nội dung JSON không hợp lệ", "The JSON body is not valid"),
}


def _validation_errors(error: RequestValidationError, language: str) -> list[dict[str, Any]]:
    items = []
    for item in error.errors():
        location = [str(p) for p in item.get("loc", ()) if p not in ("body",)]
        known = _FIELD_MESSAGES.get(item.get("type", ""))
        message = known.pick(language) if known else str(item.get("msg", ""))
        if not known and language == "vi":
            message = f"Giá trị không hợp lệ ({item.get('msg', '')})"
        items.append({"field": ".".join(location), "message": message})
    return items


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        language = language_of(request)
        detail = exc.message.pick(language)
        errors = exc.errors or (
            [{"field": exc.field, "message": detail}] if exc.field else [])
        return ProblemBody(
            status=exc.status, slug=exc.slug, detail=detail,
            title=_title(exc.status, language), instance=request.url.path,
            errors=errors, extensions=exc.extensions, headers=exc.headers,
        ).response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        language = language_of(request)
        errors = _validation_errors(exc, language)
        fields = ", ".join(e["field"] for e in errors if e["field"]) or "?"
        detail = Text(f"Dữ liệu gửi lên chưa hợp lệ: {fields}",
                      f"The request has invalid fields: {fields}").pick(language)
        return ProblemBody(
            status=422, slug="validation", detail=detail, title=_title(422, language),
            instance=request.url.path, errors=errors,
        ).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        language = language_of(request)
        detail = exc.detail if isinstance(exc.detail, str) else _title(exc.status_code, language)
        return ProblemBody(
            status=exc.status_code, slug=f"http-{exc.status_code}", detail=detail,
            title=_title(exc.status_code, language), instance=request.url.path,
        ).response()

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _unexpected_or_unavailable(request, exc)

    # The database, the broker or storage down (or refusing us): answered where the route's
    # errors are, so the answer is the whole story (Starlette re-raises what reaches its
    # outermost handler, and the server then logs a stack trace for an outage).
    from ..messaging.transport import TransportUnavailable
    from ..storage.port import StorageUnavailable

    for outage in (DBAPIError, TransportUnavailable, StorageUnavailable, ConnectionError,
                   TimeoutError, OSError):
        app.add_exception_handler(outage, _unexpected_or_unavailable)


def _unexpected_or_unavailable(request: Request, exc: Exception) -> JSONResponse:
    from ..messaging.retry import is_infrastructure_error

    language = language_of(request)
    if is_infrastructure_error(exc):
        log.warning("dependency unavailable on %s: %s", request.url.path, exc)
        return ProblemBody(
            status=503, slug="dependency-unavailable",
            detail=Text("Một thành phần hệ thống đang không sẵn sàng, vui lòng thử lại sau.",
                        "A system component is unavailable; please try again later.")
            .pick(language),
            title=_title(503, language), instance=request.url.path,
        ).response()
    log.exception("unexpected error on %s", request.url.path)
    return ProblemBody(
        status=500, slug="internal",
        detail=Text("Đã xảy ra lỗi không mong muốn. Hãy báo mã tương quan cho bộ phận hỗ trợ.",
                    "Something went wrong. Quote the correlation id to support.")
        .pick(language),
        title=_title(500, language), instance=request.url.path,
    ).response()
