"""The OpenAPI document tells the truth about what the API does.

FastAPI documents what a route returns on success and a 422 it never sends in that shape.
This completes it from the same sources that decide the answers: the permission matrix (who
may call, so which security scheme and which roles — the guard enforces exactly this table)
and the problem handlers (every error is RFC 9457 problem+json, with the statuses below).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..auth.permissions import Permission, Row, matrix
from ..auth.roles import Role

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `detail` in Vietnamese, or English with "
                   "Accept-Language: en.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "correlation_id": {"type": "string", "description": "Quote it to support: it finds the log lines"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    },
    "additionalProperties": True,
}
SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": "An OIDC access token of the platform's issuer (aud ocop-api). "
                              "What it may do comes from the office's records, not its claims."},
    "tillKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                "description": "A showroom's till key (issued by the office), for the till routes."},
}
STATUS_TEXT = {
    400: "Bad request: the body could not be read (malformed JSON, with where)",
    401: "No valid access token (the reason is in detail)",
    403: "The caller's roles or records do not allow this",
    404: "No such record",
    413: "The body is over its limit",
    409: "Conflicts with the record's current state (the detail says how)",
    415: "The body is not of a media type this operation reads",
    422: "Invalid fields (each in errors[])",
    503: "A dependency (database, broker, file store) is unavailable: retry later",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying",
                               "schema": {"type": "integer"}}}


def _statuses(path: str, method: str, operation: dict[str, Any], row: Row) -> list[int]:
    found = [503]
    if method in ("post", "put", "patch", "delete"):
        found.append(409)  # the record's state does not allow it now (taken, closed, revoked...)
    if not row.public:
        found += [401, 403]
    elif any(p is not Permission.ALLOW for r, p in row.cells.items() if r is not Role.PUBLIC):
        found += [403]
    if operation.get("parameters") or operation.get("requestBody"):
        found.append(422)
    if operation.get("requestBody"):
        found += [400, 413, 415]
    if "{" in path or operation.get("requestBody"):
        found.append(404)  # the record named in the path, or one the body refers to
    return found


def _security(row: Row) -> list[dict[str, list[str]]]:
    schemes: list[dict[str, list[str]]] = [{"bearer": []}]
    if Role.POS_CLIENT in row.admitted:
        schemes.append({"tillKey": []})
    if row.public:
        schemes.insert(0, {})  # no credentials needed; a token may still say who asks
    return schemes


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """The document with security, roles and every error response filled in (in place)."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            row = matrix().row(method, path)
            if row is None:
                continue
            operation["security"] = _security(row)
            operation["x-roles"] = {role.value: permission.value for role, permission in row.cells.items()
                                    if permission is not Permission.DENY}
            responses = operation.setdefault("responses", {})
            for status in _statuses(path, method, operation, row):
                declared = responses.setdefault(str(status), {})
                if status == 422 or "description" not in declared:  # FastAPI's 422 is not what is sent
                    declared["description"] = STATUS_TEXT[status]
            for status, response in responses.items():  # with a route's own 410, 429...: all problems
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
                    if int(status) in (429, 503):
                        response["headers"] = RETRY_AFTER
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return schema


def install(app: Any) -> None:
    """Make `app.openapi()` answer the completed document (built once)."""
    original: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if not getattr(app, "_ocop_openapi_complete", False):
            app.openapi_schema = complete(original())
            app._ocop_openapi_complete = True
        return app.openapi_schema  # type: ignore[no-any-return]

    app.openapi = openapi


def for_service(schema: dict[str, Any], service: str) -> dict[str, Any]:
    """The part of the platform's document that is one service's (its paths, and the rest)."""
    prefix = f"/{service}/"
    return {**schema, "info": {**schema.get("info", {}), "title": f"OCOP {service} service"},
            "paths": {p: ops for p, ops in schema.get("paths", {}).items() if p.startswith(prefix)}}
