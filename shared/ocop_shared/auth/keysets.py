"""Where the issuer's public keys come from: its JWKS document, cached, refetched on demand.

The same cache serves both modes; only the fetch differs: over HTTP from the identity
provider (Keycloak's `jwks_uri`, found through its discovery document), or, in the embedded
mode, straight from the platform's own account store (the document it also serves at
`/auth/jwks.json`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

JwksFetch = Callable[[], Awaitable[dict[str, Any]]]


class KeysUnavailable(Exception):
    """The issuer's keys could not be fetched (and none are cached)."""


class JwksCache:
    """The issuer's key set. `refreshed()` refetches when a token names a key id the cache does
    not know (the issuer rotated its keys), at most once per `min_refresh_seconds`, so a flood
    of tokens with made-up key ids cannot make us hammer the issuer."""

    def __init__(self, fetch: JwksFetch, *, max_age_seconds: float = 300.0,
                 min_refresh_seconds: float = 10.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._max_age = max_age_seconds
        self._min_refresh = min_refresh_seconds
        self._now = monotonic
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def current(self) -> KeySet:
        if self._keys is None or self._now() - self._fetched_at > self._max_age:
            return await self._load(force=False)
        return self._keys

    async def refreshed(self) -> KeySet:
        """The key set fetched anew, unless it was fetched less than `min_refresh_seconds` ago."""
        if self._keys is not None and self._now() - self._fetched_at < self._min_refresh:
            return self._keys
        return await self._load(force=True)

    async def _load(self, *, force: bool) -> KeySet:
        async with self._lock:  # one fetch at a time; who waited may find it done already
            age = self._now() - self._fetched_at
            if self._keys is not None and age < (self._min_refresh if force else self._max_age):
                return self._keys
            try:
                document = await self._fetch()
                keys = KeySet.import_key_set(_signing_keys(document))  # type: ignore[arg-type]
            except Exception as error:
                if self._keys is not None:  # keep verifying with what we have
                    log.warning("could not refresh the issuer's keys: %s", error)
                    self._fetched_at = self._now()
                    return self._keys
                raise KeysUnavailable(str(error)) from error
            self.fetches += 1
            self._keys = keys
            self._fetched_at = self._now()
            return keys


def _signing_keys(document: dict[str, Any]) -> dict[str, Any]:
    """Only the keys meant for signatures (Keycloak also lists an encryption key)."""
    keys = [k for k in document.get("keys", []) if isinstance(k, dict) and k.get("use", "sig") == "sig"
            and k.get("kty") in ("RSA", "EC", "OKP")]
    return {"keys": keys}


def http_jwks(client: httpx.AsyncClient, issuer: str, jwks_url: str | None = None) -> JwksFetch:
    """Fetch the JWKS over HTTP; without a URL, the one the issuer's discovery document names."""
    found: dict[str, str] = {}

    async def fetch() -> dict[str, Any]:
        url = jwks_url or found.get("url")
        if url is None:
            discovery = await client.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration",
                                         timeout=5)
            discovery.raise_for_status()
            url = found["url"] = str(discovery.json()["jwks_uri"])
        response = await client.get(url, timeout=5)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    return fetch
