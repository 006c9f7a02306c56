"""A body arriving in chunks, regrouped into parts: hashed on the way, checked before its end."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from ocop_shared.storage.port import NotAsDeclared
from ocop_shared.storage.streams import Parts, peek

BODY = bytes(range(256)) * 40  # 10,240 bytes


async def chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def test_parts_regroup_the_chunks_and_hash_them() -> None:
    parts = Parts(chunks_of(BODY, 700), 4096)
    received = [part async for part in parts]
    assert [len(p) for p in received] == [4096, 4096, 2048]
    assert b"".join(received) == BODY
    assert parts.sha256 == hashlib.sha256(BODY).hexdigest()
    assert parts.size == len(BODY)


async def test_a_chunk_bigger_than_a_part_is_split() -> None:
    received = [part async for part in Parts(chunks_of(BODY, 10_000), 3000)]
    assert [len(p) for p in received] == [3000, 3000, 3000, 1240]
    assert b"".join(received) == BODY


async def test_a_body_of_whole_parts_keeps_its_last_part_until_it_ends() -> None:
    received = [part async for part in Parts(chunks_of(BODY, 1024), 5120)]
    assert [len(p) for p in received] == [5120, 5120]


async def test_the_last_part_is_withheld_when_the_sha256_is_not_the_declared_one() -> None:
    received: list[bytes] = []
    with pytest.raises(NotAsDeclared):
        async for part in Parts(chunks_of(BODY, 700), 4096, sha256="0" * 64):
            received.append(part)
    assert sum(map(len, received)) < len(BODY), "whoever stores the parts never gets the end"


async def test_more_bytes_than_declared_are_refused_as_they_come() -> None:
    received: list[bytes] = []
    with pytest.raises(NotAsDeclared):
        async for part in Parts(chunks_of(BODY, 700), 4096, size=5000):
            received.append(part)
    assert sum(map(len, received)) <= 4096
    with pytest.raises(NotAsDeclared):
        async for _ in Parts(chunks_of(BODY, 700), 4096, size=len(BODY) + 1):
            pass


async def test_declared_sha256_and_size_that_match_pass() -> None:
    parts = Parts(chunks_of(BODY, 700), 4096, sha256=hashlib.sha256(BODY).hexdigest(),
                  size=len(BODY))
    assert b"".join([part async for part in parts]) == BODY


async def test_peek_shows_the_head_and_gives_the_whole_stream_back() -> None:
    head, again = await peek(chunks_of(BODY, 1000), 4096)
    assert head == BODY[:4096]
    assert b"".join([chunk async for chunk in again]) == BODY
    head, again = await peek(chunks_of(b"%PDF-", 2), 4096)
    assert head == b"%PDF-"
    assert b"".join([chunk async for chunk in again]) == b"%PDF-"
