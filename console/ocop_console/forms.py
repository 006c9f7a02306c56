"""Form fields to API request bodies (the field names follow the APIs' so errors line up)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from starlette.datastructures import FormData as MultiForm  # a submitted form: fields may repeat


def text(form: MultiForm, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: MultiForm, name: str) -> str | None:
    return text(form, name) or None


def checked(form: MultiForm, name: str) -> bool:
    return form.get(name) in ("on", "true", "1", "yes")


def whole(form: MultiForm, name: str) -> int | str | None:
    """A whole number, or the text as typed so the API can say what is wrong with it."""
    value = text(form, name)
    if not value:
        return None
    return int(value) if value.lstrip("-").isdigit() else value


def picked(form: MultiForm, prefix: str, codes: Iterable[str]) -> dict[str, int]:
    """Radio groups named `<prefix>.<code>` -> {code: option index} for those answered."""
    found: dict[str, int] = {}
    for code in codes:
        value = text(form, f"{prefix}.{code}")
        if value.isdigit():
            found[code] = int(value)
    return found


def claims(form: MultiForm, codes: Iterable[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Form 02's claims (one per answered criterion, with its evidence) and their codes in the
    order sent, to name the API's positional errors back by criterion."""
    chosen = picked(form, "claims", codes)
    body = [{"criterion_code": code, "option_index": index,
             "description": text(form, f"description.{code}"),
             "evidence": [str(e) for e in form.getlist(f"evidence.{code}") if e]}
            for code, index in chosen.items()]
    return body, list(chosen)


def leaf_criteria(parts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The criteria of a score sheet that carry options (the ones a member answers)."""
    found: list[dict[str, Any]] = []

    def walk(criteria: Iterable[Mapping[str, Any]]) -> None:
        for criterion in criteria:
            if criterion.get("children"):
                walk(criterion["children"])
            else:
                found.append(dict(criterion))

    for part in parts:
        walk(part.get("criteria", []))
    return found
