"""The object-store port: content-addressed, streamed, verified.

Objects are stored under `sha256/<hex>`: the same bytes are stored once, a key
names exactly one content, and a reader can verify what it got. Writes stream
from a file-like object or from chunks as they arrive, never holding a whole
file in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator
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


class NotAsDeclared(Exception):
    """The bytes received are not the ones the sender declared (sha256 or size); nothing was
    stored."""


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

    async def put_stream(self, chunks: AsyncIterable[bytes], content_type: str, *,
                         sha256: str | None = None, size: int | None = None) -> StoredObject:
        """Store bytes as they arrive (a request body), hashing them on the way.

        `sha256` and `size` are what the sender declared, when it did: with the sha256 the
        bytes can go straight to their content address; both are checked before the object
        becomes visible (NotAsDeclared otherwise). If `chunks` raises, or the bytes are not
        as declared, nothing is stored and the error propagates."""
        ...

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        """Stream an object's bytes, verifying its sha256 at the end."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    async def presigned_url(self, sha256: str, seconds: int, filename: str) -> str: ...

    async def ping(self) -> None:
        """Raise StorageUnavailable if the store cannot be used."""
        ...
