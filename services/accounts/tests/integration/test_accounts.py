"""The embedded account store through its API: sign-up with a code sent by a real SMTP server,
sessions that renew and end, lockout after failed sign-ins, password resets, the office's
invitations, and key rotation — the services verifying its tokens all along."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from helpers import api, free_port, running_platform
from ocop_cli.people import OFFICE_LOGIN
from ocop_shared.auth.issuers import embedded_key_folder
from ocop_shared.keyring import KeyRing
from ocop_shared.settings import Settings

PASSWORD = "Mat-khau-thu-nghiem-2026"


class Inbox:
    """aiosmtpd's handler: keeps every message the platform sends."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def link_to(self, address: str) -> str:
        """The console address in the newest message to `address` (path and query)."""
        message = next(m for m in reversed(self.messages) if m["To"] == address)
        found = re.search(r"https?://[^/\s]+(/console/\S+)", message.get_payload(decode=True).decode())
        assert found, "the message says where to go"
        return found.group(1)

    async def code_for(self, address: str) -> str:
        for _ in range(100):
            for message in reversed(self.messages):
                if message["To"] == address:
                    body = message.get_payload(decode=True).decode()
                    found = re.search(r"\b(\d{6})\b", body)
                    assert found, body
                    return found.group(1)
            await asyncio.sleep(0.05)
        raise AssertionError(f"no message to {address}")


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def settings_for(tmp_path: Path, smtp_port: int, **more: Any) -> Settings:
    return Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=smtp_port,
                    smtp_starttls=False, smtp_sender="ocop@angiang.gov.vn", **more)


async def sign_in(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await client.post("/auth/token", data={"grant_type": "password", "client_id": "ocop-console",
                                                  "username": login, "password": password})


async def test_a_producer_signs_up_with_a_code_by_email_and_the_services_know_them(
        tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_platform(settings_for(tmp_path, port)) as (client, _):
        weak = await client.post("/auth/sign-up", json={"login": "an@htx.vn", "name": "An",
                                                        "password": "1234567890"})
        assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
        r = await client.post("/auth/sign-up", json={"login": "An@HTX.vn", "name": "Nguyễn Văn An",
                                                     "password": PASSWORD})
        assert r.status_code == 202, r.text
        code = await inbox.code_for("an@htx.vn")
        where = inbox.link_to("an@htx.vn")
        assert where.startswith("/console/account/verification?login=an%40htx.vn"), where
        form = await client.get(where)
        assert form.status_code == 200 and 'value="an@htx.vn"' in form.text, "the page the mail names"
        unverified = await sign_in(client, "an@htx.vn", PASSWORD)
        assert unverified.status_code == 403 and "mã" in unverified.json()["detail"]
        wrong = await client.post("/auth/verification", json={"login": "an@htx.vn", "code": "000000"})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "code"
        assert (await client.post("/auth/verification", json={"login": "an@htx.vn", "code": code})
                ).status_code == 204
        tokens = (await sign_in(client, "an@htx.vn", PASSWORD)).json()
        bearer = {"authorization": f"Bearer {tokens['access_token']}"}
        me = (await client.get("/auth/me", headers=bearer)).json()
        assert (me["login"], me["name"], me["status"]) == ("email:an@htx.vn", "Nguyễn Văn An", "active")
        access = (await client.get("/registry/access/me", headers=bearer)).json()
        assert access["roles"] == ["producer"] and access["logins"] == ["an@htx.vn"]
        # the same sign-up again reveals nothing: the address gets a notice, not a second account
        again = await client.post("/auth/sign-up", json={"login": "an@htx.vn", "name": "X",
                                                         "password": PASSWORD})
        assert again.status_code == 202 and again.json() == r.json()


async def test_sessions_renew_and_end(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    _, port = smtp
    async with running_platform(settings_for(tmp_path, port)) as (client, _):
        await api(client).people.ensure("binh@htx.vn", "Bình", password=PASSWORD)  # type: ignore[attr-defined]
        first = (await sign_in(client, "binh@htx.vn", PASSWORD)).json()
        renewed = await client.post("/auth/token", data={"grant_type": "refresh_token",
                                                         "client_id": "ocop-console",
                                                         "refresh_token": first["refresh_token"]})
        assert renewed.status_code == 200
        body = renewed.json()
        assert body["refresh_token"] != first["refresh_token"] and body["session_id"] == first["session_id"]
        reused = await client.post("/auth/token", data={"grant_type": "refresh_token", "client_id": "ocop-console",
                                                        "refresh_token": first["refresh_token"]})
        assert reused.status_code == 400, "a refresh token works once"
        assert (await client.post("/auth/sign-out", json={"refresh_token": body["refresh_token"]})
                ).status_code == 204
        ended = await client.post("/auth/token", data={"grant_type": "refresh_token", "client_id": "ocop-console",
                                                       "refresh_token": body["refresh_token"]})
        assert ended.status_code == 400 and "đăng nhập lại" in ended.json()["detail"]
        unknown_client = await client.post("/auth/token", data={"grant_type": "password", "client_id": "evil",
                                                                "username": "binh@htx.vn", "password": PASSWORD})
        assert unknown_client.status_code == 400 and unknown_client.json()["error"] == "invalid_client"


async def test_failed_sign_ins_lock_the_login_then_the_address(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    _, port = smtp
    settings = settings_for(tmp_path, port, login_max_failures=3, login_max_failures_per_address=5)
    async with running_platform(settings) as (client, _):
        await api(client).people.ensure("cuc@htx.vn", "Cúc", password=PASSWORD)  # type: ignore[attr-defined]
        unknown = await sign_in(client, "nobody@htx.vn", "wrong-password-1")
        wrong = await sign_in(client, "cuc@htx.vn", "wrong-password-1")
        assert unknown.status_code == wrong.status_code == 400
        assert unknown.json()["detail"] == wrong.json()["detail"], "no hint which logins exist"
        await sign_in(client, "cuc@htx.vn", "wrong-password-2")
        await sign_in(client, "cuc@htx.vn", "wrong-password-3")
        locked = await sign_in(client, "cuc@htx.vn", PASSWORD)
        assert locked.status_code == 429 and locked.headers["content-type"] == "application/problem+json"
        assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
        assert "thử lại sau" in locked.json()["detail"]
        # from this address, five failures in all: every login is throttled now
        await sign_in(client, "nobody@htx.vn", "wrong-password-2")
        throttled = await sign_in(client, "someone-else@htx.vn", "wrong-password")
        assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0


async def test_a_password_reset_needs_the_code_and_ends_every_session(tmp_path: Path,
                                                                     smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_platform(settings_for(tmp_path, port)) as (client, _):
        await api(client).people.ensure("dung@htx.vn", "Dũng", password=PASSWORD)  # type: ignore[attr-defined]
        old = (await sign_in(client, "dung@htx.vn", PASSWORD)).json()
        unknown = await client.post("/auth/password-reset", json={"login": "khong-ai@htx.vn"})
        asked = await client.post("/auth/password-reset", json={"login": "dung@htx.vn"})
        assert unknown.status_code == asked.status_code == 202 and unknown.json() == asked.json()
        code = await inbox.code_for("dung@htx.vn")
        new = "Mat-khau-moi-cua-Dung-2026"
        done = await client.post("/auth/password-reset/confirmation",
                                 json={"login": "dung@htx.vn", "code": code, "password": new})
        assert done.status_code == 204
        assert (await sign_in(client, "dung@htx.vn", PASSWORD)).status_code == 400
        assert (await sign_in(client, "dung@htx.vn", new)).status_code == 200
        gone = await client.post("/auth/token", data={"grant_type": "refresh_token", "client_id": "ocop-console",
                                                      "refresh_token": old["refresh_token"]})
        assert gone.status_code == 400, "the old session ended with the reset"


async def test_the_office_invites_by_email_and_the_invitee_sets_a_password(tmp_path: Path,
                                                                          smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_platform(settings_for(tmp_path, port)) as (client, _):
        office = await api(client).office()
        r = await client.post("/registry/access-grants", headers=office, json={
            "login": "can-bo@xa-chau-doc.vn", "role": "commune_officer", "scope": "30316",
            "name": "Cán bộ Châu Đốc"})
        assert r.status_code == 201, r.text
        code = await inbox.code_for("can-bo@xa-chau-doc.vn")
        assert "cán bộ xã (30316)" in inbox.messages[-1].get_payload(decode=True).decode()
        accepted = await client.post("/auth/invitation/acceptance", json={
            "login": "can-bo@xa-chau-doc.vn", "code": code, "name": "Lê Văn Cán", "password": PASSWORD})
        assert accepted.status_code == 204
        tokens = (await sign_in(client, "can-bo@xa-chau-doc.vn", PASSWORD)).json()
        me = (await client.get("/registry/access/me",
                               headers={"authorization": f"Bearer {tokens['access_token']}"})).json()
        assert me["roles"] == ["commune_officer"] and me["communes"] == ["30316"]


async def test_rotated_keys_keep_verifying_until_withdrawn(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    from accounts.service_layer import signin
    from accounts.service_layer.keys import maintain, rotate

    _, port = smtp
    async with running_platform(settings_for(tmp_path, port)) as (client, runtimes):
        ocop = api(client)
        before = await ocop.office()
        ring = KeyRing.load(embedded_key_folder(tmp_path))
        old_kid = ring.active_kid
        accounts = next(rt for rt in runtimes if rt.name == "accounts").state["accounts"]
        new_kid = rotate(accounts.issuer.ring)
        published = (await client.get("/auth/jwks.json")).json()
        assert {k["kid"] for k in published["keys"]} == {old_kid, new_kid}
        assert all(k["alg"] == "Ed25519" and "d" not in k for k in published["keys"]), "public halves only"
        assert (await client.get("/scoring/rounds", headers=before)).status_code == 200, "old token"
        fresh = await signin.token_for(accounts, OFFICE_LOGIN, client_id="ocop-cli")
        after = {"authorization": f"Bearer {fresh.access_token}"}
        assert (await client.get("/scoring/rounds", headers=after)).status_code == 200, "new key"
        # an hour later the old key's tokens have all expired: it is withdrawn
        later = accounts.now() + timedelta(hours=1)
        maintain(accounts.issuer.ring, later, every=timedelta(days=30), token_lifetime=timedelta(minutes=10))
        assert KeyRing.load(embedded_key_folder(tmp_path)).key_ids == [new_kid]
        await asyncio.sleep(0)
