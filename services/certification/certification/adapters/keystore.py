"""The signing key ring, loaded on first use from its folder (shared by every replica)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ocop_shared.keyring import KeyRing


class KeyStore:
    """Lazily loads (or creates) the key ring; rotation and refresh run off the event loop."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ring: KeyRing | None = None

    def ring(self) -> KeyRing:
        if self._ring is None:
            self._ring = KeyRing.load_or_create(self.folder)
        return self._ring

    async def loaded(self) -> KeyRing:
        if self._ring is None:
            await asyncio.to_thread(self.ring)
        return self.ring()

    async def refresh(self) -> KeyRing:
        """Re-read the folder: another replica may have rotated."""
        ring = await self.loaded()
        await asyncio.to_thread(ring.refresh)
        return ring

    async def rotate(self) -> str:
        ring = await self.refresh()
        return await asyncio.to_thread(ring.rotate)

    async def jwks(self) -> dict[str, Any]:
        ring = await self.refresh()
        return dict(ring.jwks())
