"""Every service's OpenAPI, fuzzed by schemathesis against a running platform: no 5xx, and every
status code, media type, header and response body as the document says.

The platform runs as an integrator meets it (`ocop run`, embedded, a fresh data folder) and is
called as nobody, as the provincial office, as a showroom's till, and as each other role on the
operations the permission matrix opens to it (a producer of an entity, a commune officer, an
inspector, a council member, a showroom's operator), with records that make them so. The seed and the number of
examples are fixed, so a run is repeatable and stays within the test-time budget (~2 minutes).
`positive_data_acceptance` is not among the checks: a well-formed request may still break a
rule the schema cannot say (a fair ending before it starts, a product without a certificate).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpers import COMMUNE_CHAU_DOC, free_port, tax_code
from ocop_cli.api_client import OcopClient
from ocop_cli.people import ProcessPeople
from ocop_shared.settings import Settings

BIN = Path(sys.executable).parent
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")
SEED = "2026"
EXAMPLES = os.environ.get("OCOP_FUZZ_EXAMPLES", "10")
SERVICES = ("registry", "scoring", "certification", "trade", "reporting")
OFFICE, PASSWORD = "van-phong@example.vn", "fuzz-password-2026!"


def _call(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> dict[str, object]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{url}: {error.code} {error.read().decode()}") from None


SHOWROOM = "fuzz-long-xuyen"


async def people_of_each_role(base: str, data: Path) -> dict[str, str]:
    """Bearer tokens of a person in each role the office does not hold, made so by records."""
    settings = Settings(data_dir=data)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        ocop = OcopClient(http, ProcessPeople(settings, base, password=PASSWORD), office_login=OFFICE)
        office = await ocop.office()
        entity = await ocop.register_entity(
            name="HTX Fuzz Châu Đốc", legal_form="cooperative", registration_no=tax_code(990),
            commune_code=COMMUNE_CHAU_DOC, address="Vĩnh Mỹ", phone="+84 296 3861 000",
            email="htx-fuzz@example.vn", representative_name="Nguyễn Văn Thử")
        producer = "nha-san-xuat-fuzz@example.vn"
        r = await http.post(f"/registry/entities/{entity}/members", headers=office, json={"login": producer})
        assert r.status_code == 201, r.text
        r = await http.post("/trade/showrooms", headers=office, json={
            "id": SHOWROOM, "name": "Điểm bán OCOP Long Xuyên", "location_type": "tourist_site",
            "address": "Số 1 Tôn Đức Thắng", "commune_code": "30307", "operator": "HTX Mỹ Hòa Hưng"})
        assert r.status_code == 201, r.text
        await ocop.open_round("FUZZ-2026")
        r = await http.put("/scoring/rounds/FUZZ-2026", headers=office, json={"regulation": "26/2026/QĐ-TTg"})
        assert r.status_code in (200, 201), r.text
        council = await ocop.ensure_council("FUZZ-2026")
        member = next(m for m in council["members"] if m["role"] == "member")
        headers = {
            "producer": await ocop.person(producer, "Nhà sản xuất"),
            "commune_officer": await ocop.commune_officer(COMMUNE_CHAU_DOC),
            "inspector": await ocop.inspector("health"),
            "council_member": await ocop.council_member_headers(member),
            "showroom_operator": await ocop.showroom_operator(SHOWROOM),
        }
    return {role: h["authorization"].removeprefix("Bearer ") for role, h in headers.items()}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, str]]]:
    """A running embedded platform, an access token of its office and one of each other role."""
    data = tmp_path_factory.mktemp("fuzz")
    env = {**os.environ, "OCOP_DATA_DIR": str(data), "OCOP_MODE": "embedded", "OCOP_LOG_JSON": "false"}
    subprocess.run([BIN / "ocop", "accounts", "create-admin", "--login", OFFICE, "--password-stdin"],
                   input=PASSWORD, text=True, env=env, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (data / "platform.log").open("w") as log:
        process = subprocess.Popen([BIN / "ocop", "run", "--port", str(port)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _call(f"{base}/health/ready")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError((data / "platform.log").read_text()) from None
                time.sleep(0.3)
        form = urllib.parse.urlencode({"grant_type": "password", "username": OFFICE,
                                       "password": PASSWORD}).encode()
        token = _call(f"{base}/auth/token", form)["access_token"]
        yield base, str(token), asyncio.run(people_of_each_role(base, data))
    finally:
        process.terminate()
        process.wait(20)


def fuzz(base: str, document: str, *options: str) -> None:
    result = subprocess.run(
        [BIN / "st", "run", f"{base}{document}", "--url", base, "--checks", CHECKS, "--seed", SEED,
         "--max-examples", EXAMPLES, "--workers", "1", "--no-color", *options],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert " passed" in result.stdout and "generated" in result.stdout, result.stdout[-3000:]


@pytest.mark.parametrize("role", ("producer", "commune_officer", "inspector", "council_member",
                                  "showroom_operator"))
def test_what_each_role_may_call_as_that_role(  # first: the office's run may end grants
        platform: tuple[str, str, dict[str, str]], role: str) -> None:
    base, _, tokens = platform
    document = _call(f"{base}/openapi.json")
    opened = [op["operationId"] for ops in document["paths"].values() for op in ops.values()  # type: ignore[attr-defined]
              if role in op["x-roles"] and {} not in op["security"]]
    assert len(opened) >= 3, (role, opened)
    me = json.dumps(_call(f"{base}/registry/access/me", headers={"authorization": f"Bearer {tokens[role]}"}))
    assert role in me or role in ("producer", "council_member"), ("the records make them so", role, me)
    fuzz(base, "/openapi.json", "--header", f"Authorization: Bearer {tokens[role]}",
         *[option for operation in opened for option in ("--include-operation-id", operation)])


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_as_the_office(platform: tuple[str, str, dict[str, str]], service: str) -> None:
    base, token, _ = platform
    fuzz(base, f"/{service}/openapi.json", "--header", f"Authorization: Bearer {token}")
    me = _call(f"{base}/registry/access/me", headers={"authorization": f"Bearer {token}"})
    assert "province_office" in json.dumps(me), "the run was the office's to the end (not 403s)"


def test_every_operation_as_nobody(platform: tuple[str, str, dict[str, str]]) -> None:
    base, _, _ = platform
    fuzz(base, "/openapi.json")


def test_the_till_routes_as_a_till(platform: tuple[str, str, dict[str, str]]) -> None:
    base, token, _ = platform
    office = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    key = _call(f"{base}/trade/showrooms/{SHOWROOM}/api-key", b"", office)["api_key"]
    fuzz(base, "/trade/openapi.json", "--header", f"X-API-Key: {key}", "--include-path-regex", "^/trade/pos/")
