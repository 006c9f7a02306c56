"""S3 adapter on the `minio` SDK, for any S3-compatible server.

The SDK is synchronous, so each call runs in a worker thread. Retries are
few and short: when the server is down the caller should learn it in seconds
(and answer 503), not after a minute of back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import timedelta
from typing import Any, BinaryIO, cast

import urllib3
from minio import Minio
from minio.credentials.credentials import Credentials
from minio.credentials.providers import Provider
from minio.datatypes import Part
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from ..secrets import Secret
from .port import CHUNK, IntegrityError, StorageUnavailable, StoredObject, hash_file, key_for
from .streams import Parts

_UNAVAILABLE = (urllib3.exceptions.HTTPError, OSError)
PART_SIZE = 5 * 1024 * 1024  # S3's smallest
PARTS_IN_FLIGHT = 2


class SecretCredentials(Provider):
    """An access key and its secret, the secret read again from its file when it changes (a
    rotated key is used from the next request on, without a restart)."""

    def __init__(self, access_key: str, secret: Secret) -> None:
        self.access_key = access_key
        self.secret = secret

    def retrieve(self) -> Credentials:
        return Credentials(self.access_key, self.secret.current())


class S3ObjectStore:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str | Secret,
        bucket: str,
        *,
        secure: bool = False,
        region: str = "us-east-1",
        part_size: int = PART_SIZE,
        parts_in_flight: int = PARTS_IN_FLIGHT,
    ) -> None:
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=2.0, read=60.0),
            retries=urllib3.Retry(total=2, backoff_factor=0.2,
                                  status_forcelist=[500, 502, 503, 504]),
            maxsize=10,
        )
        secret = secret_key if isinstance(secret_key, Secret) else Secret("s3 secret", secret_key)
        self._client = Minio(endpoint, credentials=SecretCredentials(access_key, secret),
                             secure=secure, region=region, http_client=http)
        self.bucket = bucket
        self.part_size = part_size
        self.parts_in_flight = parts_in_flight
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

    async def remove_bucket(self) -> None:
        """The bucket and everything in it (a finished test run's or benchmark's own)."""
        def remove() -> None:
            try:
                names = [DeleteObject(o.object_name) for o in
                         self._client.list_objects(self.bucket, recursive=True) if o.object_name]
                for failed in self._client.remove_objects(self.bucket, names):
                    raise RuntimeError(f"could not delete {failed.name}: {failed.message}")
                self._client.remove_bucket(self.bucket)
            except S3Error as error:
                if error.code != "NoSuchBucket":
                    raise
            self._bucket_ready = False

        await self._call(remove)

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
            await self._upload(key_for(sha256), parts, content_type)
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

    async def _upload(self, key: str, parts: Parts, content_type: str) -> None:
        """An S3 multipart upload fed as the parts arrive, `parts_in_flight` of them sent at
        once while the next one fills: the server answers a part only once it has it on disk,
        so with one in flight both ends would wait on each other half the time. Memory stays
        at about `parts_in_flight + 1` parts whatever the size of the file.

        The SDK's `put_object` cannot take parts from the event loop without holding two more,
        and with parallel parts it learns of a failed part only after reading the whole body;
        so the upload is driven here with the steps it is made of (minio-py's own methods,
        pinned in constraints.txt). Parts hands out the last part only after checking the
        sha256, so a failure anywhere aborts the upload before an object exists."""
        client = self._client
        first: bytes | None = None
        upload_id = ""
        started: list[asyncio.Future[Part]] = []
        sending: set[asyncio.Future[Part]] = set()
        sent: list[Part] = []
        number = 0
        try:
            async for part in parts:
                number += 1
                if number == 1:
                    first = part  # the only part, or the first of several: known at the next
                    continue
                if not upload_id:
                    upload_id = await self._call(client._create_multipart_upload, self.bucket,
                                                 key, {"Content-Type": content_type})
                    started.append(self._send_part(key, upload_id, 1, cast(bytes, first)))
                    sending.add(started[-1])
                    first = None
                while len(sending) >= self.parts_in_flight:
                    done, sending = await asyncio.wait(sending,
                                                       return_when=asyncio.FIRST_COMPLETED)
                    sent += [future.result() for future in done]
                started.append(self._send_part(key, upload_id, number, part))
                sending.add(started[-1])
            if not upload_id:
                await self._call(client.put_object, self.bucket, key, io.BytesIO(first or b""),
                                 len(first or b""), content_type=content_type)
                return
            sent += await asyncio.gather(*sending)
            await self._call(client._complete_multipart_upload, self.bucket, key, upload_id,
                             sorted(sent, key=lambda p: p.part_number))
        except BaseException:
            if sending:
                await asyncio.wait(sending)  # a part still being sent would outlive the abort
            for future in started:  # their failures, too, are told by the one raised below
                if future.done() and not future.cancelled():
                    future.exception()
            if upload_id:
                with contextlib.suppress(Exception):  # the failure that got here is the news
                    await self._call(client._abort_multipart_upload, self.bucket, key,
                                     upload_id)
            raise

    def _send_part(self, key: str, upload_id: str, number: int, data: bytes) -> asyncio.Future[Part]:
        async def send() -> Part:
            etag = await self._call(self._client._upload_part, self.bucket, key, data, None,
                                    upload_id, number)
            return Part(number, etag)

        return asyncio.ensure_future(send())

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
