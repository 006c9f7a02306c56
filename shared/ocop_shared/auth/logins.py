"""Logins: how the office names a person before they have an account (an e-mail address or a
Vietnamese phone number), and the identity keys that bind records to people.

A record (a grant, a council seat, an entity membership) is bound to an identity key:
``email:<address>``, ``phone:<0xxxxxxxxx>``, ``sub:<subject>`` or ``client:<client id>``.
A verified token proves a set of keys (its subject, and its e-mail or phone only when the
identity provider verified them), and a record applies when its key is among them.
"""

from __future__ import annotations

import re

from ..i18n import said

_MOBILE = re.compile(r"^0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-9])\d{7}$")
_LANDLINE = re.compile(r"^02\d{9}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
_KEY = re.compile(r"^(email|phone|sub|client):\S{1,254}$")


class InvalidLogin(ValueError):
    def __init__(self, vi: str, en: str, field: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en
        self.field = field


def normalise_phone(raw: str) -> str:
    """A Vietnamese phone number in national form (0xxxxxxxxx)."""
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    raise InvalidLogin(*said("registry.not_vietnamese_phone_number_e_g", raw=raw),
                       "phone")


def normalise_email(raw: str) -> str:
    email = raw.strip()
    if len(email) <= 254 and _EMAIL.match(email):
        return email.lower()
    raise InvalidLogin(*said("registry.not_e_mail_address", raw=raw),
                       "email")


def login_key(raw: str) -> str:
    """The identity key of what a person types to sign in: an e-mail address or a phone number
    (an identity key itself passes through, normalised)."""
    text = raw.strip()
    kind, sep, rest = text.partition(":")
    if sep and kind in ("sub", "client"):
        if not _KEY.match(text):
            raise _not_a_login(raw)
        return text
    if sep and kind in ("email", "phone"):
        text = rest
    if "@" in text:
        return f"email:{normalise_email(text)}"
    if re.fullmatch(r"[\d\s.\-()+]{8,20}", text):
        return f"phone:{normalise_phone(text)}"
    raise _not_a_login(raw)


def _not_a_login(raw: str) -> InvalidLogin:
    return InvalidLogin(*said("common.neither_e_mail_address_nor_phone", raw=raw), "login")


def shown(key: str) -> str:
    """An identity key as a person reads it (the address or number without its kind)."""
    kind, _, rest = key.partition(":")
    return rest if kind in ("email", "phone") else key
