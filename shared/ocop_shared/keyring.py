"""Ed25519 signing keys in a folder: one active key signs, every key verifies, published as a
JWKS (RFC 7517, OKP keys of RFC 8037). The certification service signs QR codes with one, the
embedded account store signs access tokens with another.

Folder layout (`KeyRing.load_or_create`)::

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ACTIVE_FILE = "active"
PRIVATE_SUFFIX = ".key.pem"
PUBLIC_SUFFIX = ".pub.pem"
KID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class UnknownKeyId(KeyError):
    """No key of the ring has this id."""


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
        self._seen = _folder_version(folder)
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
            raise UnknownKeyId(kid)
        return key.public

    def signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        """The active key id and its private key (for a JOSE library to sign with)."""
        key = self._keys[self.active_kid]
        assert key.private is not None
        return key.kid, key.private

    def created_at(self, kid: str) -> datetime | None:
        """When the key was made (its public key file's time), if the ring has a folder."""
        if self.folder is None:
            return None
        file = self.folder / f"{kid}{PUBLIC_SUFFIX}"
        return datetime.fromtimestamp(file.stat().st_mtime, UTC) if file.exists() else None

    def forget(self, kid: str) -> None:
        """Stop publishing a retired key: tokens it signed no longer verify."""
        if kid == self._active:
            raise KeyRingError("the active key cannot be forgotten")
        self._keys.pop(kid, None)
        if self.folder is not None:
            (self.folder / f"{kid}{PRIVATE_SUFFIX}").unlink(missing_ok=True)
            (self.folder / f"{kid}{PUBLIC_SUFFIX}").unlink(missing_ok=True)

    def sign(self, data: bytes) -> bytes:
        key = self._keys[self.active_kid]
        assert key.private is not None
        return key.private.sign(data)

    def jwks(self, alg: str = "EdDSA") -> dict[str, list[dict[str, str]]]:
        """Every public key as a JWKS (RFC 7517) of OKP/Ed25519 keys (RFC 8037), for publication;
        `alg` names the signature ("EdDSA", or "Ed25519" as RFC 9864 has it)."""
        return {"keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(_raw_public(self._keys[kid].public)),
             "kid": kid, "use": "sig", "alg": alg}
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
        self._seen = fresh._seen

    def refresh_if_changed(self) -> None:
        """Re-read the folder if a file was added, replaced or removed since (a rotation by
        `ocop accounts rotate-keys` or another replica); a stat() otherwise."""
        if self.folder is not None and _folder_version(self.folder) != self._seen:
            self.refresh()

    def _set_active(self, kid: str) -> None:
        self._active = kid
        if self.folder is not None:
            _write_atomic(self.folder / ACTIVE_FILE, (kid + "\n").encode("ascii"), 0o644)


def _folder_version(folder: Path | None) -> int | None:
    """Changes whenever a key file is created, renamed into place or removed."""
    try:
        return folder.stat().st_mtime_ns if folder is not None else None
    except FileNotFoundError:
        return None


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
