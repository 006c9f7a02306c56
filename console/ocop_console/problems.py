"""API errors (RFC 9457 problem+json) turned into what a page shows: a message per field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class ApiProblem(Exception):
    """An API answered with an error; `fields` maps a form field name to its message."""

    status: int
    detail: str
    title: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}"

    @property
    def general(self) -> str:
        """The message to show above the form: the detail, unless every field already says it."""
        if self.fields and all(message == self.detail for message in self.fields.values()):
            return ""
        return self.detail

    def messages(self, key: str, language: str) -> list[str]:
        """Lists an API attaches to a problem, e.g. `missing` or `blockers` ({vi, en} or
        {message_vi, message_en} items), in the page's language."""
        found = []
        for item in self.body.get(key) or []:
            if isinstance(item, dict):
                text = (item.get(language) or item.get(f"message_{language}")
                        or item.get("message") or item.get("vi") or item.get("message_vi"))
                if text:
                    found.append(str(text))
        return found


def field_errors(body: dict[str, Any]) -> dict[str, str]:
    """`errors[].field` (or the problem's single `field`) -> message; the first one wins."""
    found: dict[str, str] = {}
    for item in body.get("errors") or []:
        if isinstance(item, dict) and item.get("field"):
            found.setdefault(str(item["field"]), str(item.get("message") or body.get("detail", "")))
    if not found and body.get("field"):
        found[str(body["field"])] = str(body.get("detail", ""))
    return found


def problem_from(response: httpx.Response) -> ApiProblem:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    detail = str(body.get("detail") or body.get("title") or response.reason_phrase or "")
    return ApiProblem(status=response.status_code, detail=detail, title=str(body.get("title", "")),
                      fields=field_errors(body), body=body)


def rename_indexed(fields: dict[str, str], prefix: str, keys: Sequence[str]) -> dict[str, str]:
    """The API names list items by position (`claims.3.option_index`); the form names them by
    key (`claims.1.4`). Renames `prefix.<i>[.rest]` to `prefix.<keys[i]>`."""
    renamed: dict[str, str] = {}
    for name, message in fields.items():
        head, _, rest = name.partition(".")
        index, _, _ = rest.partition(".")
        if head == prefix and index.isdigit() and int(index) < len(keys):
            renamed.setdefault(f"{prefix}.{keys[int(index)]}", message)
        else:
            renamed.setdefault(name, message)
    return renamed
