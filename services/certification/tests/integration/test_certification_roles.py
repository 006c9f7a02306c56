"""Every certification endpoint declares who may call it: others get 403, anonymous callers 401,
and the public verification endpoints need no login."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cert_platform import platform

from helpers import token
from ocop_shared.auth import Role

OFFICE = {Role.PROVINCE_OFFICE}
INSPECTION = {Role.INSPECTOR, Role.PROVINCE_OFFICE}
FINDING = {"certificate_number": "91-2026-00001", "grounds": [3], "confirmed": True,
           "conclusion": "Vi phạm ghi nhãn", "concluded_by": "Sở Công Thương"}

PROTECTED: list[tuple[str, str, set[Role], dict[str, Any]]] = [
    ("GET", "/certification/certificates", INSPECTION, {}),
    ("POST", "/certification/certificates/91-2026-00001/revocation", OFFICE,
     {"json": {"grounds": [3], "decision_no": "1/QĐ", "reason": "x"}}),
    ("GET", "/certification/revocation-cases", OFFICE, {}),
    ("GET", "/certification/revocation-cases/c1", OFFICE, {}),
    ("POST", "/certification/revocation-cases/c1/decision", OFFICE, {"json": {"decision_no": "1/QĐ"}}),
    ("POST", "/certification/revocation-cases/c1/dismissal", OFFICE, {"json": {"reason": "khắc phục"}}),
    ("POST", "/certification/keys/rotation", OFFICE, {}),
    ("POST", "/certification/scheduler/run", OFFICE, {}),
    ("POST", "/certification/evidence", INSPECTION, {"files": {"file": ("a.pdf", b"%PDF-1.4\n")}}),
    ("POST", "/certification/inspections", INSPECTION, {"json": FINDING}),
    ("GET", "/certification/inspections", INSPECTION, {}),
    ("POST", "/certification/webhooks", OFFICE, {"json": {"url": "http://127.0.0.1:9/hook"}}),
    ("GET", "/certification/webhooks", OFFICE, {}),
    ("DELETE", "/certification/webhooks/w1", OFFICE, {}),
    ("GET", "/certification/webhooks/w1/deliveries", OFFICE, {}),
    ("GET", "/certification/webhook-deliveries/d1", OFFICE, {}),
    ("POST", "/certification/webhook-deliveries/d1/redelivery", OFFICE, {}),
]


async def test_every_protected_endpoint_refuses_other_roles_and_anonymous_callers(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        routes = {(m, r.path) for r in p.runtime().parts.router.routes  # type: ignore[attr-defined]
                  for m in r.methods}  # type: ignore[attr-defined]
        public = {("GET", "/certification/verify/{number}"), ("POST", "/certification/verify-qr"),
                  ("GET", "/certification/certificates/{number}/pdf"), ("GET", "/certification/keys")}
        declared = {(m, path) for m, path, _, _ in PROTECTED}
        templated = {(m, path.replace("91-2026-00001", "{number}").replace("/c1", "/{case_id}")
                      .replace("/w1", "/{subscription_id}").replace("/d1", "/{delivery_id}"))
                     for m, path in declared}
        assert routes - public == templated, "every endpoint is listed here"

        for method, path, allowed, kwargs in PROTECTED:
            anonymous = await p.client.request(method, path, **kwargs)
            assert anonymous.status_code == 401, (method, path, anonymous.text)
            others = set(Role) - allowed
            wrong = await p.client.request(method, path, headers=token(p.settings, *others), **kwargs)
            assert wrong.status_code == 403, (method, path, wrong.text)
            assert wrong.headers["content-type"] == "application/problem+json"
            for role in allowed:
                right = await p.client.request(method, path, headers=token(p.settings, role), **kwargs)
                assert right.status_code not in (401, 403), (method, path, role, right.text)


async def test_verification_needs_no_login(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        number = (await p.issue())["number"]
        assert (await p.client.get(f"/certification/verify/{number}")).status_code == 200
        assert (await p.client.get(f"/certification/certificates/{number}/pdf")).status_code == 307
        assert (await p.client.get("/certification/keys")).status_code == 200
        assert (await p.client.post("/certification/verify-qr", json={"text": "x"})).status_code == 422
        unknown = await p.client.get("/certification/verify/91-1999-00000", params={"lang": "en"})
        assert unknown.status_code == 404 and unknown.json()["detail"] == "No certificate number 91-1999-00000"
