"""The object-store port: content-addressed, streamed, verified.

Objects are stored under `sha256/<hex>`: the same bytes are stored once, a key
names exactly one content, and a reader can verify what it got. Writes stream
from a file-like object in chunks, never holding a whole file in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    content_type: str


class ObjectNotFound(Exception):
    pass


class StorageUnavailable(Exception):
    """The object store cannot be reached; nothing was stored."""


class IntegrityError(Exception):
    """Stored bytes no longer match their sha256."""


def key_for(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256}"


def hash_file(stream: BinaryIO) -> tuple[str, int]:
    """sha256 and size of a seekable stream, read in chunks; rewinds it after."""
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size


class ObjectStore(Protocol):
    async def put(self, stream: BinaryIO, content_type: str) -> StoredObject:
        """Store a seekable stream; returns its content address."""
        ...

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        """Stream an object's bytes, verifying its sha256 at the end."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    async def presigned_url(self, sha256: str, seconds: int, filename: str) -> str: ...

    async def ping(self) -> None:
        """Raise StorageUnavailable if the store cannot be used."""
        ...
