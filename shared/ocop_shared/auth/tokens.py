"""Verifying access tokens as an OAuth 2 resource server: by the issuer's published keys.

Checks, in order: the token's shape and size; its algorithm (only asymmetric ones: Ed25519 —
named EdDSA before RFC 9864 —, ES256, RS256; never `none`, never an HMAC keyed with a public
key); its key id (unknown
ids make the key set be fetched again, rate-limited); the signature; then `iss`, `aud`,
`exp`, `nbf` and `sub`. Each refusal says why, in Vietnamese and English.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from .keysets import JwksCache, KeysUnavailable

ALGORITHMS = ("Ed25519", "EdDSA", "ES256", "RS256")
MAX_TOKEN_BYTES = 8192


class TokenRejected(Exception):
    """A token that proves nothing; `reason` is a stable slug, `vi`/`en` tell a person why."""

    def __init__(self, reason: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.reason = reason
        self.vi = vi
        self.en = en


class IssuerUnavailable(Exception):
    """The issuer's keys cannot be fetched: nobody can be verified right now (503, not 401)."""


@dataclass(frozen=True)
class VerifiedToken:
    subject: str
    claims: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        c = self.claims
        full = " ".join(p for p in (c.get("given_name"), c.get("family_name")) if p)
        return str(c.get("name") or full or c.get("preferred_username") or "")

    @property
    def client_id(self) -> str | None:
        value = self.claims.get("azp") or self.claims.get("client_id")
        return str(value) if value else None

    @property
    def is_service_account(self) -> bool:
        """A client acting for itself (client credentials), not a person."""
        return bool(self.claims.get("client_id")) or str(
            self.claims.get("preferred_username", "")).startswith("service-account-")

    @property
    def session_id(self) -> str | None:
        value = self.claims.get("sid")
        return str(value) if value else None

    @property
    def expires_at(self) -> int:
        return int(self.claims["exp"])

    @property
    def identities(self) -> frozenset[str]:
        """The identity keys this token proves (see `logins`): an e-mail or phone number only
        when the issuer says it verified it."""
        c = self.claims
        keys = {f"sub:{self.subject}"}
        if c.get("email") and c.get("email_verified") is True:
            keys.add(f"email:{str(c['email']).strip().lower()}")
        if c.get("phone_number") and c.get("phone_number_verified") is True:
            keys.add(f"phone:{c['phone_number']}")
        if self.is_service_account and self.client_id:
            keys.add(f"client:{self.client_id}")
        return frozenset(keys)


class TokenVerifier:
    def __init__(self, *, issuer: str, audience: str, keys: JwksCache, leeway_seconds: int = 30,
                 now: Callable[[], float] = time.time) -> None:
        self.issuer = issuer
        self.audience = audience
        self._keys = keys
        self._leeway = leeway_seconds
        self._now = now

    async def verify(self, token: str) -> VerifiedToken:
        raw = token.strip().encode()
        if len(raw) > MAX_TOKEN_BYTES:
            raise _rejected("malformed")
        header = _header(raw)
        algorithm = header.get("alg")
        if not algorithm or str(algorithm).lower() == "none":
            raise _rejected("unsigned")
        if algorithm not in ALGORITHMS:
            raise _rejected("algorithm", str(algorithm))
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _rejected("no_key_id")
        key = await self._key(kid)
        if key is None:
            raise _rejected("unknown_key", kid)
        try:
            decoded = jwt.decode(raw, key, algorithms=[algorithm])
        except BadSignatureError as error:
            raise _rejected("signature") from error
        except JoseError as error:  # a key of another type than the algorithm, a bad payload
            raise _rejected("malformed") from error
        self._check_claims(decoded.claims)
        return VerifiedToken(subject=str(decoded.claims["sub"]), claims=dict(decoded.claims))

    async def _key(self, kid: str) -> Any:
        try:
            keys = await self._keys.current()
            found = _find(keys, kid)
            if found is None:
                found = _find(await self._keys.refreshed(), kid)
        except KeysUnavailable as error:
            raise IssuerUnavailable(str(error)) from error
        return found

    def _check_claims(self, claims: dict[str, Any]) -> None:
        registry = jwt.JWTClaimsRegistry(
            now=int(self._now()), leeway=self._leeway,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True}, sub={"essential": True})
        try:
            registry.validate(claims)
        except ExpiredTokenError as error:
            raise _rejected("expired") from error
        except MissingClaimError as error:
            raise _rejected("missing_claim", error.claim) from error
        except InvalidClaimError as error:
            reason = {"iss": "issuer", "aud": "audience", "nbf": "not_yet_valid",
                      "iat": "not_yet_valid"}.get(error.claim, "claim")
            raise _rejected(reason, str(claims.get(error.claim, error.claim))) from error
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise _rejected("missing_claim", "sub")


def _find(keys: KeySet, kid: str) -> Any:
    return next((k for k in keys.keys if k.kid == kid), None)


def _header(raw: bytes) -> dict[str, Any]:
    parts = raw.split(b".")
    if len(parts) != 3:
        raise _rejected("malformed")
    try:
        header = jws.extract_compact(raw).headers()
    except (JoseError, ValueError, json.JSONDecodeError) as error:
        raise _rejected("malformed") from error
    if not isinstance(header, dict):
        raise _rejected("malformed")
    return header


_MESSAGES: dict[str, tuple[str, str]] = {
    "malformed": ("Mã xác thực không đúng định dạng JWT", "The token is not a well-formed JWT"),
    "unsigned": ("Mã xác thực không có chữ ký (alg: none)", "The token is not signed (alg: none)"),
    "algorithm": ("Thuật toán ký {0} không được chấp nhận (chỉ Ed25519/EdDSA, ES256, RS256)",
                  "Signature algorithm {0} is not accepted (only Ed25519/EdDSA, ES256, RS256)"),
    "no_key_id": ("Mã xác thực không ghi khóa ký (kid)", "The token names no signing key (kid)"),
    "unknown_key": ("Khóa ký {0} không thuộc bên cấp mã xác thực",
                    "Signing key {0} is not one of the issuer's keys"),
    "signature": ("Chữ ký của mã xác thực không đúng (mã đã bị sửa hoặc giả mạo)",
                  "The token's signature does not match (it was altered or forged)"),
    "expired": ("Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại",
                "The token has expired; sign in again"),
    "not_yet_valid": ("Mã xác thực chưa đến thời điểm có hiệu lực (nbf)",
                      "The token is not valid yet (nbf)"),
    "issuer": ("Mã xác thực do bên khác cấp ({0})", "The token was issued by someone else ({0})"),
    "audience": ("Mã xác thực không dành cho hệ thống này (aud: {0})",
                 "The token is not meant for this platform (aud: {0})"),
    "missing_claim": ("Mã xác thực thiếu thông tin bắt buộc ({0})",
                      "The token lacks a required claim ({0})"),
    "claim": ("Mã xác thực có thông tin không hợp lệ ({0})", "The token has an invalid claim ({0})"),
}


def _rejected(reason: str, detail: str = "") -> TokenRejected:
    vi, en = _MESSAGES[reason]
    return TokenRejected(reason, vi.format(detail[:80]), en.format(detail[:80]))
