"""Delta-sync cursors: opaque to clients, signed so a forged or edited one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence

from ocop_shared.i18n import said

from .errors import DomainError


def _sign(secret: str, body: bytes) -> str:
    return base64.urlsafe_b64encode(
        hmac.new(secret.encode(), body, hashlib.sha256).digest()[:18]).decode().rstrip("=")


def encode(secret: str, catalog_id: str, version: int) -> str:
    """A cursor signed with `secret` (the newest cursor key)."""
    body = json.dumps({"c": catalog_id, "v": version}, separators=(",", ":")).encode()
    payload = base64.urlsafe_b64encode(body).decode().rstrip("=")
    return f"{payload}.{_sign(secret, body)}"


def decode(secrets: Sequence[str], cursor: str, catalog_id: str) -> int:
    """The catalog version the cursor stands for; refuses forged or foreign cursors. Any of
    `secrets` may have signed it (a key being rotated out still vouches for its cursors)."""
    try:
        payload, signature = cursor.split(".", 1)
        body = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        data = json.loads(body)
        version = int(data["v"])
        owner = str(data["c"])
    except (ValueError, KeyError, TypeError) as error:
        raise DomainError(*said("trade.sync_cursor_malformed"),
                          field="cursor") from error
    if not any(hmac.compare_digest(_sign(secret, body), signature) for secret in secrets):
        raise DomainError(*said("trade.sync_cursor_was_altered_forged"), field="cursor")
    if owner != catalog_id:
        raise DomainError(*said("trade.sync_cursor_belongs_another_catalog"), field="cursor")
    return version
