"""The issuer's key set is cached, fetched again for a key id it does not know (a rotation),
but at most once per interval, so made-up key ids cannot make us flood the issuer."""

from __future__ import annotations

from typing import Any

import pytest
from joserfc.jwk import KeySet, OKPKey

from ocop_shared.auth.keysets import JwksCache, KeysUnavailable


class Issuer:
    def __init__(self) -> None:
        self.keys = [OKPKey.generate_key("Ed25519", parameters={"kid": "k1", "use": "sig"})]
        self.fetches = 0
        self.down = False

    async def jwks(self) -> dict[str, Any]:
        self.fetches += 1
        if self.down:
            raise ConnectionError("issuer unreachable")
        document = KeySet(self.keys).as_dict(private=False)
        document["keys"].append({"kty": "RSA", "use": "enc", "kid": "enc", "n": "AQAB", "e": "AQAB"})
        return document


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def kids(keys: KeySet) -> set[str]:
    return {k.kid for k in keys.keys if k.kid}


async def test_unknown_key_ids_refetch_at_most_once_per_interval() -> None:
    issuer, clock = Issuer(), Clock()
    cache = JwksCache(issuer.jwks, max_age_seconds=300, min_refresh_seconds=10, monotonic=clock)
    assert kids(await cache.current()) == {"k1"}, "signing keys only (not the encryption key)"
    assert kids(await cache.current()) == {"k1"} and issuer.fetches == 1
    issuer.keys.append(OKPKey.generate_key("Ed25519", parameters={"kid": "k2", "use": "sig"}))
    assert kids(await cache.refreshed()) == {"k1"}, "fetched a moment ago: not again"
    clock.t += 11
    assert kids(await cache.refreshed()) == {"k1", "k2"} and issuer.fetches == 2
    for _ in range(50):  # a flood of tokens naming keys nobody has
        await cache.refreshed()
    assert issuer.fetches == 2
    clock.t += 301
    await cache.current()
    assert issuer.fetches == 3, "older than max_age: fetched again"


async def test_an_unreachable_issuer_keeps_the_known_keys_and_says_so_when_none() -> None:
    issuer, clock = Issuer(), Clock()
    cache = JwksCache(issuer.jwks, min_refresh_seconds=10, monotonic=clock)
    await cache.current()
    issuer.down = True
    clock.t += 400
    assert kids(await cache.current()) == {"k1"}, "verifying goes on with the keys it has"
    empty = JwksCache(issuer.jwks, monotonic=clock)
    with pytest.raises(KeysUnavailable):
        await empty.current()
