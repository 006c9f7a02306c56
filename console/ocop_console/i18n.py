"""What the console shows, in Vietnamese (the default) and English, from the one catalogue
(`ocop_shared.i18n`: gettext .po files per language)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ocop_shared.i18n import DEFAULT, LANGUAGES, lookup, translate
from ocop_shared.provinces import Province
from ocop_shared.settings import default_province

__all__ = ["DEFAULT", "LANGUAGES", "Translator", "language_of"]


def language_of(query: str | None, cookie: str | None) -> str:
    """`?lang=` wins, then the remembered choice, then Vietnamese."""
    for wanted in (query, cookie):
        if wanted in LANGUAGES:
            return str(wanted)
    return DEFAULT


class Translator:
    def __init__(self, language: str, province: Province | None = None) -> None:
        self.language = language if language in LANGUAGES else DEFAULT
        self.province = province or default_province()

    def __call__(self, key: str, **values: Any) -> str:
        if "{province" in (lookup(self.language, key) or ""):  # titles name the province
            values.setdefault("province", self.province.name)
            values.setdefault("province_full", self.province.in_text_vi if self.language == "vi"
                              else self.province.in_text_en)
        return translate(self.language, key, **values)

    def label(self, prefix: str, code: str | None) -> str:
        """The name of an API code (a document kind, a status...); the code itself if unnamed."""
        if code is None:
            return ""
        return lookup(self.language, f"{prefix}.{code}") or str(code)

    def options(self, codes: Iterable[str], prefix: str) -> list[tuple[str, str]]:
        return [(code, self.label(prefix, code)) for code in codes]
