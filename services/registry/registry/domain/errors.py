"""Registry rule violations, told in Vietnamese and English."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the registry was broken."""

    def __init__(self, vi: str, en: str, *, field: str | None = None) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en
        self.field = field


class Incomplete(DomainError):
    """A dossier lacks items; `missing` lists each one (Vietnamese, English)."""

    def __init__(self, missing: list[tuple[str, str]]) -> None:
        super().__init__(
            "Hồ sơ chưa đầy đủ: " + "; ".join(vi for vi, _ in missing),
            "The dossier is incomplete: " + "; ".join(en for _, en in missing),
        )
        self.missing = missing
