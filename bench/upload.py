"""Dossier upload: a 1 GB file (a product video) through the registry API against the minio SDK
uploading the same file straight to the same S3 server; and the registry process's peak memory
meanwhile. (Documents, PDFs and Office files, are opened and checked before they are stored, so
they are held in a temporary file first; photos and videos, the large files, stream.)

The file goes as the raw request body with its sha256 in the query (the API's form for large
files), sent by curl (not our code, as wrk is for the HTTP bench): the registry streams it
into an S3 multipart upload while hashing it, with no temporary copy, so memory stays flat
whatever the file's size. The file is hashed first, inside the timed span (the minio SDK
hashes every part it sends, too).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from minio import Minio

from ocop_cli.api_client import OcopClient
from ocop_cli.sandbox import Sandbox
from ocop_shared.settings import Settings

from .harness import Figure, Result, rss_mib, start_services

SIZE = 1024 * 1024 * 1024
CHUNK = 8 * 1024 * 1024


def make_file(path: Path) -> None:
    block = bytes(range(256)) * (CHUNK // 256)
    with path.open("wb") as out:
        out.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")  # an MP4 header
        written = out.tell()
        while written < SIZE:
            out.write(block[: min(CHUNK, SIZE - written)])
            written = out.tell()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


async def read_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while block := await asyncio.to_thread(handle.read, 1024 * 1024):
            yield block


def s3_client(settings: Settings) -> Minio:
    """The registry's own S3 account, as its process uses it (the baseline uploads as it would)."""
    credentials = settings.s3_credentials("registry")
    assert credentials is not None, "deploy/stack.sh makes the registry's S3 account"
    return Minio(settings.s3_endpoint, access_key=credentials[0], secret_key=credentials[1].current(),
                 secure=settings.s3_secure, region=settings.s3_region)


def drop_bucket(settings: Settings, bucket: str) -> None:
    """The run's two 1 GB objects would otherwise stay on the S3 server's disk."""
    client = s3_client(settings)
    if client.bucket_exists(bucket):
        for item in client.list_objects(bucket, recursive=True):
            client.remove_object(bucket, item.object_name)
        client.remove_bucket(bucket)


def direct_upload(settings: Settings, bucket: str, path: Path) -> float:
    client = s3_client(settings)
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    started = time.perf_counter()
    client.fput_object(bucket, f"direct/{path.name}", str(path), part_size=16 * 1024 * 1024)
    return time.perf_counter() - started


# Over 60 lines: the benchmark's phases share their timers and counters.
async def run(settings: Settings, workdir: Path) -> Result:
    path = workdir / "gioi-thieu-1gb.mp4"
    await asyncio.to_thread(make_file, path)
    sandbox = Sandbox(settings, workdir, services=["registry"], prefix="b")
    await sandbox.create_databases()
    try:
        registry = (await start_services(sandbox, ["registry"],
                                         OCOP_MAX_UPLOAD_BYTES=str(2 * SIZE)))["registry"]
        assert registry.proc is not None
        pid = registry.proc.pid
        async with httpx.AsyncClient(base_url=registry.url, timeout=600) as client:
            ocop = OcopClient(client, sandbox.people())
            entity = await ocop.register_entity(name="HTX Thử tải", legal_form="cooperative_group",
                                                registration_no="THU-TAI-001", commune_code="30316")
            product = await ocop.register_product(entity, "Sản phẩm thử tải", 8)
            idle = rss_mib(pid)
            peak = idle
            done = asyncio.Event()

            async def sample() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, rss_mib(pid))
                    await asyncio.sleep(0.05)

            sampler = asyncio.create_task(sample())
            started = time.perf_counter()
            sha256 = await asyncio.to_thread(sha256_of, path)
            token = (await ocop.office())["authorization"]
            url = (f"{registry.url}/registry/products/{product}/documents?kind=product_story"
                   f"&filename=gioi-thieu-1gb.mp4&sha256={sha256}")
            curl = await asyncio.create_subprocess_exec(
                "curl", "--silent", "--show-error", "--request", "POST", "--upload-file", str(path),
                "--header", f"authorization: {token}", "--header", "content-type: video/mp4",
                "--header", "expect:", "--write-out", "\\n%{http_code}", url,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await curl.communicate()
            api_seconds = time.perf_counter() - started
            done.set()
            await sampler
            body, _, status = out.decode().rpartition("\n")
            if status != "201":
                raise RuntimeError(f"upload refused: {status} {body[:300]} {err.decode()[:300]}")
        direct_seconds = await asyncio.to_thread(direct_upload, settings, settings.model_copy(
            update={"s3_bucket": f"ocop-{sandbox.id}"}).s3_bucket_for("registry"), path)
    finally:
        for process in sandbox.processes:
            process.kill()
        await sandbox.remove()
        await asyncio.to_thread(drop_bucket, settings, settings.model_copy(
            update={"s3_bucket": f"ocop-{sandbox.id}"}).s3_bucket_for("registry"))
        path.unlink(missing_ok=True)
    mib = SIZE / 1024 / 1024
    api_rate, direct_rate = mib / api_seconds, mib / direct_seconds
    return Result("dossier-upload", "A 1 GB dossier file through the registry API",
                  "minio SDK fput_object of the same file to the same S3 server",
                  "POST /registry/products/{id}/documents (raw body + sha256, streamed to S3)",
                  [Figure("throughput", "MiB/s", round(direct_rate, 1), round(api_rate, 1), ">= 0.7 of direct",
                          api_rate >= 0.7 * direct_rate),
                   Figure("registry peak RSS", "MiB", round(idle, 1), round(peak, 1), "< 150 MiB",
                          peak < 150, higher_is_better=False)],
                  {"bytes": SIZE, "api_seconds": round(api_seconds, 1), "direct_seconds": round(direct_seconds, 1),
                   "memory_baseline_is": "the same registry process, idle, just before the upload"})
