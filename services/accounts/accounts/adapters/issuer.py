"""The embedded issuer: access tokens (JWT, Ed25519) signed with the account store's key ring,
whose public half it publishes as JWKS — the services verify them exactly as Keycloak's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.jwk import OKPKey

from ocop_shared.auth.issuers import EMBEDDED_ALGORITHM
from ocop_shared.auth.logins import shown
from ocop_shared.keyring import KeyRing

from ..domain.account import Account


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


class Issuer:
    def __init__(self, ring: KeyRing, *, issuer: str, audience: str, lifetime: timedelta) -> None:
        self.ring = ring
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime
        self._jose: dict[str, OKPKey] = {}

    def access_token(self, account: Account, *, session_id: str, client_id: str,
                     now: datetime) -> IssuedToken:
        self.ring.refresh_if_changed()
        kid, private = self.ring.signing_key()
        key = self._jose.get(kid)
        if key is None:
            key = self._jose[kid] = OKPKey.import_key(private, parameters={"kid": kid})
        expires = now + self.lifetime
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.audience, "sub": account.id, "azp": client_id,
            "sid": session_id, "jti": str(uuid.uuid4()), "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()), "exp": int(expires.timestamp()), "name": account.name,
            "preferred_username": shown(account.login),
        }
        kind, _, address = account.login.partition(":")
        if kind == "email":
            claims.update(email=address, email_verified=True)
        elif kind == "phone":
            claims.update(phone_number=address, phone_number_verified=True)
        token = jwt.encode({"alg": EMBEDDED_ALGORITHM, "kid": kid, "typ": "at+jwt"}, claims, key,
                           algorithms=[EMBEDDED_ALGORITHM])
        return IssuedToken(token, expires)

    def jwks(self) -> dict[str, Any]:
        self.ring.refresh_if_changed()
        return self.ring.jwks(alg=EMBEDDED_ALGORITHM)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/jwks.json",
            "token_endpoint": f"{self.issuer}/token",
            "grant_types_supported": ["password", "refresh_token"],
            "id_token_signing_alg_values_supported": [EMBEDDED_ALGORITHM],
            "token_endpoint_auth_methods_supported": ["none"],
            "subject_types_supported": ["public"],
            "claims_supported": ["sub", "name", "email", "email_verified", "phone_number",
                                 "phone_number_verified", "sid", "azp"],
        }
