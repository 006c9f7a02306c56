"""Trade rule violations, told in Vietnamese and English."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, vi: str, en: str, *, field: str | None = None) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en
        self.field = field
