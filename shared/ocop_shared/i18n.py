"""The one catalogue of what people read, in Vietnamese (the default) and English.

gettext catalogues, one `.po` file per language under `locale/<lang>/LC_MESSAGES/ocop.po`,
read with Babel. Each message has a stable key as its msgid (`nav.skip`, `registry.entity.not_found`)
and `{name}` placeholders (python-brace-format); the Vietnamese file carries the English beside
each message as a comment, so a Vietnamese reviewer reads every message in one place, and
`tests` check both files have the same keys and placeholders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from .errors import Text

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
DOMAIN = "ocop"
LOCALE_DIR = Path(__file__).parent / "locale"


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


@cache
def messages(language: str) -> dict[str, str]:
    """Key → text of one language (untranslated entries left out: they fall back)."""
    return {str(m.id): str(m.string) for m in read_catalog(language) if m.id and m.string}


def lookup(language: str, key: str) -> str | None:
    """The text of `key` in `language`, else in Vietnamese; None for an unknown key."""
    wanted = language if language in LANGUAGES else DEFAULT
    return messages(wanted).get(key) or messages(DEFAULT).get(key)


def translate(language: str, key: str, /, **values: Any) -> str:
    """The text of `key` with its placeholders filled; the key itself if it is unknown. A value
    that is itself a `Text` (a name in both languages) is filled in the same language."""
    text = lookup(language, key) or key
    if not values:
        return text
    return text.format(**{name: value.pick(language) if isinstance(value, Text) else value
                          for name, value in values.items()})


def message(key: str, /, **values: Any) -> Text:
    """A service's message to a person, in both languages, from the catalogue (an application
    error carries it; the edge picks the language the caller asked for)."""
    return Text(*said(key, **values))


def names_in(prefix: str, codes: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """The Vietnamese and English names of codes whose keys are `<prefix>.<code>` (a report's
    levels, statuses, kinds of entity)."""
    return {code: said(f"{prefix}.{code}") for code in codes}


def said(key: str, /, **values: Any) -> tuple[str, str]:
    """A message's Vietnamese and English, for the domain's own errors (which carry both)."""
    return translate("vi", key, **values), translate("en", key, **values)
