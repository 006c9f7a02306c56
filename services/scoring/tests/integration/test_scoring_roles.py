"""Every scoring endpoint declares who may call it; everybody else gets 403 problem+json."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from helpers import running_platform, token
from ocop_shared.auth import Role
from ocop_shared.settings import Settings

E, C, M, F, R = "e-1", "c-1", "m-1", "f-1", "AG-2026-R2"

# (method, path, who may call it)
OFFICE, STAFF, COUNCIL, CHAIR = "office", "staff", "council", "chair"
ENDPOINTS = [
    ("GET", "/scoring/regulations", STAFF),
    ("GET", "/scoring/rounds", OFFICE),
    ("GET", f"/scoring/rounds/{R}", OFFICE),
    ("PUT", f"/scoring/rounds/{R}", OFFICE),
    ("POST", "/scoring/councils", OFFICE),
    ("GET", "/scoring/councils", STAFF),
    ("GET", f"/scoring/councils/{C}", STAFF),
    ("PATCH", f"/scoring/councils/{C}", OFFICE),
    ("DELETE", f"/scoring/councils/{C}", OFFICE),
    ("GET", f"/scoring/councils/{C}/members", STAFF),
    ("PUT", f"/scoring/councils/{C}/members/{M}", OFFICE),
    ("DELETE", f"/scoring/councils/{C}/members/{M}", OFFICE),
    ("POST", f"/scoring/councils/{C}/conflicts", STAFF),
    ("GET", f"/scoring/councils/{C}/conflicts", OFFICE),
    ("GET", f"/scoring/councils/{C}/evaluations", OFFICE),
    ("PUT", f"/scoring/evaluations/{E}/council", OFFICE),
    ("POST", "/scoring/sheet-files", OFFICE),
    ("GET", "/scoring/sheet-files", OFFICE),
    ("GET", f"/scoring/sheet-files/{F}", OFFICE),
    ("GET", "/scoring/evaluations", STAFF),
    ("GET", "/scoring/my/evaluations", COUNCIL),
    ("GET", f"/scoring/evaluations/{E}", STAFF),
    ("GET", f"/scoring/evaluations/{E}/sheet", COUNCIL),
    ("PUT", f"/scoring/evaluations/{E}/sheet", COUNCIL),
    ("POST", f"/scoring/evaluations/{E}/sheet/submission", COUNCIL),
    ("GET", f"/scoring/evaluations/{E}/sheets", STAFF),
    ("PUT", f"/scoring/evaluations/{E}/attendance", STAFF),
    ("GET", f"/scoring/evaluations/{E}/council-view", STAFF),
    ("POST", f"/scoring/evaluations/{E}/rescoring", CHAIR),
    ("POST", f"/scoring/evaluations/{E}/finalisation", CHAIR),
    ("GET", f"/scoring/evaluations/{E}/result", STAFF),
    ("GET", f"/scoring/evaluations/{E}/sheets/{M}/export", STAFF),
    ("GET", f"/scoring/evaluations/{E}/minutes", STAFF),
]
ALLOWED = {
    OFFICE: {Role.PROVINCE_OFFICE},
    STAFF: {Role.PROVINCE_OFFICE, Role.COUNCIL_MEMBER, Role.COUNCIL_CHAIR},
    COUNCIL: {Role.COUNCIL_MEMBER, Role.COUNCIL_CHAIR},
    CHAIR: {Role.COUNCIL_CHAIR},
}
OUTSIDERS = (Role.ENTITY_USER, Role.COMMUNE_OFFICER, Role.INSPECTOR, Role.SHOWROOM_OPERATOR,
             Role.POS_CLIENT, Role.SERVICE)


def _template(path: str) -> str:
    for value, name in ((E, "{evaluation_id}"), (C, "{council_id}"), (M, "{member_id}"),
                        (F, "{file_id}"), (R, "{round_id}")):
        path = path.replace(f"/{value}", f"/{name}")
    return path


async def test_the_list_covers_every_scoring_endpoint(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["scoring"]) as (_client, runtimes):
        routes = {(method, route.path) for route in runtimes[0].parts.router.routes
                  if isinstance(route, APIRoute) for method in route.methods}
    assert routes == {(method, _template(path)) for method, path, _ in ENDPOINTS}


async def test_others_get_403(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["scoring"]) as (client, _):
        checked = 0
        for method, path, who in ENDPOINTS:
            for role in (*OUTSIDERS, Role.PROVINCE_OFFICE, Role.COUNCIL_MEMBER, Role.COUNCIL_CHAIR):
                if role in ALLOWED[who]:
                    continue
                r = await client.request(method, path, headers=token(settings, role, subject="x"),
                                         json={})
                assert r.status_code == 403, (method, path, role, r.text)
                assert r.headers["content-type"] == "application/problem+json"
                checked += 1
            anonymous = await client.request(method, path, json={})
            assert anonymous.status_code == 401, (method, path)
        assert checked > 150


@pytest.mark.parametrize("role", [Role.PROVINCE_OFFICE, Role.COUNCIL_MEMBER, Role.COUNCIL_CHAIR])
async def test_allowed_roles_get_past_the_guard(tmp_path: Path, role: Role) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["scoring"]) as (client, _):
        for method, path, who in ENDPOINTS:
            if role not in ALLOWED[who]:
                continue
            r = await client.request(method, path, headers=token(settings, role, subject="x"),
                                     json={})
            # whatever the answer (not found, invalid body…), it is not the role guard's
            assert r.status_code != 401 and r.status_code < 500, (method, path, r.text)
            assert not (r.status_code == 403 and "vai trò" in r.json()["detail"].lower()), (method, path)
