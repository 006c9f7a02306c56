"""Reading untyped JSON into typed values while collecting every problem with its place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .errors import Issue

# ------------------------------------------------------------------ place helpers


@dataclass(frozen=True)
class Place:
    en: tuple[str, ...] = ()
    vi: tuple[str, ...] = ()

    def at(self, en: str, vi: str) -> Place:
        return Place((*self.en, en), (*self.vi, vi))

    def issue(self, reason: str, reason_vi: str) -> Issue:
        return Issue(", ".join(self.en), reason, ", ".join(self.vi), reason_vi)


def set_place(no: object) -> Place:
    return Place().at(f"set {no}", f"bộ {no}")


class Issues:
    def __init__(self) -> None:
        self.items: list[Issue] = []

    def add(self, place: Place, reason: str, reason_vi: str) -> None:
        self.items.append(place.issue(reason, reason_vi))


def typename(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


class Reader:
    """Typed access to a JSON object, recording an issue for each wrong or missing key."""

    def __init__(self, obj: Mapping[str, Any], place: Place, issues: Issues, known: Iterable[str]):
        self.obj = obj
        self.place = place
        self.issues = issues
        self.ok = True
        extra = sorted(set(obj) - set(known))
        for key in extra:
            self._bad(f"unknown key {key!r}", f"khóa không xác định {key!r}")

    def _bad(self, en: str, vi: str) -> None:
        self.ok = False
        self.issues.add(self.place, en, vi)

    def _get(self, key: str, required: bool) -> tuple[bool, Any]:
        if key not in self.obj:
            if required:
                self._bad(f"missing {key!r}", f"thiếu {key!r}")
            return False, None
        return True, self.obj[key]

    def integer(self, key: str) -> int:
        present, value = self._get(key, True)
        if present and (isinstance(value, bool) or not isinstance(value, int)):
            self._bad(f"{key!r} must be an integer, not {typename(value)}",
                      f"{key!r} phải là số nguyên, không phải {typename(value)}")
            return 0
        return value if present else 0

    def opt_integer(self, key: str) -> int | None:
        present, value = self._get(key, False)
        if not present or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._bad(f"{key!r} must be an integer or null, not {typename(value)}",
                      f"{key!r} phải là số nguyên hoặc null, không phải {typename(value)}")
            return None
        return value

    def number(self, key: str, required: bool = True) -> Decimal | None:
        present, value = self._get(key, required)
        if not present or (value is None and not required):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._bad(f"{key!r} must be a number, not {typename(value)}",
                      f"{key!r} phải là số, không phải {typename(value)}")
            return None
        return Decimal(str(value))

    def text(self, key: str) -> str:
        present, value = self._get(key, True)
        if present and (not isinstance(value, str) or not value.strip()):
            self._bad(f"{key!r} must be a non-empty string", f"{key!r} phải là chuỗi không rỗng")
            return ""
        return value if present else ""

    def opt_text(self, key: str) -> str | None:
        present, value = self._get(key, False)
        if not present or value is None:
            return None
        if not isinstance(value, str):
            self._bad(f"{key!r} must be a string or null", f"{key!r} phải là chuỗi hoặc null")
            return None
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        present, value = self._get(key, False)
        if not present:
            return default
        if not isinstance(value, bool):
            self._bad(f"{key!r} must be true or false", f"{key!r} phải là true hoặc false")
            return default
        return value

    def array(self, key: str, required: bool = True) -> list[Any]:
        present, value = self._get(key, required)
        if not present:
            return []
        if not isinstance(value, list):
            self._bad(f"{key!r} must be an array", f"{key!r} phải là mảng")
            return []
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.array(key, required=False)
        if not all(isinstance(v, str) for v in values):
            self._bad(f"{key!r} must be an array of strings", f"{key!r} phải là mảng chuỗi")
            return ()
        return tuple(values)

    def mapping(self, key: str, required: bool = True) -> Mapping[str, Any] | None:
        present, value = self._get(key, required)
        if not present or (value is None and not required):
            return None
        if not isinstance(value, dict):
            self._bad(f"{key!r} must be an object", f"{key!r} phải là đối tượng")
            return None
        return value

    def day(self, key: str, required: bool = True) -> date | None:
        present, value = self._get(key, required)
        if not present or (value is None and not required):
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self._bad(f"{key!r} must be an ISO date (YYYY-MM-DD)", f"{key!r} phải là ngày dạng YYYY-MM-DD")
            return None


