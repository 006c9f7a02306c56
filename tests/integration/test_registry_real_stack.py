"""The registry on the real stack: PostgreSQL, the S3 server (versitygw) and Kafka."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import urllib.request
from urllib.parse import urlencode, urlsplit

import httpx
import jsonschema
import pytest

from helpers import ROOT, api, as_role, submit_product, tax_code, wait_until
from ocop_cli.api_client import PDF, PNG, pdf_document
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_shared.auth import Role
from ocop_shared.contracts import topics
from ocop_shared.messaging.kafka_tools import read_topics_from_start
from ocop_shared.storage.port import key_for
from ocop_shared.storage.s3 import PART_SIZE, S3ObjectStore

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]


async def registry(deployment: Deployment) -> str:
    process = deployment.process("registry").start()
    await process.wait_ready()
    return process.url


async def test_submission_reaches_kafka_and_evidence_is_in_s3(deployment: Deployment) -> None:
    url = await registry(deployment)
    settings = deployment.settings
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        ids = await submit_product(c, settings, registration_no=tax_code(501))
        office = await api(c).office()
        documents = (await c.get(f"/registry/products/{ids['product_id']}/documents",
                                 headers=office)).json()
        assert len(documents) == 6
        link = (await c.get(f"/registry/documents/{documents[0]['id']}/download",
                            headers=office)).json()
        stranger = await as_role(c, Role.ENTITY_USER, subject="someone-else")
        denied = await c.get(f"/registry/documents/{documents[0]['id']}/download",
                             headers=stranger)
        assert denied.status_code == 403
    with urllib.request.urlopen(link["url"], timeout=10) as response:
        body = response.read()
    assert body.startswith(b"%PDF-") and link["expires_in"] == 300

    records = await read_topics_from_start(settings.kafka_access(None),
                                           [deployment.namespace + topics.PRODUCT])
    submitted = [json.loads(r.value) for r in records
                 if json.loads(r.value)["type"] == "ProductSubmitted"]
    assert len(submitted) == 1
    schema = json.loads((ROOT / "contracts" / "events.schema.json").read_text())
    jsonschema.validate(submitted[0], schema["topics"][topics.PRODUCT]["ProductSubmitted.v2"])
    assert submitted[0]["payload"]["product_id"] == ids["product_id"]
    assert all(r.key == ids["product_id"] for r in records), "keyed by the aggregate id"
    stored = await deployment.fetchval("registry", "SELECT count(*) FROM documents")
    assert stored == 6


async def test_s3_down_answers_503_and_records_nothing(deployment: Deployment) -> None:
    url = await registry(deployment)
    settings = deployment.settings
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        ocop = api(c, settings)
        entity = await ocop.register_entity(name="Cơ sở Lạp xưởng Tân Châu",
                                            legal_form="household", registration_no="91B8019877",
                                            commune_code="30376")
        product = await ocop.register_product(entity, "Lạp xưởng tươi", 8)
        stack = str(ROOT / "deploy" / "stack.sh")
        await asyncio.to_thread(subprocess.run, [stack, "stop", "s3"], check=True,
                                capture_output=True, timeout=120)
        try:
            r = await c.post(f"/registry/products/{product}/documents", headers=await ocop.office(),
                             data={"kind": "label"}, files={"file": ("nhan.pdf", PDF + b"x")})
            assert r.status_code == 503
            assert r.headers["content-type"] == "application/problem+json"
            assert "Traceback" not in r.text
            assert await deployment.fetchval("registry", "SELECT count(*) FROM documents") == 0
        finally:
            await asyncio.to_thread(subprocess.run, [stack, "start", "s3"], check=True,
                                    capture_output=True, timeout=180)
        await ocop.upload(product, "label", PDF + b"x", "nhan.pdf")
    assert await deployment.fetchval("registry", "SELECT count(*) FROM documents") == 1


async def test_an_upload_cut_off_halfway_leaves_nothing_and_a_retry_works(
    deployment: Deployment,
) -> None:
    url = await registry(deployment)
    settings = deployment.settings
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        ocop = api(c, settings)
        entity = await ocop.register_entity(name="HTX Trà Núi Cấm", legal_form="cooperative",
                                            registration_no=tax_code(502), commune_code="30538")
        product = await ocop.register_product(entity, "Trà khổ qua rừng", 12)
        content = pdf_document("Nhan san pham", b"A" * 3_000_000)
        request = c.build_request("POST", f"/registry/products/{product}/documents",
                                  headers=await ocop.office(), data={"kind": "label"},
                                  files={"file": ("nhan.pdf", content)})
        body = b"".join(request.stream)  # type: ignore[arg-type]
        head = (f"POST {request.url.raw_path.decode()} HTTP/1.1\r\n"
                f"Host: {request.url.host}\r\n"
                + "".join(f"{k}: {v}\r\n" for k, v in request.headers.items()
                          if k.lower() != "host")
                + "\r\n").encode()
        _reader, writer = await asyncio.open_connection(request.url.host, request.url.port)
        writer.write(head + body[: len(body) // 2])  # the connection drops halfway
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        await asyncio.sleep(1)
        assert await deployment.fetchval("registry", "SELECT count(*) FROM documents") == 0
        await ocop.upload(product, "label", content, "nhan.pdf")
    assert await deployment.fetchval("registry", "SELECT count(*) FROM documents") == 1


def bucket_of(deployment: Deployment) -> S3ObjectStore:
    store = deployment.store("registry")
    assert isinstance(store, S3ObjectStore)
    return store


async def holdings(deployment: Deployment) -> tuple[list[str], list[str]]:
    """The objects in the deployment's bucket, and its unfinished multipart uploads."""
    store = bucket_of(deployment)
    client = store._client

    def look() -> tuple[list[str], list[str]]:
        if not client.bucket_exists(store.bucket):
            return [], []
        objects = sorted(o.object_name for o in client.list_objects(store.bucket, recursive=True))
        # the SDK lists unfinished multipart uploads only through this (ListMultipartUploads)
        return objects, [u.object_name for u in client._list_multipart_uploads(store.bucket).uploads]

    return await asyncio.to_thread(look)


async def send_by_hand(url: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """An HTTP/1.1 request written on a socket, `body` possibly shorter than its Content-Length:
    returns the reply's first line if the server answers at once, or b"" once the connection
    is dropped halfway."""
    where = urlsplit(url)
    assert where.hostname and where.port
    head = (f"POST {path} HTTP/1.1\r\nHost: {where.hostname}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    try:
        writer.write(head + body)
        await writer.drain()
        return await asyncio.wait_for(reader.readline(), 30) if not body else b""
    finally:
        writer.close()
        await writer.wait_closed()


async def test_a_file_sent_as_the_body_streams_to_s3_in_parts_and_reads_back(
    deployment: Deployment,
) -> None:
    url = await registry(deployment)
    # a video: streamed on to S3 as it arrives (documents are opened and checked first)
    content = b"\x00\x00\x00\x18ftypmp42" + os.urandom(2 * PART_SIZE + 12345)  # three parts
    sha256 = hashlib.sha256(content).hexdigest()
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        ocop = api(c, deployment.settings)
        entity = await ocop.register_entity(name="HTX Gạo Tịnh Biên", legal_form="cooperative",
                                            registration_no=tax_code(503), commune_code="30316")
        product = await ocop.register_product(entity, "Gạo nàng Nhen", 1)
        r = await c.post(f"/registry/products/{product}/documents",
                         headers={**await ocop.office(), "content-type": "video/mp4"},
                         params={"kind": "product_story", "filename": "giới-thiệu.mp4", "sha256": sha256},
                         content=content)
        assert r.status_code == 201, r.text
        document = r.json()
        assert (document["sha256"], document["size"], document["filename"]) == (
            sha256, len(content), "giới-thiệu.mp4")
        link = (await c.get(f"/registry/documents/{document['id']}/download",
                            headers=await ocop.office())).json()
    with urllib.request.urlopen(link["url"], timeout=30) as response:
        assert hashlib.sha256(response.read()).hexdigest() == sha256
    assert await holdings(deployment) == ([key_for(sha256)], [])
    assert await deployment.fetchval("registry", "SELECT count(*) FROM documents") == 1


async def test_a_body_refused_or_cut_off_leaves_no_row_and_no_object(
    deployment: Deployment,
) -> None:
    process = deployment.process("registry", OCOP_MAX_UPLOAD_BYTES=str(4 * PART_SIZE)).start()
    await process.wait_ready()
    content = pdf_document("Nhan", os.urandom(2 * PART_SIZE + 12345))  # held, checked, then streamed
    sha256 = hashlib.sha256(content).hexdigest()
    async with httpx.AsyncClient(base_url=process.url, timeout=60) as c:
        ocop = api(c, deployment.settings)
        entity = await ocop.register_entity(name="HTX Gạo Tịnh Biên", legal_form="cooperative",
                                            registration_no=tax_code(504), commune_code="30316")
        product = await ocop.register_product(entity, "Gạo nàng Nhen", 1)
        path = f"/registry/products/{product}/documents"
        headers = {**await ocop.office(), "content-type": "application/pdf"}

        # streamed to S3 part by part, then found not to be the declared bytes
        other = hashlib.sha256(content + b"x").hexdigest()
        r = await c.post(path, headers=headers, content=content,
                         params={"kind": "label", "filename": "nhan.pdf", "sha256": other})
        assert (r.status_code, r.headers["content-type"]) == (422, "application/problem+json")
        assert r.json()["errors"][0]["field"] == "sha256"
        r = await c.post(path, headers=headers, content=PNG,
                         params={"kind": "label", "filename": "anh.pdf", "sha256": sha256})
        assert r.status_code == 415
        assert "PNG" in r.json()["detail"]

        query = urlencode({"kind": "label", "filename": "nhan.pdf", "sha256": sha256})
        too_big = await send_by_hand(process.url, f"{path}?{query}", {
            **headers, "content-length": str(4 * PART_SIZE + 1)}, b"")
        assert too_big.startswith(b"HTTP/1.1 413"), "refused before the body is read"

        # the connection drops after two parts went to S3
        await send_by_hand(process.url, f"{path}?{query}", {
            **headers, "content-length": str(len(content))}, content[: 2 * PART_SIZE + 100])

        async def cut_off_answered() -> bool:
            lines = (await c.get("/metrics")).text.splitlines()
            return any(line.startswith("ocop_http_request_duration_seconds_count")
                       and "/documents" in line and 'status="400"' in line for line in lines)

        await wait_until(cut_off_answered, timeout=30, what="the registry to finish the request")
        assert await holdings(deployment) == ([], []), "the multipart upload was aborted"
        assert await deployment.fetchval("registry", "SELECT count(*) FROM documents") == 0

        r = await c.post(path, headers=headers, content=content,
                         params={"kind": "label", "filename": "nhan.pdf", "sha256": sha256})
        assert r.status_code == 201, "a retry simply works"
    assert await holdings(deployment) == ([key_for(sha256)], [])
    assert await deployment.fetchval("registry", "SELECT count(*) FROM documents") == 1
