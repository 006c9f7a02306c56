"""The registry on the real stack: PostgreSQL, the S3 server (versitygw) and Kafka."""

from __future__ import annotations

import asyncio
import json
import subprocess
import urllib.request

import httpx
import jsonschema
import pytest
from conftest import Deployment

from helpers import ROOT, api, submit_product, tax_code, token
from ocop_cli.api_client import PDF
from ocop_shared.auth import Role
from ocop_shared.contracts import topics
from ocop_shared.messaging.kafka_tools import read_topics_from_start

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
        member = token(settings, Role.COUNCIL_MEMBER, subject="thanh-vien-hoi-dong")
        documents = (await c.get(f"/registry/products/{ids['product_id']}/documents",
                                 headers=member)).json()
        assert len(documents) == 6
        link = (await c.get(f"/registry/documents/{documents[0]['id']}/download",
                            headers=member)).json()
        stranger = token(settings, Role.ENTITY_USER, subject="someone-else")
        denied = await c.get(f"/registry/documents/{documents[0]['id']}/download",
                             headers=stranger)
        assert denied.status_code == 403
    with urllib.request.urlopen(link["url"], timeout=10) as response:
        body = response.read()
    assert body.startswith(b"%PDF-") and link["expires_in"] == 300

    records = await read_topics_from_start(settings.kafka_bootstrap,
                                           [deployment.namespace + topics.PRODUCT])
    submitted = [json.loads(r.value) for r in records
                 if json.loads(r.value)["type"] == "ProductSubmitted"]
    assert len(submitted) == 1
    schema = json.loads((ROOT / "contracts" / "events.schema.json").read_text())
    jsonschema.validate(submitted[0], schema["topics"][topics.PRODUCT]["ProductSubmitted.v1"])
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
            r = await c.post(f"/registry/products/{product}/documents", headers=ocop.office,
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
        content = PDF + b"A" * 3_000_000
        request = c.build_request("POST", f"/registry/products/{product}/documents",
                                  headers=ocop.office, data={"kind": "label"},
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
