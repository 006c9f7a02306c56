"""Signed QR payloads (Ed25519) and the key ring that signs and verifies them.

Token (the text a phone can verify offline)::

    OCOP1.<base64url(payload)>.<base64url(signature)>

- base64url without padding (RFC 4648 §5); the payload is canonical JSON: sorted keys,
  no spaces, ASCII only, e.g.
  ``{"iat":1780282800,"k":"Zq3...","n":"89-2026-00001","p":"89-30301-1-2026","s":4,"st":"active","u":"2029-05-31"}``
  (``n`` certificate number, ``p`` OCOP product code, ``s`` stars, ``u`` valid until,
  ``st`` status when the QR was made, ``k`` key id, ``iat`` issued-at in Unix seconds);
- the signature is Ed25519 over the ASCII bytes ``OCOP1.<base64url(payload)>`` (the
  version prefix is signed too, as in JWS).

The QR code encodes the verification URL with the token as its ``t`` query parameter
(`verification_url`): a phone camera opens the public page, and an offline app takes the
token from the URL (`token_from_qr`) and checks it against the published keys (JWKS).
An offline check proves the QR was made by the authority; only the online page can tell
that a certificate was revoked or superseded since.

The key ring (`ocop_shared.keyring.KeyRing`) keeps the Ed25519 keys in a folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from cryptography.exceptions import InvalidSignature

from ocop_shared.i18n import said
from ocop_shared.keyring import (  # noqa: F401  (re-exported: the QR's key ring)
    KID_PATTERN,
    b64url_decode,
    b64url_encode,
    canonical_json,
    default_kid,
    jwk_thumbprint,
)
from ocop_shared.keyring import (
    KeyRing as KeyRing,
)
from ocop_shared.keyring import (
    KeyRingError as KeyRingError,
)
from ocop_shared.keyring import (
    UnknownKeyId as UnknownKeyId,
)

from ..domain.certificate import Certificate, CertificateStatus

VERSION = "OCOP1"
QUERY_PARAM = "t"
MAX_TOKEN_LENGTH = 1024
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_CLAIM_KEYS = frozenset({"iat", "k", "n", "p", "s", "st", "u"})
_STATUSES = frozenset(s.value for s in CertificateStatus)


# ---- errors ------------------------------------------------------------------------


class TokenError(Exception):
    """A QR token that must not be trusted; `vi`/`en` say why, `code` is a stable slug."""

    code = "invalid-token"

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


class MalformedToken(TokenError):
    """Not a token at all: wrong shape, bad base64url, bad JSON, missing or odd fields."""

    code = "malformed-token"


class UnsupportedVersion(TokenError):
    """A well-formed token of another format version (e.g. OCOP2): update the verifier."""

    code = "unsupported-version"


class UnknownKey(TokenError):
    """Signed with a key id that is not (or no longer) published."""

    code = "unknown-key"


class SignatureMismatch(TokenError):
    """The signature does not match the payload: the payload was altered or the signature
    forged. Ed25519 cannot tell which of the two halves was changed."""

    code = "signature-mismatch"


# ---- tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrClaims:
    number: str
    product_code: str
    stars: int
    valid_until: date
    status: str  # the certificate's status when the QR was made
    key_id: str
    issued_at: datetime

    def offline_status(self, today: date) -> str:
        """What an offline check can say: the status at issue, or expired after `valid_until`.
        (Revocation, supersession and extensions are only known online.)"""
        if self.status == CertificateStatus.ACTIVE and today > self.valid_until:
            return CertificateStatus.EXPIRED.value
        return self.status


def sign_token(ring: KeyRing, *, number: str, product_code: str, stars: int, valid_until: date,
               issued_at: datetime, status: str = CertificateStatus.ACTIVE.value) -> str:
    """A signed token for a certificate, with the ring's active key."""
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    if status not in _STATUSES:
        raise ValueError(f"unknown status {status!r}")
    claims = {"n": number, "p": product_code, "s": stars, "u": valid_until.isoformat(),
              "st": str(status), "k": ring.active_kid, "iat": int(issued_at.timestamp())}
    _check_claims(claims)  # never sign what verification would reject
    signing_input = f"{VERSION}.{b64url_encode(canonical_json(claims))}"
    signature = ring.sign(signing_input.encode("ascii"))
    token = f"{signing_input}.{b64url_encode(signature)}"
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError("token too long for a QR code")
    return token


def token_for(ring: KeyRing, certificate: Certificate, issued_at: datetime) -> str:
    return sign_token(ring, number=certificate.number, product_code=certificate.product_code,
                      stars=certificate.stars, valid_until=certificate.valid_until,
                      status=certificate.status.value, issued_at=issued_at)


def verify_token(ring: KeyRing, text: str) -> QrClaims:
    """Check a token (or a verification URL carrying one); the claims if it is genuine.

    Raises MalformedToken, UnsupportedVersion, UnknownKey or SignatureMismatch.
    """
    token = token_from_qr(text)
    parts = token.split(".")
    if len(parts) != 3:
        raise _malformed("expected three parts separated by '.'")
    version, payload_b64, signature_b64 = parts
    if version != VERSION:
        if re.fullmatch(r"OCOP\d{1,3}", version):
            raise UnsupportedVersion(
                *said("certification.qr_format_not_supported_update_verifier", version=version),
            )
        raise _malformed(f"it does not start with {VERSION}.")
    try:
        payload = b64url_decode(payload_b64)
        signature = b64url_decode(signature_b64)
    except ValueError as exc:
        raise _malformed("bad base64url") from exc
    if len(signature) != 64:
        raise _malformed("an Ed25519 signature has 64 bytes")
    try:
        claims = json.loads(payload.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _malformed("the payload is not ASCII JSON") from exc
    if not isinstance(claims, dict):
        raise _malformed("the payload is not a JSON object")
    parsed = _check_claims(claims)
    try:
        public = ring.public_key(parsed.key_id)
    except UnknownKeyId:
        raise UnknownKey(
            *said("certification.qr_was_signed_with_key_not", parsed_key_id=parsed.key_id),
        ) from None
    try:
        public.verify(signature, f"{version}.{payload_b64}".encode("ascii"))
    except InvalidSignature:
        raise SignatureMismatch(
            *said("certification.signature_does_not_match_content_qr"),
        ) from None
    return parsed


def public_page_url(base_url: str, number: str) -> str:
    """The certificate's public verification page."""
    return f"{base_url.rstrip('/')}/certification/verify/{quote(number, safe='')}"


def verification_url(base_url: str, number: str, token: str) -> str:
    """What the QR code encodes: the public verification page, carrying the token."""
    return f"{public_page_url(base_url, number)}?{QUERY_PARAM}={token}"


def qr_text_for(ring: KeyRing, certificate: Certificate, *, base_url: str, issued_at: datetime) -> str:
    return verification_url(base_url, certificate.number, token_for(ring, certificate, issued_at))


def token_from_qr(text: str) -> str:
    """The token in a scanned QR text: a verification URL (its ``t`` parameter) or a bare token."""
    text = text.strip()
    if len(text) > MAX_TOKEN_LENGTH + 512:
        raise _malformed("too long")
    if "://" in text:
        values = parse_qs(urlsplit(text).query).get(QUERY_PARAM, [])
        if len(values) != 1:
            raise _malformed(f"the URL has no '{QUERY_PARAM}' parameter")
        text = values[0]
    if len(text) > MAX_TOKEN_LENGTH:
        raise _malformed("too long")
    return text


def _malformed(why: str) -> MalformedToken:
    return MalformedToken(*said("certification.not_valid_ocop_qr_token", why=why))


def _check_claims(claims: Mapping[str, Any]) -> QrClaims:
    if set(claims) != _CLAIM_KEYS:
        raise _malformed(f"fields must be {sorted(_CLAIM_KEYS)}")
    n, p, s, u, st, k, iat = (claims[x] for x in ("n", "p", "s", "u", "st", "k", "iat"))
    if not (isinstance(n, str) and 0 < len(n) <= 64 and isinstance(p, str) and 0 < len(p) <= 64):
        raise _malformed("bad certificate number or product code")
    if isinstance(s, bool) or not isinstance(s, int) or not 3 <= s <= 5:
        raise _malformed("stars must be 3, 4 or 5")
    if not isinstance(st, str) or st not in _STATUSES:
        raise _malformed("unknown status")
    if not isinstance(k, str) or not KID_PATTERN.fullmatch(k):
        raise _malformed("bad key id")
    if isinstance(iat, bool) or not isinstance(iat, int) or not 0 <= iat < 2**40:
        raise _malformed("bad issued-at")
    try:
        until = date.fromisoformat(u) if isinstance(u, str) and len(u) == 10 else None
    except ValueError:
        until = None
    if until is None:
        raise _malformed("bad valid-until date")
    return QrClaims(number=n, product_code=p, stars=s, valid_until=until, status=st, key_id=k,
                    issued_at=datetime.fromtimestamp(iat, UTC))
