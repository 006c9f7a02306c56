"""S3 adapter on the `minio` SDK, for any S3-compatible server.

The SDK is synchronous, so each call runs in a worker thread. Retries are
few and short: when the server is down the caller should learn it in seconds
(and answer 503), not after a minute of back-off.
"""

from __future__ import annotations

import asyncio
import hashlib
import queue
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import timedelta
from typing import Any, BinaryIO

import urllib3
from minio import Minio
from minio.error import S3Error

from .port import CHUNK, IntegrityError, StorageUnavailable, StoredObject, hash_file, key_for
from .streams import Parts

_UNAVAILABLE = (urllib3.exceptions.HTTPError, OSError)
PART_SIZE = 5 * 1024 * 1024  # S3's smallest: a streamed upload holds about three in memory


class S3ObjectStore:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str = "us-east-1",
        part_size: int = PART_SIZE,
    ) -> None:
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=2.0, read=60.0),
            retries=urllib3.Retry(total=2, backoff_factor=0.2,
                                  status_forcelist=[500, 502, 503, 504]),
            maxsize=10,
        )
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key,
                             secure=secure, region=region, http_client=http)
        self.bucket = bucket
        self.part_size = part_size
        self._bucket_ready = False

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except _UNAVAILABLE as error:
            raise StorageUnavailable(f"S3 server unreachable: {error}") from error

    async def ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        exists: bool = await self._call(self._client.bucket_exists, self.bucket)
        if not exists:
            try:
                await self._call(self._client.make_bucket, self.bucket)
            except S3Error as error:
                if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self._bucket_ready = True

    async def ping(self) -> None:
        self._bucket_ready = False
        await self.ensure_bucket()

    async def exists(self, sha256: str) -> bool:
        await self.ensure_bucket()
        try:
            await self._call(self._client.stat_object, self.bucket, key_for(sha256))
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise
        return True

    async def put(self, stream: BinaryIO, content_type: str) -> StoredObject:
        await self.ensure_bucket()
        sha256, size = await asyncio.to_thread(hash_file, stream)
        return await self._put_hashed(stream, sha256, size, content_type)

    async def _put_hashed(self, stream: BinaryIO, sha256: str, size: int,
                          content_type: str) -> StoredObject:
        key = key_for(sha256)
        if not await self.exists(sha256):
            await self._call(
                self._client.put_object, self.bucket, key, stream, size,
                content_type=content_type, part_size=self.part_size, num_parallel_uploads=1,
            )
        return StoredObject(key=key, sha256=sha256, size=size, content_type=content_type)

    async def put_stream(self, chunks: AsyncIterable[bytes], content_type: str, *,
                         sha256: str | None = None, size: int | None = None) -> StoredObject:
        await self.ensure_bucket()
        if sha256 is None:
            return await self._put_spooled(Parts(chunks, CHUNK, size=size), content_type)
        parts = Parts(chunks, self.part_size, sha256=sha256, size=size)
        if await self.exists(sha256):
            async for _ in parts:  # stored already: only make sure the sender has these bytes
                pass
        else:
            await self._upload(key_for(sha256), parts, size, content_type)
        return StoredObject(key=key_for(sha256), sha256=sha256, size=parts.size,
                            content_type=content_type)

    async def _put_spooled(self, parts: Parts, content_type: str) -> StoredObject:
        """Without the sha256 up front the key is known only at the end, and S3 cannot rename
        (a server-side copy rewrites every byte): spool to a temporary file while hashing."""
        with tempfile.TemporaryFile() as spool:
            async for part in parts:
                await asyncio.to_thread(spool.write, part)
            await asyncio.to_thread(spool.seek, 0)
            return await self._put_hashed(spool, parts.sha256, parts.size, content_type)

    async def _upload(self, key: str, parts: Parts, size: int | None, content_type: str) -> None:
        """Parts go to the SDK's multipart upload as they arrive: one being sent while the
        next is received. Parts hands out the last one only after checking the sha256, so a
        failure anywhere aborts the upload before an object exists."""
        pipe = _Pipe()
        upload = asyncio.ensure_future(self._call(
            self._client.put_object, self.bucket, key, pipe, -1 if size is None else size,
            content_type=content_type, part_size=self.part_size, num_parallel_uploads=1))
        upload.add_done_callback(lambda _: pipe.close())
        try:
            async for part in parts:
                if not await pipe.put(part):
                    break  # the upload stopped; awaiting it below raises why
            pipe.end()
        except BaseException:
            pipe.end(abandon=True)
            await asyncio.wait([upload])
            if not upload.cancelled():
                upload.exception()  # the abandonment, or a failure to abort: ours is the news
            raise
        await upload

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        await self.ensure_bucket()
        try:
            response = await self._call(self._client.get_object, self.bucket, key_for(sha256))
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                from .port import ObjectNotFound

                raise ObjectNotFound(sha256) from error
            raise
        return self._stream(response, sha256)

    async def _stream(self, response: urllib3.BaseHTTPResponse, sha256: str) -> AsyncIterator[bytes]:
        digest = hashlib.sha256()
        try:
            while True:
                chunk: bytes = await self._call(response.read, CHUNK)
                if not chunk:
                    break
                digest.update(chunk)
                yield chunk
        finally:
            response.close()
            response.release_conn()
        if digest.hexdigest() != sha256:
            raise IntegrityError(f"object {sha256} is corrupt")

    async def presigned_url(self, sha256: str, seconds: int, filename: str) -> str:
        safe = filename.replace('"', "")
        url: str = await self._call(
            self._client.presigned_get_object, self.bucket, key_for(sha256),
            expires=timedelta(seconds=seconds),
            response_headers={"response-content-disposition": f'attachment; filename="{safe}"'},
        )
        return url


class _Abandoned(Exception):
    """The body did not arrive whole (or not as declared): the upload must not complete."""


class _Pipe:
    """Parts handed from the event loop to the SDK, which reads them like a file in its thread.

    `put` returns once the SDK has taken the part, so at most one part is being sent and one
    received: memory stays at a few parts whatever the size of the file.
    """

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._parts: queue.SimpleQueue[bytes | BaseException | None] = queue.SimpleQueue()
        self._taken = asyncio.Semaphore(0)
        self._closed = False
        self._current = b""
        self._ended = False

    async def put(self, part: bytes) -> bool:
        """False if the upload stopped before taking the part."""
        self._parts.put(part)
        await self._taken.acquire()
        return not self._closed

    def end(self, *, abandon: bool = False) -> None:
        """No more parts; with `abandon` the SDK's next read raises, and it aborts the upload."""
        self._parts.put(_Abandoned() if abandon else None)

    def close(self) -> None:
        """The upload stopped: a `put` waiting for it returns."""
        self._closed = True
        self._taken.release()

    def read(self, size: int = -1) -> bytes:
        """Runs in the SDK's thread; a whole part when asked for one (no copy)."""
        pieces = []
        while size and not self._ended:
            if not self._current:
                item = self._parts.get()
                if isinstance(item, BaseException):
                    raise item
                if item is None:
                    self._ended = True
                    break
                self._current = item
                self._loop.call_soon_threadsafe(self._taken.release)
            if size < 0:
                piece, self._current = self._current, b""
            else:
                piece, self._current = self._current[:size], self._current[size:]
                size -= len(piece)
            pieces.append(piece)
        return b"".join(pieces)
