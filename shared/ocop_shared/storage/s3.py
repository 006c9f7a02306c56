"""S3 adapter on the `minio` SDK, for any S3-compatible server.

The SDK is synchronous, so each call runs in a worker thread. Retries are
few and short: when the server is down the caller should learn it in seconds
(and answer 503), not after a minute of back-off.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any, BinaryIO

import urllib3
from minio import Minio
from minio.error import S3Error

from .port import CHUNK, IntegrityError, StorageUnavailable, StoredObject, hash_file, key_for

_UNAVAILABLE = (urllib3.exceptions.HTTPError, OSError)
PART_SIZE = 16 * 1024 * 1024


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
        key = key_for(sha256)
        if not await self.exists(sha256):
            await self._call(
                self._client.put_object, self.bucket, key, stream, size,
                content_type=content_type, part_size=PART_SIZE, num_parallel_uploads=1,
            )
        return StoredObject(key=key, sha256=sha256, size=size, content_type=content_type)

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
