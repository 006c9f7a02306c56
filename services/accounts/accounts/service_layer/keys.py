"""The issuer's signing keys: a new one every OCOP_SIGNING_KEY_DAYS, the old one kept
published until every token it signed has expired, then withdrawn."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ocop_shared.jobs import BackgroundJob
from ocop_shared.keyring import KeyRing

log = logging.getLogger(__name__)


def rotate(ring: KeyRing) -> str:
    """Sign with a fresh key from now on; the previous one only verifies."""
    previous = ring.active_kid
    kid = ring.rotate()
    ring.retire(previous)
    log.info("accounts: signing key %s replaces %s", kid, previous)
    return kid


def maintain(ring: KeyRing, now: datetime, *, every: timedelta, token_lifetime: timedelta) -> None:
    ring.refresh()
    born = ring.created_at(ring.active_kid)
    if born is not None and now - born >= every:
        rotate(ring)
        born = now
    if born is not None and now - born > token_lifetime + timedelta(minutes=5):
        for kid in ring.key_ids:  # none of their tokens is still valid
            if kid != ring.active_kid:
                ring.forget(kid)
                log.info("accounts: key %s withdrawn from the JWKS", kid)


def rotation_job(ring: KeyRing, now: Callable[[], datetime], *, every: timedelta,
                 token_lifetime: timedelta, check_seconds: float = 600.0) -> BackgroundJob:
    async def job(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                maintain(ring, now(), every=every, token_lifetime=token_lifetime)
            except Exception as error:  # a full disk must not stop the platform
                log.warning("accounts: key maintenance failed: %s", error)
            try:
                await asyncio.wait_for(stop.wait(), timeout=check_seconds)
            except TimeoutError:
                pass

    return job
