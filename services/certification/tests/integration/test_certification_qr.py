"""The QR code: a signed token a phone can check offline against the published keys; forged,
altered, malformed or foreign tokens are told apart; keys rotate without breaking old QR codes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from cert_platform import platform
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certification.adapters.repository import CertificateRepository
from certification.adapters.signing import (
    KeyRing,
    b64url_decode,
    b64url_encode,
    canonical_json,
    sign_token,
    verify_token,
)


def reencoded(token: str, **change: object) -> str:
    version, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims.update(change)
    return f"{version}.{b64url_encode(canonical_json(claims))}.{signature}"


async def test_forged_altered_and_malformed_qr_codes_get_clear_errors(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        cert = await p.issue(stars=3, mean_score="55.00")
        number = cert["number"]
        qr = (await p.verify(number))
        async with p.runtime().uow() as uow:
            record = await CertificateRepository(uow.session).by_number(number)
        assert record is not None and record.qr_text
        token = record.qr_text.split("?t=")[1]
        assert qr["qr"] is None  # nothing to check without ?t=

        async def scan(text: str, lang: str = "vi") -> tuple[int, dict[str, object]]:
            r = await p.client.post("/certification/verify-qr", json={"text": text}, params={"lang": lang})
            return r.status_code, r.json()

        status, body = await scan(record.qr_text)
        assert status == 200 and body["status"] == "active" and body["qr"]["valid"] is True  # type: ignore[index]

        # altered: 3 stars printed, someone makes it 5 (the signature no longer matches)
        status, body = await scan(reencoded(token, s=5))
        assert status == 422 and str(body["type"]).endswith("/signature-mismatch")
        assert "đã bị sửa" in str(body["detail"])
        # forged: signed with a key of someone's own making that claims the authority's key id
        kid = json.loads(b64url_decode(token.split(".")[1]))["k"]
        impostor = KeyRing.from_private_keys({kid: Ed25519PrivateKey.generate()}, active=kid)
        forged = sign_token(impostor, number=number, product_code=cert["product_code"], stars=5,
                            valid_until=date(2029, 6, 14), issued_at=p.runtime().clock.now())
        status, body = await scan(forged, "en")
        assert status == 422 and str(body["type"]).endswith("/signature-mismatch")
        assert "altered or the signature forged" in str(body["detail"])
        # signed by a key the authority never published
        stranger = sign_token(KeyRing.generate(), number=number, product_code=cert["product_code"], stars=3,
                              valid_until=date(2029, 6, 14), issued_at=p.runtime().clock.now())
        status, body = await scan(stranger)
        assert status == 422 and str(body["type"]).endswith("/unknown-key")
        # not a token at all / a future format
        status, body = await scan("https://example.org/?x=1")
        assert status == 422 and str(body["type"]).endswith("/malformed-token")
        status, body = await scan("OCOP1.abc")
        assert status == 422 and str(body["type"]).endswith("/malformed-token")
        status, body = await scan("OCOP2." + token.split(".", 1)[1])
        assert status == 422 and str(body["type"]).endswith("/unsupported-version")

        # on the public page, ?t= is checked and the result reported next to the status
        page = await p.verify(number, t=reencoded(token, s=5))
        assert page["status"] == "active" and page["qr"]["valid"] is False
        assert page["qr"]["code"] == "signature-mismatch"
        other = await p.issue(stars=4)
        page = await p.verify(other["number"], t=token)
        assert page["qr"]["code"] == "number-mismatch" and number in page["qr"]["message_en"]

        # a genuine signature over a number that was never issued: not found
        ours = KeyRing.load(tmp_path / "keys" / "certification")
        unknown = sign_token(ours, number="91-2026-99999", product_code="91-30316-9-2026", stars=4,
                             valid_until=date(2029, 6, 14), issued_at=p.runtime().clock.now())
        status, body = await scan(unknown)
        assert status == 404 and str(body["type"]).endswith("/unknown-certificate")


async def test_keys_rotate_and_old_qr_codes_still_verify_offline(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        before = await p.issue(stars=4)
        jwks = (await p.client.get("/certification/keys")).json()
        assert len(jwks["keys"]) == 1 and jwks["keys"][0]["kty"] == "OKP" and jwks["keys"][0]["crv"] == "Ed25519"
        old_kid = jwks["keys"][0]["kid"]

        rotated = await p.client.post("/certification/keys/rotation", headers=p.office)
        assert rotated.status_code == 200
        new_kid = rotated.json()["active_kid"]
        assert new_kid != old_kid and sorted(rotated.json()["key_ids"]) == sorted([old_kid, new_kid])
        assert (tmp_path / "keys" / "certification" / f"{new_kid}.key.pem").exists()

        after = await p.issue(stars=4)
        published = (await p.client.get("/certification/keys")).json()
        assert {k["kid"] for k in published["keys"]} == {old_kid, new_kid}

        # offline: a phone with only the published JWKS checks both QR codes
        phone = KeyRing.from_jwks(published)
        for cert, kid in ((before, old_kid), (after, new_kid)):
            page = await p.client.get(f"/certification/certificates/{cert['number']}/pdf", follow_redirects=True)
            assert page.status_code == 200
            async with p.runtime().uow() as uow:
                record = await CertificateRepository(uow.session).by_number(cert["number"])
            assert record is not None and record.qr_text
            claims = verify_token(phone, record.qr_text)
            assert claims.key_id == kid and claims.number == cert["number"]
            online = await p.client.post("/certification/verify-qr", json={"text": record.qr_text})
            assert online.status_code == 200 and online.json()["qr"]["key_id"] == kid
