"""People of the distributed mode sign in through the stack's Keycloak.

- The console: the authorisation-code flow with PKCE, Keycloak's own login form, the
  callback, pages that know who signed in from the services' records, and a sign-out that
  ends the Keycloak session.
- The command line: `ocop accounts create-admin --mode kafka` makes a Keycloak user the first
  office member; `ocop login` / `token` / `logout` go through the realm's `ocop-cli` client."""

from __future__ import annotations

import asyncio
import html
import json
import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from helpers import PrefixRouter, api, run_ocop
from ocop_cli.people import DEMO_PASSWORD, OFFICE_LOGIN
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_console.app import standalone_console
from ocop_shared.settings import Environment, Mode

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]

CONSOLE = "http://127.0.0.1:8000"  # what the browser's address bar says (any loopback port works)
CONSOLE_SECRET = "dev-only-console-client-secret"  # deploy/keycloak/ocop-realm.json


class LoopbackBrowser:
    """Keycloak's pages, as a browser sees them on http://127.0.0.1: browsers treat loopback as
    a secure context and send Keycloak's `Secure` cookies there; httpx's cookie jar would not."""

    def __init__(self) -> None:
        self.http = httpx.AsyncClient(timeout=30)

    def _cookies(self) -> dict[str, str]:
        return {"cookie": "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)}

    async def get(self, url: str) -> httpx.Response:
        return await self.http.get(url, headers=self._cookies())

    async def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        return await self.http.post(url, data=data, headers=self._cookies())


def login_form(page: httpx.Response) -> str:
    found = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page.text)
    assert found, page.text[:800]
    return html.unescape(found.group(1))


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


# Over 60 lines: one browser session through Keycloak's pages, in order.
async def test_the_console_signs_in_and_out_through_keycloak(deployment: Deployment) -> None:
    processes = [deployment.process(name).start() for name in ("registry", "scoring")]
    await asyncio.gather(*(p.wait_ready() for p in processes))
    urls = {name: p.url for name, p in zip(("registry", "scoring"), processes, strict=True)}
    async with httpx.AsyncClient(transport=PrefixRouter(urls), base_url="http://gateway",
                                 timeout=30) as c:
        await api(c).office()  # the office's Keycloak account, and its grant in this registry
    settings = deployment.settings.model_copy(update={
        "mode": Mode.KAFKA, "env": Environment.DEVELOPMENT,
        "oidc_console_client_secret": CONSOLE_SECRET})
    console = standalone_console(settings, "http://gateway", transport=PrefixRouter(urls))
    issuer = settings.provider_issuer()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=console), base_url=CONSOLE,
                                 timeout=30) as browser:
        at_keycloak = LoopbackBrowser()
        start = await browser.get("/console/sign-in", params={"next": "/console/office/people"})
        assert start.status_code == 303
        pending = browser.cookies.get("ocop_oidc")  # the browser's half of the sign-in
        assert pending
        authorize = urlsplit(start.headers["location"])
        query = parse_qs(authorize.query)
        assert start.headers["location"].startswith(f"{issuer}/protocol/openid-connect/auth")
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
        assert query["redirect_uri"] == [f"{CONSOLE}/console/auth/callback"]
        form = await at_keycloak.get(start.headers["location"])
        assert form.status_code == 200
        wrong = await at_keycloak.post(login_form(form), data={
            "username": OFFICE_LOGIN, "password": "not-the-password"})
        assert wrong.status_code == 200 and "kc-form-login" in wrong.text  # Keycloak says no
        back = await at_keycloak.post(login_form(wrong), data={
            "username": OFFICE_LOGIN, "password": DEMO_PASSWORD})
        assert back.status_code == 302, back.text[:500]
        callback = urlsplit(back.headers["location"])
        assert f"{callback.scheme}://{callback.netloc}{callback.path}" == f"{CONSOLE}/console/auth/callback"

        # a callback with another state is not this browser's sign-in
        params = parse_qs(callback.query)
        forged = await browser.get("/console/auth/callback", params={
            "code": params["code"][0], "state": "another-browsers-state"})
        assert forged.status_code == 400 and "ocop_access" not in forged.headers.get("set-cookie", "")

        done = await browser.get(f"/console/auth/callback?{callback.query}")
        assert done.status_code == 303 and done.headers["location"].endswith("/console/office/people")
        access = next(c for c in done.headers.get_list("set-cookie") if c.startswith("ocop_access="))
        assert "HttpOnly" in access and "SameSite=lax" in access
        people = await browser.get("/console/office/people")
        assert people.status_code == 200 and OFFICE_LOGIN in people.text
        assert "form-action 'self' http://127.0.0.1:8180" in people.headers["content-security-policy"]
        # the same code a second time is refused by Keycloak: a clear page, not an error
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=console), base_url=CONSOLE,
                                     cookies={"ocop_oidc": pending}) as replay:
            again = await replay.get(f"/console/auth/callback?{callback.query}")
        assert again.status_code == 400 and "ocop_access" not in again.headers.get("set-cookie", "")

        refresh = browser.cookies.get("ocop_refresh")
        assert refresh
        out = await browser.post("/console/sign-out", data={"csrf": csrf_of(people)})
        assert out.status_code == 303
        end = out.headers["location"]
        assert end.startswith(f"{issuer}/protocol/openid-connect/logout") and "id_token_hint" in end
        ended = await at_keycloak.get(end)
        assert ended.status_code == 302 and ended.headers["location"].startswith(f"{CONSOLE}/console")
        assert not browser.cookies.get("ocop_access")
        # Keycloak ended the session: its refresh token renews nothing any more
        renewed = await at_keycloak.http.post(f"{issuer}/protocol/openid-connect/token", data={
            "grant_type": "refresh_token", "refresh_token": refresh, "client_id": "ocop-console",
            "client_secret": CONSOLE_SECRET})
        assert renewed.status_code == 400 and renewed.json()["error"] == "invalid_grant"
        signed_out = await browser.get("/console/office/people", follow_redirects=False)
        assert signed_out.status_code == 303 and "/console/sign-in" in signed_out.headers["location"]
        await at_keycloak.http.aclose()


async def test_the_first_office_member_of_a_keycloak_deployment(deployment: Deployment,
                                                                tmp_path: Path) -> None:
    login = f"giam-doc-{uuid.uuid4().hex[:8]}@ocop.angiang.gov.vn"
    people = deployment.people()
    await people.ensure(login, "Lê Văn Cường")  # Keycloak's administrators make the account
    env = {**deployment.env("registry"), "OCOP_OIDC_ISSUER": deployment.settings.provider_issuer()}
    code, out = await run_ocop("accounts", "create-admin", "--mode", "kafka", "--login", login,
                               data_dir=tmp_path, env=env)
    assert code == 0 and "provincial office staff" in out, out
    registry = deployment.process("registry").start()
    await registry.wait_ready()
    async with httpx.AsyncClient(base_url=registry.url, timeout=30) as client:
        me = await client.get("/registry/access/me", headers=await people.headers(login))
        assert me.json()["roles"] == ["province_office"], me.text

        code, out = await run_ocop("login", "--login", login, "--url", registry.url,
                                   "--password-stdin", data_dir=tmp_path, env=env,
                                   stdin=f"{DEMO_PASSWORD}\n")
        assert code == 0, out
        code, token = await run_ocop("token", "--url", registry.url, data_dir=tmp_path, env=env)
        assert code == 0, token
        mine = await client.get("/registry/access-grants",
                                headers={"authorization": f"Bearer {token.strip()}"})
        assert mine.status_code == 200
        assert [(g["login"], g["granted_by"]) for g in mine.json()["items"]] == [
            (login, "ocop-cli:quan-tri")]
    session = (tmp_path / "config" / "ocop" / "session.json").read_text()
    refresh = json.loads(session)["refresh_token"]
    code, out = await run_ocop("logout", data_dir=tmp_path, env=env)
    assert code == 0 and "could not tell" not in out, out
    async with httpx.AsyncClient(timeout=30) as keycloak:
        renewed = await keycloak.post(f"{deployment.settings.provider_issuer()}/protocol/openid-connect/token",
                                      data={"grant_type": "refresh_token", "client_id": "ocop-cli",
                                            "refresh_token": refresh})
    assert renewed.status_code == 400, "the session ended at Keycloak"
