"""The token verifier a process's services share: one issuer, one key cache.

- An OIDC provider (Keycloak; `OCOP_OIDC_ISSUER`, and the local stack's realm by default in
  kafka mode): its keys over HTTP, from the JWKS its discovery document names.
- The embedded mode without one: the platform's own account store, whose public keys are
  read from its key folder — the document it also serves at `/auth/jwks.json`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from ..keyring import KeyRing
from ..settings import Settings
from .keysets import JwksCache, http_jwks
from .tokens import TokenVerifier

EMBEDDED_ALGORITHM = "Ed25519"


def embedded_key_folder(data_dir: Path) -> Path:
    return data_dir / "keys" / "accounts"


def verifier_for(settings: Settings) -> TokenVerifier:
    if settings.embedded_identity:
        folder = embedded_key_folder(settings.data_dir)

        async def fetch() -> dict[str, Any]:
            return KeyRing.load(folder).jwks(alg=EMBEDDED_ALGORITHM)

        # a few small local files: read again at once when a key id is new (a rotation here)
        keys = JwksCache(fetch, min_refresh_seconds=0.0)
    else:
        async def fetch() -> dict[str, Any]:
            async with httpx.AsyncClient(timeout=5) as client:
                return await http_jwks(client, settings.oidc_internal_url or settings.token_issuer(),
                                       settings.oidc_jwks_url)()

        keys = JwksCache(fetch)  # over the network: at most one refetch each 10 s
    return TokenVerifier(issuer=settings.token_issuer(), audience=settings.oidc_audience, keys=keys)
