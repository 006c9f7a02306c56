"""Who is signed in (the development sign-in keeps the API token in an HttpOnly cookie)."""

from __future__ import annotations

from dataclasses import dataclass

import jwt

TOKEN_COOKIE = "ocop_console_token"
LANGUAGE_COOKIE = "ocop_console_lang"

# What a person picks on the sign-in page -> the API roles of their token.
PERSONAS: dict[str, tuple[str, ...]] = {
    "producer": ("entity_user",),
    "commune": ("commune_officer",),
    "office": ("province_office",),
    "member": ("council_member",),
    "chair": ("council_chair", "council_member"),
}
HOME_OF: dict[str, str] = {
    "entity_user": "/producer", "commune_officer": "/commune", "province_office": "/office",
    "council_chair": "/council", "council_member": "/council",
}


@dataclass(frozen=True)
class Identity:
    subject: str
    name: str
    roles: frozenset[str]
    commune_code: str | None

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def home(self) -> str:
        return next((HOME_OF[r] for r in HOME_OF if r in self.roles), "/")


def identity_of(token: str | None) -> Identity | None:
    """Reads the token's claims to shape the pages. The signature is not checked here on
    purpose: the console decides nothing; every API call checks the token itself."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": True})
    except jwt.PyJWTError:
        return None
    return Identity(subject=str(claims.get("sub", "")), name=str(claims.get("name") or ""),
                    roles=frozenset(str(r) for r in claims.get("roles", [])),
                    commune_code=claims.get("commune_code"))
