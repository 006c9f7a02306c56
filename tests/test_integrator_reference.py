"""What an integrator needs from the API itself, not from a PDF or a source file: the valid
commune codes, and a certificate's QR text with the keys that verify it."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from helpers import run_chain, running_platform, tax_code, wait_until
from ocop_shared.settings import Settings


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def test_the_communes_in_force_on_a_day_are_listed(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, _):
        after = (await client.get("/registry/communes", params={"on": "2026-01-01"})).json()
        before = (await client.get("/registry/communes", params={"on": "2025-06-30"})).json()
        assert len(after) == 102, "An Giang after the 2025 merger: 102 communes, wards and special zones"
        assert {c["province_code"] for c in after} == {"91"}
        assert all(c["district_code"] is None for c in after), "no districts since the reform"
        assert {c["province_code"] for c in before} == {"89", "91"}, "An Giang and Kiên Giang before it"
        assert all(c["district_code"] for c in before)
        found = (await client.get("/registry/communes", params={"on": "2026-01-01", "name": "chau doc"})).json()
        assert found and all("Châu Đốc" in c["name"] for c in found), found
        r = await client.get("/registry/communes", params={"on": 0})
        assert r.status_code == 422


async def test_a_certificates_qr_text_comes_from_the_api_and_verifies_with_the_published_keys(
        tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        ids = await run_chain(client, settings, registration_no=tax_code(903))

        async def number() -> str | None:
            entries = (await client.get("/trade/catalogs/province")).json()["entries"]
            return next((e["certificate_number"] for e in entries if e["product_id"] == ids["product_id"]), None)

        certificate = await wait_until(number, what="the certificate")
        r = await client.get(f"/certification/certificates/{certificate}/qr")
        assert r.status_code == 200
        text = r.json()["text"]
        token = text.split("t=", 1)[1] if "t=" in text else text
        version, payload, signature = token.split(".")
        assert version == "OCOP1"
        keys = {k["kid"]: k for k in (await client.get(r.json()["keys_url"])).json()["keys"]}
        claims = json.loads(b64(payload))
        assert claims["n"] == certificate and claims["s"] == 4 and claims["k"] in keys
        # as services/certification/README.md says: Ed25519 over "OCOP1.<payload>", key by `k`
        assert _verifies(keys[claims["k"]], f"{version}.{payload}".encode(), b64(signature))
        assert not _verifies(keys[claims["k"]], f"{version}.{payload}x".encode(), b64(signature))
        assert (await client.post("/certification/verify-qr", json={"text": text})).json()["number"] == certificate
        assert (await client.get("/certification/certificates/99-2026-00000/qr")).status_code == 404
        link = await client.get(f"/certification/certificates/{certificate}/pdf")
        assert link.status_code == 307
        pdf = await wait_until(lambda: _downloaded(client, link.headers["location"]), what="the PDF")
        assert pdf.headers["content-type"] == "application/pdf", "not application/octet-stream"
        assert pdf.content.startswith(b"%PDF")


async def _downloaded(client: httpx.AsyncClient, url: str) -> httpx.Response | None:
    r = await client.get(url)
    return r if r.status_code == 200 else None


def _verifies(jwk: dict[str, str], message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(b64(jwk["x"])).verify(signature, message)
        return True
    except Exception:
        return False
