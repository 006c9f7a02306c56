"""Who is signed in: their tokens in HttpOnly cookies, and what the services' records let them do.

The console decides nothing: every API call checks the token itself, and the roles shown
here are what the services answer at `/<service>/access/me` — never read from the token.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError

ACCESS_COOKIE = "ocop_access"
REFRESH_COOKIE = "ocop_refresh"
ID_TOKEN_COOKIE = "ocop_id_token"  # OIDC: the hint the provider's sign-out wants
LANGUAGE_COOKIE = "ocop_console_lang"
SESSION_COOKIES = (ACCESS_COOKIE, REFRESH_COOKIE, ID_TOKEN_COOKIE)

HOME_OF: dict[str, str] = {
    "province_office": "/office", "commune_officer": "/commune", "council_chair": "/council",
    "council_member": "/council", "inspector": "/", "showroom_operator": "/",
    "producer": "/producer",
}


@dataclass(frozen=True)
class Identity:
    subject: str
    name: str
    roles: frozenset[str]
    communes: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    showrooms: frozenset[str] = frozenset()
    logins: tuple[str, ...] = field(default_factory=tuple)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def commune_code(self) -> str | None:
        return min(self.communes) if self.communes else None

    @property
    def home(self) -> str:
        return next((HOME_OF[r] for r in HOME_OF if r in self.roles), "/")


def claims_of(token: str | None) -> dict[str, Any] | None:
    """The token's claims, unchecked: only to show a name and to know when to renew it. The
    APIs check every token they are given."""
    if not token:
        return None
    try:
        claims = json.loads(jws.extract_compact(token.encode()).payload)
    except (JoseError, ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def expired(token: str | None, margin: float = 20.0) -> bool:
    claims = claims_of(token)
    return claims is None or float(claims.get("exp", 0)) - time.time() < margin


async def identity_of(api: Any) -> Identity | None:
    """What the registry (grants, entities) and scoring (council seats) say about the caller."""
    from .problems import ApiProblem

    try:
        registry, scoring = await asyncio.gather(api.get("/registry/access/me"),
                                                 api.maybe("/scoring/access/me"))
    except ApiProblem as problem:
        if problem.status in (401, 403):
            return None
        raise
    roles = set(registry["roles"]) | set((scoring or {}).get("roles", []))
    return Identity(subject=registry["subject"], name=registry["name"], roles=frozenset(roles),
                    communes=frozenset(registry["communes"]),
                    departments=frozenset(registry["departments"]),
                    showrooms=frozenset(registry["showrooms"]), logins=tuple(registry["logins"]))
