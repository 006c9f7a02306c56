"""The routes are declared at module level and reach the runtime and the guard through
dependencies, so a test can stand in for either (FastAPI's dependency_overrides)."""

from __future__ import annotations

from pathlib import Path

import httpx

from helpers import make_app
from ocop_shared.auth import Access, Principal, Role
from ocop_shared.http.routing import guard_of
from ocop_shared.settings import Settings


async def test_a_test_may_stand_in_for_the_guard(tmp_path: Path) -> None:
    app, _runtimes = make_app(Settings(data_dir=tmp_path), ["reporting"])
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        assert (await client.get("/reporting/reports/2026/annual")).status_code == 401, "guarded"

        async def office() -> Principal:
            return Principal(subject="office-in-a-test", access=Access(roles=frozenset({Role.PROVINCE_OFFICE})))

        app.dependency_overrides[guard_of("reporting")] = office
        report = await client.get("/reporting/reports/2026/annual")
        assert report.status_code == 200 and report.json()["year"] == 2026
