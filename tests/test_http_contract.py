"""HTTP behaviour every service shares: roles, problem+json, languages, no stack traces."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI

from helpers import as_role, running_platform, tax_code
from ocop_shared.auth import Role
from ocop_shared.http.problems import install_problem_handlers
from ocop_shared.settings import Settings

PROBLEM = "application/problem+json"


def entity_body(registration_no: str) -> dict[str, object]:
    return {"name": "HTX Trà Núi Cấm", "legal_form": "cooperative",
            "registration_no": registration_no, "commune_code": "30538",
            "address": "Ấp Vồ Đầu", "phone": "0296 3871 234", "email": "tra@example.vn",
            "representative_name": "Chau Sóc Khum"}


async def test_missing_token_is_401_and_wrong_role_is_403(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        body = entity_body(tax_code(777))
        r = await client.post("/registry/entities", json=body)
        assert r.status_code == 401
        assert r.headers["content-type"] == PROBLEM
        r = await client.post("/registry/entities", json=body,
                              headers=await as_role(client, Role.SHOWROOM_OPERATOR, showroom="tinh-bien"))
        assert r.status_code == 403
        assert "chủ thể OCOP" in r.json()["detail"], "says who may: producers (and the office)"


async def test_entity_user_cannot_act_for_another_entity(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE, subject="office")
        entity = (await client.post("/registry/entities", headers=office,
                                    json=entity_body(tax_code(778)))).json()["id"]
        stranger = await as_role(client, Role.ENTITY_USER, subject="stranger")
        r = await client.post("/registry/products", headers=stranger, json={
            "entity_id": entity, "name": "Trà Núi Cấm", "product_set_no": 12})
        assert r.status_code == 403
        owner = await as_role(client, Role.ENTITY_USER, subject="owner", entity_ids=(entity,))
        r = await client.post("/registry/products", headers=owner, json={
            "entity_id": entity, "name": "Trà Núi Cấm", "product_set_no": 12})
        assert r.status_code == 201
        # A producer who registers an entity may act for it without a new token.
        producer = await as_role(client, Role.ENTITY_USER, subject="producer")
        own = (await client.post("/registry/entities", headers=producer,
                                 json=entity_body(tax_code(780)))).json()["id"]
        r = await client.post("/registry/products", headers=producer, json={
            "entity_id": own, "name": "Trà Núi Cấm", "product_set_no": 12})
        assert r.status_code == 201
        listed = (await client.get("/registry/products", headers=producer)).json()
        assert [p["entity_id"] for p in listed["items"]] == [own], "a producer sees only theirs"
        assert (await client.get("/registry/products", headers=stranger)).json()["total"] == 0


async def test_validation_errors_name_the_fields_in_vietnamese_or_english(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        bad = {**entity_body("x"), "name": "H", "legal_form": "kolkhoz", "registration_no": "12"}
        r = await client.post("/registry/entities", headers=office, json=bad)
        assert r.status_code == 422
        problem = r.json()
        assert r.headers["content-type"] == PROBLEM
        assert problem["title"] == "Dữ liệu không hợp lệ"
        assert {e["field"] for e in problem["errors"]} == {"name", "legal_form",
                                                          "registration_no"}
        assert problem["correlation_id"] == r.headers["x-correlation-id"]
        r = await client.post("/registry/entities", json=bad,
                              headers={**office, "accept-language": "en-GB"})
        assert r.json()["title"] == "Unprocessable content"
        assert "invalid fields" in r.json()["detail"]


async def test_duplicate_registration_number_is_409_and_records_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        body = entity_body(tax_code(779))
        assert (await client.post("/registry/entities", headers=office, json=body)).status_code == 201
        r = await client.post("/registry/entities", headers=office,
                              json={**body, "name": "Another name"})
        assert r.status_code == 409
        assert body["registration_no"] in r.json()["detail"]


async def test_unexpected_errors_hide_the_stack_trace() -> None:
    router = APIRouter()

    @router.get("/boom")
    async def boom() -> None:
        raise KeyError("secret internal detail")

    bare = FastAPI()
    install_problem_handlers(bare)
    bare.include_router(router)
    transport = httpx.ASGITransport(app=bare, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == PROBLEM
    assert "secret internal detail" not in r.text
    assert "Traceback" not in r.text
    assert r.json()["correlation_id"]


async def test_no_token_issuer_takes_roles_from_the_caller_and_readiness(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        r = await client.post("/auth/dev-token", json={"subject": "chair",
                                                       "roles": ["council_chair"]})
        assert r.status_code == 404, "no endpoint mints a token with the roles a client asks for"
        ready = (await client.get("/health/ready")).json()
        assert ready["status"] == "ready"
        assert set(ready["checks"]) >= {"database:registry", "broker:embedded", "object_store:registry"}
