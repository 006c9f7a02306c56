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

Key ring folder (`KeyRing.load_or_create`)::

    <folder>/active            the key id that signs new tokens (one line)
    <folder>/<kid>.key.pem     private key, PKCS#8 PEM, mode 0600 (signing + verifying)
    <folder>/<kid>.pub.pem     public key, SubjectPublicKeyInfo PEM (always written)

A key with only ``<kid>.pub.pem`` verifies but never signs (a retired key). `rotate()`
adds a key and makes it active; old keys keep verifying. Deleting both files of a key
withdraws trust in every token it signed (use it for a compromised key).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..domain.certificate import Certificate, CertificateStatus

VERSION = "OCOP1"
QUERY_PARAM = "t"
MAX_TOKEN_LENGTH = 1024
ACTIVE_FILE = "active"
PRIVATE_SUFFIX = ".key.pem"
PUBLIC_SUFFIX = ".pub.pem"
KID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
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


class KeyRingError(Exception):
    """The key folder cannot be used (bad file, mismatched key pair, no active key)."""


# ---- base64url and canonical JSON -------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict: only the URL-safe alphabet, no padding, canonical trailing bits."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def canonical_json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


# ---- keys ---------------------------------------------------------------------------------


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def jwk_thumbprint(key: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint of the key's JWK (RFC 8037 OKP), base64url."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(_raw_public(key))}
    return b64url_encode(hashlib.sha256(canonical_json(members)).digest())


def default_kid(key: Ed25519PublicKey) -> str:
    """A short key id derived from the key: the first 12 characters of its thumbprint."""
    return jwk_thumbprint(key)[:12]


@dataclass(frozen=True)
class _Key:
    kid: str
    public: Ed25519PublicKey
    private: Ed25519PrivateKey | None


class KeyRing:
    """Ed25519 keys by key id: one active key signs, every key verifies."""

    def __init__(self, keys: Mapping[str, _Key] | None = None, active: str | None = None,
                 folder: Path | None = None) -> None:
        self._keys: dict[str, _Key] = dict(keys or {})
        self._active = active
        self.folder = folder
        if active is not None:
            key = self._keys.get(active)
            if key is None or key.private is None:
                raise KeyRingError(f"active key {active!r} has no private key")

    # -- building

    @classmethod
    def generate(cls) -> KeyRing:
        """An in-memory ring with one fresh key (tests, tools)."""
        ring = cls()
        ring.rotate()
        return ring

    @classmethod
    def from_private_keys(cls, keys: Mapping[str, Ed25519PrivateKey], active: str) -> KeyRing:
        return cls({kid: _Key(_check_kid(kid), k.public_key(), k) for kid, k in keys.items()}, active)

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> KeyRing:
        """A verify-only ring from a published JWKS (RFC 8037 OKP/Ed25519 keys)."""
        keys: dict[str, _Key] = {}
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise KeyRingError("a JWKS needs a 'keys' list")
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
                continue  # other key types are not ours to use
            kid, x = entry.get("kid"), entry.get("x")
            if not isinstance(kid, str) or not isinstance(x, str):
                raise KeyRingError("an Ed25519 JWK needs 'kid' and 'x'")
            try:
                raw = b64url_decode(x)
                public = Ed25519PublicKey.from_public_bytes(raw)
            except ValueError as exc:
                raise KeyRingError(f"key {kid!r}: 'x' is not a 32-byte base64url Ed25519 key") from exc
            keys[_check_kid(kid)] = _Key(kid, public, None)
        return cls(keys)

    @classmethod
    def load(cls, folder: Path | str) -> KeyRing:
        """Read every key in `folder` (see the module doc for the layout)."""
        path = Path(folder)
        keys: dict[str, _Key] = {}
        for file in sorted(path.glob(f"*{PRIVATE_SUFFIX}")):
            kid = _check_kid(file.name[: -len(PRIVATE_SUFFIX)], file)
            private = _load_private(file)
            keys[kid] = _Key(kid, private.public_key(), private)
        for file in sorted(path.glob(f"*{PUBLIC_SUFFIX}")):
            kid = _check_kid(file.name[: -len(PUBLIC_SUFFIX)], file)
            public = _load_public(file)
            if kid in keys:
                if _raw_public(keys[kid].public) != _raw_public(public):
                    raise KeyRingError(f"{file}: does not match {kid}{PRIVATE_SUFFIX}")
                continue
            keys[kid] = _Key(kid, public, None)
        active_file = path / ACTIVE_FILE
        active = active_file.read_text(encoding="ascii").strip() if active_file.exists() else None
        if active is not None and (active not in keys or keys[active].private is None):
            raise KeyRingError(f"{active_file}: names {active!r}, which has no {PRIVATE_SUFFIX} file")
        return cls(keys, active, folder=path)

    @classmethod
    def load_or_create(cls, folder: Path | str) -> KeyRing:
        """Load the ring; on first start (no signing key yet) generate one and make it active.

        A lock file serialises concurrent first starts, so replicas share one key.
        """
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _locked(path):
            ring = cls.load(path)
            if ring._active is None:
                signing = [k.kid for k in ring._keys.values() if k.private is not None]
                if len(signing) == 1:
                    ring._set_active(signing[0])
                elif signing:
                    raise KeyRingError(f"{path}: several private keys and no '{ACTIVE_FILE}' file")
                else:
                    ring.rotate()
            return ring

    # -- using

    @property
    def active_kid(self) -> str:
        if self._active is None:
            raise KeyRingError("this key ring has no signing key (verify-only)")
        return self._active

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._keys)

    def public_key(self, kid: str) -> Ed25519PublicKey:
        key = self._keys.get(kid)
        if key is None and self.folder is not None:
            self.refresh()  # another replica may have rotated
            key = self._keys.get(kid)
        if key is None:
            raise UnknownKey(
                f"Mã QR được ký bằng khóa không được công bố ({kid})",
                f"The QR was signed with a key that is not published ({kid})",
            )
        return key.public

    def sign(self, data: bytes) -> bytes:
        key = self._keys[self.active_kid]
        assert key.private is not None
        return key.private.sign(data)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """Every public key as a JWKS (RFC 7517) of OKP/Ed25519 keys (RFC 8037), for publication."""
        return {"keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(_raw_public(self._keys[kid].public)),
             "kid": kid, "use": "sig", "alg": "EdDSA"}
            for kid in self.key_ids
        ]}

    # -- rotation

    def rotate(self, kid: str | None = None) -> str:
        """Add a fresh key and make it the signing key; older keys still verify."""
        private = Ed25519PrivateKey.generate()
        kid = _check_kid(kid or default_kid(private.public_key()))
        if kid in self._keys:
            raise KeyRingError(f"key id {kid!r} already exists")
        if self.folder is not None:
            _write_private(self.folder / f"{kid}{PRIVATE_SUFFIX}", private)
            _write_atomic(self.folder / f"{kid}{PUBLIC_SUFFIX}", _public_pem(private.public_key()), 0o644)
        self._keys[kid] = _Key(kid, private.public_key(), private)
        self._set_active(kid)
        return kid

    def retire(self, kid: str) -> None:
        """Stop signing with `kid` for good (drop its private key); its tokens still verify."""
        if kid == self._active:
            raise KeyRingError("rotate to a new key before retiring the active one")
        key = self._keys.get(kid)
        if key is None:
            raise KeyRingError(f"no key {kid!r}")
        if self.folder is not None:
            _write_atomic(self.folder / f"{kid}{PUBLIC_SUFFIX}", _public_pem(key.public), 0o644)
            (self.folder / f"{kid}{PRIVATE_SUFFIX}").unlink(missing_ok=True)
        self._keys[kid] = _Key(kid, key.public, None)

    def refresh(self) -> None:
        """Re-read the folder (keys added or rotated by another process)."""
        if self.folder is None:
            return
        fresh = KeyRing.load(self.folder)
        self._keys, self._active = fresh._keys, fresh._active or self._active

    def _set_active(self, kid: str) -> None:
        self._active = kid
        if self.folder is not None:
            _write_atomic(self.folder / ACTIVE_FILE, (kid + "\n").encode("ascii"), 0o644)


def _check_kid(kid: str, source: Path | None = None) -> str:
    if not KID_PATTERN.fullmatch(kid):
        where = f"{source}: " if source else ""
        raise KeyRingError(f"{where}key id {kid!r} must be 1-64 of A-Z a-z 0-9 _ -")
    return kid


def _load_private(file: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyRingError(f"{file}: not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyRingError(f"{file}: not an Ed25519 key")
    return key


def _load_public(file: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(file.read_bytes())
    except ValueError as exc:
        raise KeyRingError(f"{file}: not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyRingError(f"{file}: not an Ed25519 key")
    return key


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _write_private(file: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    _write_atomic(file, pem, 0o600)


def _write_atomic(file: Path, data: bytes, mode: int) -> None:
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, file)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


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
                f"Phiên bản mã QR {version} chưa được hỗ trợ; hãy cập nhật ứng dụng kiểm tra",
                f"QR format {version} is not supported; update the verifier",
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
    public = ring.public_key(parsed.key_id)
    try:
        public.verify(signature, f"{version}.{payload_b64}".encode("ascii"))
    except InvalidSignature:
        raise SignatureMismatch(
            "Chữ ký không khớp với nội dung: mã QR đã bị sửa hoặc chữ ký bị giả mạo",
            "The signature does not match the content: the QR payload was altered or the "
            "signature forged",
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
    return MalformedToken(f"Mã QR không hợp lệ ({why})", f"Not a valid OCOP QR token ({why})")


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
