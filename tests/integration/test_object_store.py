"""Object storage on the real S3 server (minio SDK) and on the filesystem (embedded mode)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import subprocess
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from helpers import ROOT
from ocop_shared.secrets import Secret
from ocop_shared.settings import Settings
from ocop_shared.storage.filesystem import FilesystemObjectStore, download_signature_valid
from ocop_shared.storage.port import (
    IntegrityError,
    NotAsDeclared,
    ObjectNotFound,
    ObjectStore,
    StorageUnavailable,
    StoredObject,
    key_for,
)
from ocop_shared.storage.s3 import S3ObjectStore

DOSSIER = ("Bản công bố chất lượng sản phẩm — Mắm cá linh Châu Đốc\n" * 240_000).encode()


def s3_store(bucket: str | None = None) -> S3ObjectStore:
    s = Settings()
    credentials = s.s3_credentials("registry")  # a service's account (it may make its buckets)
    assert credentials is not None, "deploy/stack.sh makes the registry's S3 account"
    return S3ObjectStore(s.s3_endpoint, *credentials, bucket or f"ocop-test-{uuid.uuid4().hex[:8]}",
                         region=s.s3_region)


async def read_all(store: ObjectStore, sha256: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(sha256)])


@pytest.fixture(params=[pytest.param("s3", marks=pytest.mark.s3), "filesystem"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "s3":
        return s3_store()
    return FilesystemObjectStore(tmp_path / "objects", download_base_url="http://x/files",
                                 download_secret=Secret("OCOP_DOWNLOAD_SECRET", "secret"))


async def test_put_is_content_addressed_streamed_and_verified(store: ObjectStore) -> None:
    assert len(DOSSIER) > 16 * 1024 * 1024, "big enough for a multipart upload"
    stored = await store.put(io.BytesIO(DOSSIER), "application/pdf")
    expected = hashlib.sha256(DOSSIER).hexdigest()
    assert stored.sha256 == expected
    assert stored.key == key_for(expected)
    assert stored.size == len(DOSSIER)
    assert await store.exists(expected)
    assert await read_all(store, expected) == DOSSIER
    again = await store.put(io.BytesIO(DOSSIER), "application/pdf")
    assert again == stored, "the same bytes are stored once under the same key"


async def chunks_of(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


class CutOff(Exception):
    pass


async def cut_off_after(data: bytes, count: int) -> AsyncIterator[bytes]:
    async for chunk in chunks_of(data[:count]):
        yield chunk
    raise CutOff("the sender went away")


async def holdings(store: ObjectStore) -> tuple[list[str], list[str]]:
    """What a store holds: its objects' keys, and anything else (unfinished multipart uploads
    on S3, temporary files on the filesystem)."""
    if isinstance(store, S3ObjectStore):
        client = store._client
        objects = await asyncio.to_thread(lambda: [
            o.object_name for o in client.list_objects(store.bucket, recursive=True)])
        # the SDK lists unfinished multipart uploads only through this (its ListMultipartUploads)
        unfinished = await asyncio.to_thread(
            lambda: [u.object_name for u in client._list_multipart_uploads(store.bucket).uploads])
        return sorted(objects), unfinished
    assert isinstance(store, FilesystemObjectStore)
    files = [str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file()]
    return sorted(f for f in files if f.startswith("sha256/")), [
        f for f in files if not f.startswith("sha256/")]


@pytest.mark.parametrize("body", [DOSSIER, DOSSIER[:300_000]], ids=["several-parts", "one-part"])
@pytest.mark.parametrize("declared", [True, False], ids=["sha256-declared", "sha256-unknown"])
async def test_put_stream_stores_a_body_as_it_arrives(store: ObjectStore, declared: bool,
                                                      body: bytes) -> None:
    expected = hashlib.sha256(body).hexdigest()
    stored = await store.put_stream(chunks_of(body), "application/pdf",
                                    sha256=expected if declared else None, size=len(body))
    assert stored == StoredObject(key=key_for(expected), sha256=expected, size=len(body),
                                  content_type="application/pdf")
    assert await read_all(store, expected) == body
    again = await store.put_stream(chunks_of(body), "application/pdf", sha256=expected,
                                   size=len(body))
    assert again == stored
    assert await holdings(store) == ([key_for(expected)], [])


async def test_put_stream_not_as_declared_stores_nothing(store: ObjectStore) -> None:
    body = DOSSIER + b"one more line"
    declared = hashlib.sha256(DOSSIER).hexdigest()
    with pytest.raises(NotAsDeclared):
        await store.put_stream(chunks_of(body), "application/pdf", sha256=declared, size=len(body))
    with pytest.raises(NotAsDeclared):
        await store.put_stream(chunks_of(body), "application/pdf", size=len(body) - 1)
    assert not await store.exists(declared)
    assert not await store.exists(hashlib.sha256(body).hexdigest())
    assert await holdings(store) == ([], [])


@pytest.mark.parametrize("declared", [True, False], ids=["sha256-declared", "sha256-unknown"])
async def test_put_stream_cut_off_midway_stores_nothing(store: ObjectStore, declared: bool) -> None:
    expected = hashlib.sha256(DOSSIER).hexdigest()
    with pytest.raises(CutOff):
        await store.put_stream(cut_off_after(DOSSIER, 12 * 1024 * 1024), "application/pdf",
                               sha256=expected if declared else None, size=len(DOSSIER))
    assert not await store.exists(expected)
    assert await holdings(store) == ([], [])


async def test_missing_object_is_reported(store: ObjectStore) -> None:
    await store.ping()
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert not await store.exists(missing)
    with pytest.raises(ObjectNotFound):
        await store.open(missing)


async def test_filesystem_detects_corruption(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path, download_base_url="http://x/files",
                                  download_secret=Secret("OCOP_DOWNLOAD_SECRET", "secret"))
    stored = await store.put(io.BytesIO(b"phieu tu danh gia"), "text/plain")
    (tmp_path / stored.key).write_bytes(b"tampered")
    with pytest.raises(IntegrityError):
        await read_all(store, stored.sha256)


async def test_filesystem_presigned_urls_expire(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path, download_base_url="http://x/files",
                                  download_secret=Secret("OCOP_DOWNLOAD_SECRET", "secret"))
    stored = await store.put(io.BytesIO(b"x"), "text/plain")
    url = await store.presigned_url(stored.sha256, 60, "ho so.pdf")
    query = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
    expires, signature = int(query["expires"]), query["signature"]
    assert download_signature_valid(Secret("K", "secret"), stored.sha256, expires, signature)
    assert not download_signature_valid(Secret("K", "secret"), stored.sha256, expires, signature,
                                        now=expires + 1)
    assert not download_signature_valid(Secret("K", "other"), stored.sha256, expires, signature)


@pytest.mark.s3
async def test_s3_presigned_url_downloads_with_the_file_name() -> None:
    store = s3_store()
    stored = await store.put(io.BytesIO(b"%PDF-1.7 giay chung nhan"), "application/pdf")
    url = await store.presigned_url(stored.sha256, 300, "giay-chung-nhan.pdf")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"%PDF-1.7 giay chung nhan"
        assert "giay-chung-nhan.pdf" in response.headers.get("Content-Disposition", "")


@pytest.mark.s3
async def test_s3_down_is_reported_quickly_and_stores_nothing() -> None:
    store = s3_store()
    await store.ping()
    stack = str(ROOT / "deploy" / "stack.sh")
    subprocess.run([stack, "stop", "s3"], check=True, capture_output=True, timeout=120)
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            await store.put(io.BytesIO(b"evidence"), "text/plain")
        assert time.monotonic() - started < 15, "the caller learns within seconds"
        with pytest.raises(StorageUnavailable):
            await store.ping()
    finally:
        subprocess.run([stack, "start", "s3"], check=True, capture_output=True, timeout=180)
    assert not await store.exists(hashlib.sha256(b"evidence").hexdigest())
