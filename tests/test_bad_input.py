"""Bad input gets the right 4xx with a message a person understands, never a 500 (issue 20's
list of what an integrator's fuzzer found)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from helpers import as_role, running_platform, tax_code
from ocop_shared.auth import Role
from ocop_shared.http.problems import install_problem_handlers
from ocop_shared.settings import Settings

PROBLEM = "application/problem+json"
HUGE = 2**63  # one past SQLite's and PostgreSQL's largest integer


@pytest.fixture
async def platform(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_platform(Settings(data_dir=tmp_path)) as (client, runtimes):
        yield client, runtimes


def list_routes(schema: dict[str, object]) -> list[str]:
    """Every GET whose query takes an offset, with no path parameter to fill in."""
    found = []
    for path, operations in schema["paths"].items():  # type: ignore[attr-defined]
        get = operations.get("get")
        if get and "{" not in path and any(p["name"] == "offset" for p in get.get("parameters", [])):
            found.append(path)
    return found


async def test_an_offset_past_any_integer_is_a_422_on_every_list(platform) -> None:  # type: ignore[no-untyped-def]
    client, _ = platform
    office = await as_role(client, Role.PROVINCE_OFFICE)
    paths = list_routes((await client.get("/openapi.json")).json())
    assert len(paths) >= 12, paths
    refused = []
    for path in paths:
        r = await client.get(path, params={"offset": str(HUGE)}, headers=office)
        assert r.headers["content-type"] == PROBLEM, (path, r.status_code)
        if r.status_code == 403:  # not the office's list (a council member's): refused first
            continue
        assert r.status_code == 422, (path, r.status_code, r.text)
        assert r.json()["errors"][0]["field"].endswith("offset"), path
        refused.append(path)
    assert len(refused) >= 12, refused


async def test_a_number_too_large_for_the_database_is_a_422_not_a_500() -> None:
    router = APIRouter()

    @router.get("/overflow")
    async def overflow() -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    @router.get("/boom")
    async def boom() -> None:
        raise KeyError("internal")

    bare = FastAPI()
    install_problem_handlers(bare)
    bare.include_router(router)
    transport = httpx.ASGITransport(app=bare, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get("/overflow", headers={"accept-language": "en"})
        assert r.status_code == 422 and r.json()["detail"] == "A number in the request is too large"
        r = await client.get("/boom")
        assert r.status_code == 500
        assert r.headers["connection"] == "close", "the server drops the connection: it says so"


async def test_a_body_that_is_not_json_is_a_415_and_broken_json_a_400_saying_where(platform) -> None:  # type: ignore[no-untyped-def]
    client, _ = platform
    office = await as_role(client, Role.PROVINCE_OFFICE)
    for media in ("text/plain", "application/xml", "application/x-www-form-urlencoded"):
        r = await client.post("/trade/fairs", content=b"name=x", headers={**office, "content-type": media})
        assert r.status_code == 415, (media, r.text)
        assert media in r.json()["detail"] and "application/json" in r.json()["detail"]
    r = await client.post("/trade/fairs", content=b'{"id": "hoi-cho",\n  "name": }',
                          headers={**office, "content-type": "application/json"})
    assert r.status_code == 400
    assert "dòng 2, cột 11" in r.json()["detail"], r.json()["detail"]
    r = await client.post("/trade/fairs", content=b"[" * 50_000,
                          headers={**office, "content-type": "application/json", "accept-language": "vi"})
    assert r.status_code == 400 and "Không đọc được" in r.json()["detail"], "Vietnamese, not the framework's English"
    r = await client.post("/trade/fairs", content=b"", headers={**office, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"


async def test_a_wrong_method_says_which_are_allowed(platform) -> None:  # type: ignore[no-untyped-def]
    client, _ = platform
    r = await client.delete("/trade/fairs/hoi-cho/exhibitors")
    assert r.status_code == 405
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}  # two routes
    assert r.headers["content-type"] == PROBLEM


async def test_dates_are_iso_strings_never_numbers(platform) -> None:  # type: ignore[no-untyped-def]
    client, _ = platform
    office = await as_role(client, Role.PROVINCE_OFFICE)
    fair = {"id": "hoi-cho-2026", "name": "Hội chợ OCOP An Giang", "starts_on": 0, "ends_on": "2026-12-20",
            "place": "Long Xuyên"}
    r = await client.post("/trade/fairs", json=fair, headers=office)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "starts_on", r.text
    r = await client.put("/scoring/rounds/2026", json={"procedure_on": 0}, headers=office)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "procedure_on", r.text
    r = await client.post("/trade/fairs", json={**fair, "starts_on": "2026-12-18"}, headers=office)
    assert r.status_code == 201, r.text
    assert r.json()["starts_on"] == "2026-12-18"


async def test_an_unknown_commune_is_reported_under_commune_code(platform) -> None:  # type: ignore[no-untyped-def]
    client, _ = platform
    office = await as_role(client, Role.PROVINCE_OFFICE)
    r = await client.post("/registry/entities", headers=office, json={
        "name": "HTX Trà Núi Cấm", "legal_form": "cooperative", "registration_no": tax_code(901),
        "commune_code": "99999", "address": "Ấp Vồ Đầu", "phone": "0296 3871 234",
        "email": "tra@example.vn", "representative_name": "Chau Sóc Khum"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["commune_code"]


async def test_a_json_body_over_its_limit_is_refused_before_it_is_read(platform) -> None:  # type: ignore[no-untyped-def]
    client, _ = platform
    office = await as_role(client, Role.PROVINCE_OFFICE)
    name = "x" * (2 * 1024 * 1024)  # 2 MiB of name: over the 1 MiB a JSON body may have
    r = await client.post("/trade/fairs", headers=office, json={
        "id": "hoi-cho", "name": name, "starts_on": "2026-12-18", "ends_on": "2026-12-20", "place": "x"})
    assert r.status_code == 413, r.status_code
    assert r.headers["content-type"] == PROBLEM and "1 MB" in r.json()["detail"]
    assert len(r.content) < 1000, "nothing of the body comes back"

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b" " * 65536  # no Content-Length: counted as it arrives
    r = await client.post("/trade/fairs", headers={**office, "content-type": "application/json"}, content=chunks())
    assert r.status_code == 413
