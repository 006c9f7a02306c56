"""The OpenAPI document describes the API as it answers: who may call each operation (the
same permission matrix the guard enforces), with which credentials, and every error as the
problem+json it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import as_role, running_platform
from ocop_shared.auth import Role
from ocop_shared.auth.permissions import Permission, matrix
from ocop_shared.settings import Settings

SERVICES = ("registry", "scoring", "certification", "trade", "reporting")


async def test_each_operation_names_its_credentials_roles_and_problem_responses(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, _):
        document = (await client.get("/openapi.json")).json()
    assert set(document["components"]["securitySchemes"]) == {"bearer", "tillKey"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    operations = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert len(operations) > 100
    for path, method, op in operations:
        row = matrix().row(method, path)
        assert row is not None, f"{method} {path}"
        assert op["x-roles"] == {r.value: p.value for r, p in row.cells.items() if p is not Permission.DENY}
        assert ({} in op["security"]) == row.public, f"{method} {path}"
        assert "503" in op["responses"]
        if not row.public:
            assert {"401", "403"} <= set(op["responses"]), f"{method} {path}"
        if "requestBody" in op:
            assert {"400", "413", "415", "422"} <= set(op["responses"]), f"{method} {path}"
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], f"{method} {path} {status}"


async def test_each_service_serves_its_own_document_embedded_too(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, _):
        whole = (await client.get("/openapi.json")).json()
        for service in SERVICES:
            r = await client.get(f"/{service}/openapi.json")
            assert r.status_code == 200, service
            own = r.json()
            assert own["paths"] and all(p.startswith(f"/{service}/") for p in own["paths"])
            assert own["paths"] == {p: o for p, o in whole["paths"].items() if p.startswith(f"/{service}/")}
            assert own["components"]["securitySchemes"] == whole["components"]["securitySchemes"]


async def test_media_types_headers_and_enumerations_are_the_served_ones(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, _):
        document = (await client.get("/openapi.json")).json()
        csv = await client.get("/trade/feed.csv")
    paths = document["paths"]
    assert list(paths["/trade/feed.csv"]["get"]["responses"]["200"]["content"]) == ["text/csv"]
    assert csv.headers["content-type"].startswith("text/csv")
    snapshot = paths["/trade/pos/{showroom_id}/catalog"]["get"]["responses"]
    assert "ETag" in snapshot["200"]["headers"] and "304" in snapshot
    assert document["components"]["schemas"]["ChangeOut"]["properties"]["kind"]["enum"] == ["upsert", "tombstone"]
    assert "Retry-After" in paths["/trade/fairs"]["post"]["responses"]["503"]["headers"]
    assert "Retry-After" in paths["/auth/token"]["post"]["responses"]["429"]["headers"]
    assert "Location" in paths["/certification/certificates/{number}/pdf"]["get"]["responses"]["307"]["headers"]


def unbounded_strings(document: dict[str, Any], schema: dict[str, Any], where: str) -> list[str]:
    """Places in a request schema where a string of any length would be accepted."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    found: list[str] = []
    branches = schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", [])
    numeric = any(b.get("type") in ("number", "integer") for b in branches)
    for branch in branches:
        if not (numeric and branch.get("type") == "string"):  # a Decimal's string form
            found += unbounded_strings(document, branch, where)
    if schema.get("type") == "string" and not BOUNDED.intersection(schema):
        found.append(where)
    if schema.get("type") == "array":
        found += unbounded_strings(document, schema.get("items", {}), where + "[]")
    for name, sub in schema.get("properties", {}).items():
        found += unbounded_strings(document, sub, f"{where}.{name}")
    return found


BOUNDED = {"maxLength", "enum", "const", "pattern", "format", "contentMediaType"}


async def test_every_string_a_request_may_carry_has_a_length_limit(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, _):
        document = (await client.get("/openapi.json")).json()
        unbounded, bodies = [], 0
        for path, operations in document["paths"].items():
            for method, op in operations.items():
                for parameter in op.get("parameters", []):
                    unbounded += unbounded_strings(document, parameter["schema"],
                                                   f"{method} {path} {parameter['name']}")
                for media in op.get("requestBody", {}).get("content", {}).values():
                    bodies += 1
                    unbounded += unbounded_strings(document, media["schema"], f"{method} {path}")
        assert bodies > 40
        assert unbounded == []
        # and the limit holds at the door
        office = await as_role(client, Role.PROVINCE_OFFICE)
        r = await client.post("/registry/products", headers={**office, "accept-language": "en"},
                              json={"entity_id": "x" * 201, "name": "Mắm cá linh", "product_set_no": 1})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "entity_id", r.text
