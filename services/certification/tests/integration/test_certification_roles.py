"""The public verification endpoints need no login (who may call the others is the permission
matrix's, tested route by route in tests/test_permission_matrix.py)."""

from __future__ import annotations

from pathlib import Path

from cert_platform import platform


async def test_verification_needs_no_login(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        number = (await p.issue())["number"]
        assert (await p.client.get(f"/certification/verify/{number}")).status_code == 200
        assert (await p.client.get(f"/certification/certificates/{number}/pdf")).status_code == 307
        assert (await p.client.get("/certification/keys")).status_code == 200
        assert (await p.client.post("/certification/verify-qr", json={"text": "x"})).status_code == 422
        unknown = await p.client.get("/certification/verify/91-1999-00000", params={"lang": "en"})
        assert unknown.status_code == 404 and unknown.json()["detail"] == "No certificate number 91-1999-00000"
