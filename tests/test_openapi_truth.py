"""The OpenAPI document describes the API as it answers: who may call each operation (the
same permission matrix the guard enforces), with which credentials, and every error as the
problem+json it is."""

from __future__ import annotations

from pathlib import Path

from helpers import running_platform
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
