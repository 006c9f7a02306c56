"""Tokens are verified by the issuer's published keys and roles come from records: every bad
token is refused with 401 and its reason, everywhere; a good token for the wrong record is 403;
a token minted with the old shared secret, or by a client choosing its own roles, gets nowhere."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, OKPKey

from helpers import api, as_role, running_platform, subject_of, tax_code
from ocop_cli.people import OFFICE_LOGIN
from ocop_shared.auth import Role
from ocop_shared.auth.issuers import embedded_key_folder
from ocop_shared.keyring import KeyRing
from ocop_shared.settings import Settings

# one protected route of each service, and what a person without records gets there
PROTECTED = ["/registry/rounds", "/scoring/rounds", "/certification/revocation-cases",
             "/trade/showrooms", "/reporting/reports/2026/annual", "/auth/me"]
OFFICE_ONLY = ["/registry/access-grants", "/scoring/rounds", "/certification/revocation-cases",
               "/trade/showrooms", "/reporting/reports/2026/annual"]


def signer(settings: Settings) -> tuple[OKPKey, str]:
    """The embedded issuer's own signing key (to make tokens wrong in exactly one way)."""
    kid, private = KeyRing.load(embedded_key_folder(settings.data_dir)).signing_key()
    return OKPKey.import_key(private, parameters={"kid": kid}), kid


def claims(settings: Settings, subject: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": settings.token_issuer(), "aud": settings.oidc_audience, "sub": subject,
            "iat": now, "nbf": now, "exp": now + 300, "name": "Người thử"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def reason_of(client: httpx.AsyncClient, path: str, token: str) -> str:
    r = await client.get(path, headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 401, (path, r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith('Bearer realm="ocop", error="invalid_token"')
    body = r.json()
    assert body["detail"] and "Traceback" not in r.text
    return str(body["reason"])


async def test_each_bad_token_is_refused_with_its_reason_by_every_service(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await api(client).office()
        me = await subject_of(client, office)
        key, kid = signer(settings)
        who = {"email": OFFICE_LOGIN, "email_verified": True}
        good = jwt.encode({"alg": "Ed25519", "kid": kid}, claims(settings, me, **who), key,
                          algorithms=["Ed25519"])
        assert (await client.get("/scoring/rounds", headers={"authorization": f"Bearer {good}"})
                ).status_code == 200, "the well-made token itself is accepted"

        def signed(**changes: Any) -> str:
            return jwt.encode({"alg": "Ed25519", "kid": kid}, claims(settings, me, **who, **changes), key,
                              algorithms=["Ed25519"])

        now = int(time.time())
        header, payload, signature = good.split(".")
        forged_payload = b64(json.dumps(claims(settings, str(uuid.uuid4()), **who)).encode())
        public_bytes = base64.urlsafe_b64decode(key.as_dict(private=False)["x"] + "==")
        stranger = OKPKey.generate_key("Ed25519", parameters={"kid": "not-the-issuers"})
        cases = {
            "expired": signed(exp=now - 120, iat=now - 600, nbf=now - 600),
            "not_yet_valid": signed(nbf=now + 600),
            "audience": signed(aud="another-platform"),
            "issuer": signed(iss="https://sso.example.com/realms/ocop"),
            "unsigned": f"{b64(json.dumps({'alg': 'none', 'kid': kid}).encode())}.{payload}.",
            "algorithm": jwt.encode({"alg": "HS256", "kid": kid}, claims(settings, me, **who),
                                    OctKey.import_key(public_bytes), algorithms=["HS256"]),
            "unknown_key": jwt.encode({"alg": "Ed25519", "kid": "not-the-issuers"}, claims(settings, me, **who),
                                      stranger, algorithms=["Ed25519"]),
            "signature": f"{header}.{forged_payload}.{signature}",
            "malformed": "this.is-not.a-token",
        }
        for expected, token in cases.items():
            for path in PROTECTED:
                assert await reason_of(client, path, token) == expected, (expected, path)


async def test_a_token_of_the_old_shared_secret_or_with_chosen_roles_gets_nowhere(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        await api(client).office()
        old = jwt.encode({"alg": "HS256"}, {"iss": "ocop-platform", "sub": "van-phong-ocop",
                                            "roles": ["province_office"], "exp": int(time.time()) + 600},
                         OctKey.import_key(b"dev-only-secret-change-me-in-production"), algorithms=["HS256"])
        for path in PROTECTED:
            assert await reason_of(client, path, old) == "algorithm", path
        # A client that signs its own token with roles in it: not the issuer's key.
        own = OKPKey.generate_key("Ed25519", parameters={"kid": "mine"})
        minted = jwt.encode({"alg": "Ed25519", "kid": "mine"},
                            claims(settings, "me", roles=["province_office"], email="van-phong@ocop.angiang.gov.vn",
                                   email_verified=True), own, algorithms=["Ed25519"])
        for path in PROTECTED:
            assert await reason_of(client, path, minted) == "unknown_key", path
        # The issuer's own token with roles written into it: roles are never read from tokens.
        producer = await as_role(client, Role.ENTITY_USER, subject="chu-the-tu-xung")
        subject = await subject_of(client, producer)
        key, kid = signer(settings)
        claimed = jwt.encode({"alg": "Ed25519", "kid": kid},
                             claims(settings, subject, roles=["province_office"],
                                    realm_access={"roles": ["province_office"]},
                                    commune_code="30316", showroom_id="tinh-bien"), key,
                             algorithms=["Ed25519"])
        for path in OFFICE_ONLY:
            r = await client.get(path, headers={"authorization": f"Bearer {claimed}"})
            assert r.status_code == 403, (path, r.text)
        me = (await client.get("/registry/access/me", headers={"authorization": f"Bearer {claimed}"})).json()
        assert me["roles"] == ["producer"] and me["communes"] == [] and me["showrooms"] == []


async def test_a_valid_token_for_another_record_is_403(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        ocop = api(client)
        office = await ocop.office()
        entity = (await client.post("/registry/entities", headers=office, json={
            "name": "HTX Trà Núi Cấm", "legal_form": "cooperative", "registration_no": tax_code(901),
            "commune_code": "30538", "address": "Ấp Vồ Đầu", "phone": "0296 3871 234",
            "email": "tra@example.vn", "representative_name": "Chau Sóc Khum"})).json()["id"]
        other_commune = await ocop.commune_officer("30316")
        r = await client.get(f"/registry/entities/{entity}", headers=other_commune)
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
        own_commune = await ocop.commune_officer("30538")
        assert (await client.get(f"/registry/entities/{entity}", headers=own_commune)).status_code == 200
        operator = await ocop.showroom_operator("tinh-bien")
        r = await client.get("/trade/showrooms/nui-sam", headers=operator)
        assert r.status_code == 403


async def test_a_revoked_grant_stops_working_in_every_service(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        ocop = api(client)
        office = await ocop.office()
        login = "thanh-tra@soyte.angiang.gov.vn"
        inspector = await ocop.granted(login, "inspector", "health", "Thanh tra", ("certification",))
        assert (await client.get("/certification/inspections", headers=inspector)).status_code == 200
        grants = (await client.get("/registry/access-grants", headers=office,
                                   params={"login": login})).json()["items"]
        r = await client.delete(f"/registry/access-grants/{grants[0]['id']}", headers=office)
        assert r.status_code == 200 and r.json()["revoked_at"]

        async def refused() -> bool:
            return (await client.get("/certification/inspections", headers=inspector)).status_code == 403

        for _ in range(100):
            if await refused():
                break
            await __import__("asyncio").sleep(0.1)
        assert await refused(), "the revocation reached certification"


async def test_the_last_office_grant_cannot_be_revoked(tmp_path: Path) -> None:
    """Nobody could grant anything again (the office locked itself out)."""
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["registry"]) as (client, _):
        office = await api(client).office()
        grants = (await client.get("/registry/access-grants", headers=office,
                                   params={"role": "province_office"})).json()["items"]
        assert len(grants) == 1
        r = await client.delete(f"/registry/access-grants/{grants[0]['id']}", headers=office)
        assert r.status_code == 409 and "cuối cùng" in r.json()["detail"]
        second = await api(client).granted("pho-van-phong@ocop.angiang.gov.vn", "province_office", None,
                                           "Phó Văn phòng", ("registry",))
        r = await client.delete(f"/registry/access-grants/{grants[0]['id']}", headers=office)
        assert r.status_code == 409 and "tự thu hồi" in r.json()["detail"], "nobody removes their own office role"
        r = await client.delete(f"/registry/access-grants/{grants[0]['id']}", headers=second)
        assert r.status_code == 200, "another office member may"


@pytest.mark.parametrize("body", [
    {"login": "not an address", "role": "inspector", "scope": "health"},
    {"login": "x@example.vn", "role": "inspector", "scope": "the-moon"},
    {"login": "x@example.vn", "role": "commune_officer", "scope": "99999"},
    {"login": "x@example.vn", "role": "province_office", "scope": "30316"},
    {"login": "x@example.vn", "role": "commune_officer"},
    {"login": "x@example.vn", "role": "administrator"},
])
async def test_bad_grants_are_refused_with_the_field_named(tmp_path: Path, body: dict[str, Any]) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["registry"]) as (client, _):
        office = await api(client).office()
        r = await client.post("/registry/access-grants", headers=office, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] in ("login", "scope", "role")
        assert (await client.get("/registry/access-grants", headers=office)).json()["total"] == 1
