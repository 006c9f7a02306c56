"""The console's defences, through HTTP like a browser: sign-in with the form, CSRF tokens on
every state-changing form, security headers, cookies, an expired session said so, sign-in
throttling, sign-out."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from helpers import api, running_platform
from ocop_cli.people import OFFICE_LOGIN
from ocop_shared.settings import Settings

PASSWORD = "Mat-khau-van-phong-2026"


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


async def signed_in(client: httpx.AsyncClient) -> httpx.Response:
    form = await client.get("/console/sign-in")
    return await client.post("/console/sign-in", data={
        "csrf": csrf_of(form), "login": OFFICE_LOGIN, "password": PASSWORD, "next": ""})


async def test_signing_in_sets_safe_cookies_and_every_page_has_security_headers(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        await api(client).office()
        await api(client).people.ensure(OFFICE_LOGIN, "Văn phòng", password=PASSWORD)  # type: ignore[attr-defined]
        page = await client.get("/console/sign-in")
        headers = page.headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin" and headers["cache-control"] == "no-store"
        wrong = await client.post("/console/sign-in", data={
            "csrf": csrf_of(page), "login": OFFICE_LOGIN, "password": "sai-mat-khau-roi"})
        assert wrong.status_code == 422 and "không đúng" in wrong.text
        done = await signed_in(client)
        assert done.status_code == 303 and done.headers["location"].endswith("/console/office")
        cookies = done.headers.get_list("set-cookie")
        access = next(c for c in cookies if c.startswith("ocop_access="))
        assert "HttpOnly" in access and "SameSite=lax" in access and "Path=/console" in access
        office = await client.get("/console/office")
        assert office.status_code == 200 and "Văn phòng điều phối" in office.text


async def test_a_state_changing_form_without_its_csrf_token_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        await api(client).office()
        await api(client).people.ensure(OFFICE_LOGIN, "Văn phòng", password=PASSWORD)  # type: ignore[attr-defined]
        await signed_in(client)
        rounds = await client.get("/console/office/rounds")
        body = {"id": "AG-2026-CSRF", "name": "Đợt thử", "opens_on": "2026-11-01", "closes_on": "2026-12-31"}
        for forged in ({}, {"csrf": "forged"}, {"csrf": csrf_of(rounds)[:-3] + "abc"}):
            r = await client.post("/console/office/rounds", data={**body, **forged})
            assert r.status_code == 403 and "CSRF" in r.text, forged
        # another browser's genuine token is no good here either
        async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as other:
            theirs = csrf_of(await other.get("/console/sign-in"))
        r = await client.post("/console/office/rounds", data={**body, "csrf": theirs})
        assert r.status_code == 403
        office = await api(client).office()
        assert "AG-2026-CSRF" not in (await client.get("/registry/rounds", headers=office)).text
        ok = await client.post("/console/office/rounds", data={**body, "csrf": csrf_of(rounds)})
        assert ok.status_code == 303
        assert "AG-2026-CSRF" in (await client.get("/registry/rounds", headers=office)).text


async def test_an_ended_session_sends_to_sign_in_saying_so(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        await api(client).office()
        await api(client).people.ensure(OFFICE_LOGIN, "Văn phòng", password=PASSWORD)  # type: ignore[attr-defined]
        await signed_in(client)
        home = await client.get("/console/office")
        # sign out elsewhere (the refresh token is ended) and let the access token expire
        refresh = client.cookies.get("ocop_refresh")
        assert (await client.post("/auth/sign-out", json={"refresh_token": refresh})).status_code == 204
        stale = next(c for c in client.cookies.jar if c.name == "ocop_access")
        client.cookies.delete("ocop_access", domain=stale.domain, path=stale.path)
        client.cookies.set("ocop_access", "expired.token.value", domain=stale.domain, path=stale.path)
        r = await client.get("/console/office/rounds")
        assert r.status_code == 303 and "expired=1" in r.headers["location"]
        page = await client.get(r.headers["location"])
        assert "Phiên đăng nhập đã hết hạn" in page.text
        assert home.status_code == 200


async def test_too_many_failed_sign_ins_are_told_apart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, login_max_failures=2)
    async with running_platform(settings) as (client, _):
        await api(client).people.ensure(OFFICE_LOGIN, "Văn phòng", password=PASSWORD)  # type: ignore[attr-defined]
        page = await client.get("/console/sign-in")
        for _ in range(2):
            await client.post("/console/sign-in", data={"csrf": csrf_of(page), "login": OFFICE_LOGIN,
                                                        "password": "sai-mat-khau-roi"})
        locked = await client.post("/console/sign-in", data={"csrf": csrf_of(page), "login": OFFICE_LOGIN,
                                                             "password": PASSWORD})
        assert locked.status_code == 429 and "thử lại sau" in locked.text


async def test_sign_out_ends_the_session(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        await api(client).office()
        await api(client).people.ensure(OFFICE_LOGIN, "Văn phòng", password=PASSWORD)  # type: ignore[attr-defined]
        await signed_in(client)
        refresh = client.cookies.get("ocop_refresh")
        page = await client.get("/console/office")
        out = await client.post("/console/sign-out", data={"csrf": csrf_of(page)})
        assert out.status_code == 303
        renewed = await client.post("/auth/token", data={"grant_type": "refresh_token",
                                                         "client_id": "ocop-console",
                                                         "refresh_token": refresh})
        assert renewed.status_code == 400, "the session ended at the account store too"
