"""Bytes arriving in chunks (a request body): regrouped into parts and hashed on the way."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterable, AsyncIterator

from .port import NotAsDeclared


class Parts:
    """A stream of chunks as parts of `size` bytes (the last one shorter), hashed in one pass.

    Each chunk is copied once, into the part being filled, and let go; the finished part is
    handed out as the very buffer it was filled in (BytesIO.getvalue shares it), so a part
    costs its own size in memory and never twice that.

    The last part is handed out only once the stream has ended and matched what the sender
    declared (`sha256`, `size`; NotAsDeclared otherwise): whoever finishes an object on the
    last part never finishes a wrong one. Once read, `sha256` and `size` describe the stream.
    """

    def __init__(self, chunks: AsyncIterable[bytes], part_size: int, *,
                 sha256: str | None = None, size: int | None = None) -> None:
        self._chunks = chunks
        self._part_size = part_size
        self._declared_sha256 = sha256
        self._declared_size = size
        self._digest = hashlib.sha256()
        self.size = 0

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        part = io.BytesIO()
        async for chunk in self._chunks:
            self._digest.update(chunk)
            self.size += len(chunk)
            if self._declared_size is not None and self.size > self._declared_size:
                raise NotAsDeclared(f"more than the {self._declared_size} bytes declared")
            rest = memoryview(chunk)
            while rest:
                if part.tell() == self._part_size:  # and more follows: not the last part
                    yield part.getvalue()
                    part = io.BytesIO()
                room = self._part_size - part.tell()
                part.write(rest[:room])
                rest = rest[room:]
        if self._declared_size is not None and self.size != self._declared_size:
            raise NotAsDeclared(f"{self.size} bytes received, {self._declared_size} declared")
        if self._declared_sha256 is not None and self.sha256 != self._declared_sha256:
            raise NotAsDeclared(f"sha256 {self.sha256} received, {self._declared_sha256} declared")
        if part.tell():
            yield part.getvalue()


async def peek(chunks: AsyncIterator[bytes], size: int) -> tuple[bytes, AsyncIterator[bytes]]:
    """The first `size` bytes of a stream (fewer if it is shorter), and the whole stream again."""
    read: list[bytes] = []
    count = 0
    while count < size:
        chunk = await anext(chunks, None)
        if chunk is None:
            break
        read.append(chunk)
        count += len(chunk)

    async def again() -> AsyncIterator[bytes]:
        for chunk in read:
            yield chunk
        async for chunk in chunks:
            yield chunk

    return b"".join(read)[:size], again()
