"""The object store of a service that keeps no files: it has no S3 account at all (least
privilege), and anything that tries to store or read one is told so."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import BinaryIO, NoReturn

from .port import StoredObject


class NoObjectStore:
    def __init__(self, service: str) -> None:
        self.service = service

    def _refuse(self) -> NoReturn:
        raise RuntimeError(f"{self.service} keeps no files (it has no object storage account)")

    async def put(self, stream: BinaryIO, content_type: str) -> StoredObject:
        self._refuse()

    async def put_stream(self, chunks: AsyncIterable[bytes], content_type: str, *,
                         sha256: str | None = None, size: int | None = None) -> StoredObject:
        self._refuse()

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        self._refuse()

    async def exists(self, sha256: str) -> bool:
        self._refuse()

    async def presigned_url(self, sha256: str, seconds: int, filename: str) -> str:
        self._refuse()

    async def ping(self) -> None:
        return None  # nothing to reach
