"""Every service's OpenAPI, fuzzed by schemathesis against a running platform: no 5xx, and every
status code, media type, header and response body as the document says.

The platform runs as an integrator meets it (`ocop run`, embedded, a fresh data folder) and is
called as nobody, as the provincial office and as a showroom's till. The seed and the number of
examples are fixed, so a run is repeatable and stays within the test-time budget (~2 minutes).
`positive_data_acceptance` is not among the checks: a well-formed request may still break a
rule the schema cannot say (a fair ending before it starts, a product without a certificate).
"""

from __future__ import annotations

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

import pytest

from helpers import free_port

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


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A running embedded platform and an access token of its office."""
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
        yield base, str(token)
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


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_as_the_office(platform: tuple[str, str], service: str) -> None:
    base, token = platform
    fuzz(base, f"/{service}/openapi.json", "--header", f"Authorization: Bearer {token}")
    me = _call(f"{base}/registry/access/me", headers={"authorization": f"Bearer {token}"})
    assert "province_office" in json.dumps(me), "the run was the office's to the end (not 403s)"


def test_every_operation_as_nobody(platform: tuple[str, str]) -> None:
    base, _ = platform
    fuzz(base, "/openapi.json")


def test_the_till_routes_as_a_till(platform: tuple[str, str]) -> None:
    base, token = platform
    office = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    _call(f"{base}/trade/showrooms", json.dumps({
        "id": "fuzz-long-xuyen", "name": "Điểm bán OCOP Long Xuyên", "location_type": "tourist_site",
        "address": "Số 1 Tôn Đức Thắng", "commune_code": "30307", "operator": "HTX Mỹ Hòa Hưng"}).encode(), office)
    key = _call(f"{base}/trade/showrooms/fuzz-long-xuyen/api-key", b"", office)["api_key"]
    fuzz(base, "/trade/openapi.json", "--header", f"X-API-Key: {key}", "--include-path-regex", "^/trade/pos/")
