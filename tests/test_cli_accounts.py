"""What an administrator does on the command line before anyone can sign in, on the embedded
platform: `ocop accounts create-admin` (the first office member), `ocop login`, `ocop token`,
`ocop accounts rotate-keys` (old tokens keep working, new ones carry the new key) and
`ocop logout` (the session ends at the platform too)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from joserfc import jws

from helpers import OcopProcess, run_ocop

ADMIN = "truong-van-phong@ocop.angiang.gov.vn"
PASSWORD = "Mat-khau-quan-tri-2026"


def key_id(token: str) -> str:
    return str(jws.extract_compact(token.encode()).protected["kid"])


async def test_the_first_office_member_signs_in_and_keys_rotate(tmp_path: Path) -> None:
    code, out = await run_ocop("accounts", "create-admin", "--login", "not a login",
                           "--password-stdin", data_dir=tmp_path, stdin=f"{PASSWORD}\n")
    assert code == 2 and "Traceback" not in out, out
    code, out = await run_ocop("accounts", "create-admin", "--login", ADMIN, "--password-stdin",
                           data_dir=tmp_path, stdin="ngan\n")
    assert code == 1 and "Traceback" not in out, "a weak password is refused: " + out
    code, out = await run_ocop("accounts", "create-admin", "--login", ADMIN, "--name", "Trần Thị Bình",
                           "--password-stdin", data_dir=tmp_path, stdin=f"{PASSWORD}\n")
    assert code == 0 and "provincial office staff" in out, out

    platform = OcopProcess(["registry"], {"OCOP_DATA_DIR": str(tmp_path)}, tmp_path / "platform.log").start()
    try:
        await platform.wait_ready()
        code, out = await run_ocop("login", "--login", ADMIN, "--url", platform.url, "--password-stdin",
                               data_dir=tmp_path, stdin=f"{PASSWORD}\n")
        assert code == 0, out
        code, first = await run_ocop("token", "--url", platform.url, data_dir=tmp_path)
        assert code == 0, first
        first = first.strip()
        async with httpx.AsyncClient(base_url=platform.url, timeout=30) as client:
            me = (await client.get("/registry/access/me",
                                   headers={"authorization": f"Bearer {first}"})).json()
            assert me["roles"] == ["province_office"] and me["name"] == "Trần Thị Bình"
            grants = (await client.get("/registry/access-grants",
                                       headers={"authorization": f"Bearer {first}"})).json()["items"]
            assert [(g["login"], g["role"], g["granted_by"]) for g in grants] == [
                (ADMIN, "province_office", "ocop-cli:quan-tri")]

            before = {k["kid"] for k in (await client.get("/auth/jwks.json")).json()["keys"]}
            code, out = await run_ocop("accounts", "rotate-keys", data_dir=tmp_path)
            assert code == 0, out
            after = {k["kid"] for k in (await client.get("/auth/jwks.json")).json()["keys"]}
            assert before < after and key_id(first) in after, "the old key stays published"
            still = await client.get("/registry/access/me", headers={"authorization": f"Bearer {first}"})
            assert still.status_code == 200, "a token signed before the rotation still verifies"
            fresh = await client.post("/auth/token", data={
                "grant_type": "password", "client_id": "ocop-cli", "username": ADMIN,
                "password": PASSWORD})
            new_token = fresh.json()["access_token"]
            assert key_id(new_token) in after - before, "new tokens are signed with the new key"
            assert (await client.get("/registry/access/me", headers={
                "authorization": f"Bearer {new_token}"})).status_code == 200

            session = json.loads((tmp_path / "config" / "ocop" / "session.json").read_text())
            code, out = await run_ocop("logout", data_dir=tmp_path)
            assert code == 0 and not (tmp_path / "config" / "ocop" / "session.json").exists(), out
            renewed = await client.post("/auth/token", data={
                "grant_type": "refresh_token", "client_id": "ocop-cli",
                "refresh_token": session["refresh_token"]})
            assert renewed.status_code == 400, "signing out ended the session at the platform"
        code, out = await run_ocop("token", "--url", platform.url, data_dir=tmp_path)
        assert code == 1 and "ocop login" in out
    finally:
        platform.kill()
