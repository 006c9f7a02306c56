"""Filesystem adapter for the embedded mode: the same content-addressed layout in a folder."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import IO, BinaryIO
from urllib.parse import quote

from ..secrets import Secret
from .port import (
    CHUNK,
    IntegrityError,
    ObjectNotFound,
    StorageUnavailable,
    StoredObject,
    hash_file,
    key_for,
)
from .streams import Parts


def sign_download(secret: str, sha256: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"{sha256}:{expires}".encode(), hashlib.sha256).hexdigest()


def download_signature_valid(secret: Secret, sha256: str, expires: int, signature: str,
                             now: float | None = None) -> bool:
    """Signed by any of the download keys (newest first: a rotation cuts no link off)."""
    if (now if now is not None else time.time()) > expires:
        return False
    return any(hmac.compare_digest(sign_download(key, sha256, expires), signature)
               for key in secret.all())


def _temporary_file(folder: Path) -> IO[bytes]:
    return tempfile.NamedTemporaryFile(dir=folder, delete=False)


def _sync(handle: IO[bytes]) -> None:
    handle.flush()
    os.fsync(handle.fileno())


class FilesystemObjectStore:
    """Objects as plain files; 'presigned' URLs point at the service's own signed download route."""

    def __init__(self, root: Path, *, download_base_url: str, download_secret: Secret) -> None:
        self.root = root
        self._download_base_url = download_base_url.rstrip("/")
        self._secret = download_secret

    def _path(self, sha256: str) -> Path:
        return self.root / key_for(sha256)

    async def ping(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageUnavailable(str(error)) from error

    async def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    async def put(self, stream: BinaryIO, content_type: str) -> StoredObject:
        return await asyncio.to_thread(self._put, stream, content_type)

    def _put(self, stream: BinaryIO, content_type: str) -> StoredObject:
        sha256, size = hash_file(stream)
        target = self._path(sha256)
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
                shutil.copyfileobj(stream, tmp, CHUNK)
                _sync(tmp)
            os.replace(tmp.name, target)
        return StoredObject(key=key_for(sha256), sha256=sha256, size=size,
                            content_type=content_type)

    async def put_stream(self, chunks: AsyncIterable[bytes], content_type: str, *,
                         sha256: str | None = None, size: int | None = None) -> StoredObject:
        """Written to a temporary file while hashed, then renamed to its content address."""
        await self.ping()
        parts = Parts(chunks, CHUNK, sha256=sha256, size=size)
        tmp = await asyncio.to_thread(_temporary_file, self.root)
        try:
            with tmp:
                async for part in parts:
                    await asyncio.to_thread(tmp.write, part)
                await asyncio.to_thread(_sync, tmp)
            await asyncio.to_thread(self._keep, Path(tmp.name), parts.sha256)
        finally:
            await asyncio.to_thread(Path(tmp.name).unlink, missing_ok=True)
        return StoredObject(key=key_for(parts.sha256), sha256=parts.sha256, size=parts.size,
                            content_type=content_type)

    def _keep(self, written: Path, sha256: str) -> None:
        target = self._path(sha256)
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(written, target)

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        path = self._path(sha256)
        if not path.is_file():
            raise ObjectNotFound(sha256)
        return self._stream(path, sha256)

    async def _stream(self, path: Path, sha256: str) -> AsyncIterator[bytes]:
        digest = hashlib.sha256()
        handle = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                digest.update(chunk)
                yield chunk
        finally:
            handle.close()
        if digest.hexdigest() != sha256:
            raise IntegrityError(f"object {sha256} is corrupt")

    async def presigned_url(self, sha256: str, seconds: int, filename: str) -> str:
        expires = int(time.time()) + seconds
        signature = sign_download(self._secret.current(), sha256, expires)
        return (f"{self._download_base_url}/{sha256}?expires={expires}"
                f"&signature={signature}&filename={quote(filename)}")
