"""A small client of the platform's HTTP APIs: the demo scenario and the tests drive it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

import httpx

from ocop_shared.auth import Principal, Role, issue_token

T = TypeVar("T")

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# Evidence of a food product's first dossier: (kind, file name, valid until)
FOOD_EVIDENCE = (
    ("business_registration", "giay-dkkd.pdf", None),
    ("food_safety_certificate", "giay-cn-attp.pdf", "2031-12-31"),
    ("quality_declaration", "ban-cong-bo.pdf", None),
    ("test_report", "phieu-kiem-nghiem.pdf", "2027-06-30"),
    ("label", "nhan-san-pham.pdf", None),
    ("product_photo", "anh-san-pham.png", None),
)


class ApiError(AssertionError):
    """An API call answered with an unexpected status."""


def expect(response: httpx.Response, *statuses: int) -> Any:
    if response.status_code not in statuses:
        raise ApiError(f"{response.request.method} {response.request.url.path} -> "
                       f"{response.status_code}: {response.text[:800]}")
    return response.json() if response.content else None


async def poll(probe: Callable[[], Awaitable[T | None]], *, seconds: float = 30.0,
               what: str = "the platform") -> T:
    for _ in range(int(seconds / 0.1)):
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise ApiError(f"timed out after {seconds}s waiting for {what}")


@dataclass
class Submitted:
    entity_id: str
    product_id: str
    dossier_id: str


class OcopClient:
    def __init__(self, client: httpx.AsyncClient, jwt_secret: str) -> None:
        self.http = client
        self._secret = jwt_secret

    def headers(self, *roles: Role, subject: str = "ocop-client", commune: str | None = None,
                entity_ids: tuple[str, ...] = ()) -> dict[str, str]:
        principal = Principal(subject=subject, roles=frozenset(roles), commune_code=commune,
                              entity_ids=frozenset(entity_ids))
        return {"authorization": f"Bearer {issue_token(self._secret, principal)}"}

    @property
    def office(self) -> dict[str, str]:
        return self.headers(Role.PROVINCE_OFFICE, subject="van-phong-ocop")

    async def open_round(self, round_id: str, *, opens_on: date | None = None,
                         closes_on: date | None = None, name: str | None = None) -> None:
        today = date.today()
        expect(await self.http.post("/registry/rounds", headers=self.office, json={
            "id": round_id, "name": name or f"Đợt {round_id}",
            "opens_on": str(opens_on or today - timedelta(days=30)),
            "closes_on": str(closes_on or today + timedelta(days=60))}), 201, 409)

    async def register_entity(self, **fields: Any) -> str:
        body = {"address": "An Giang", "phone": "0912345678", "email": "ocop@example.vn",
                "representative_name": "Nguyễn Văn An", **fields}
        return str(expect(await self.http.post("/registry/entities", headers=self.office,
                                               json=body), 201)["id"])

    async def register_product(self, entity_id: str, name: str, product_set_no: int) -> str:
        return str(expect(await self.http.post("/registry/products", headers=self.office, json={
            "entity_id": entity_id, "name": name, "product_set_no": product_set_no}), 201)["id"])

    async def upload(self, product_id: str, kind: str, content: bytes, filename: str,
                     valid_until: str | None = None) -> str:
        data = {"kind": kind, **({"valid_until": valid_until} if valid_until else {})}
        return str(expect(await self.http.post(
            f"/registry/products/{product_id}/documents", headers=self.office, data=data,
            files={"file": (filename, content)}), 201)["id"])

    async def submit_dossier(self, product_id: str, *, round_id: str, product_name: str,
                             product_set_no: int, commune: str, applicant: str,
                             evidence: dict[str, str], option: Callable[[int], int] | None = None,
                             case: str = "first") -> str:
        """Forms 01 and 02, filing with the commune, Form 03: the dossier reaches the province."""
        dossier = expect(await self.http.post(f"/registry/products/{product_id}/dossiers",
                                              headers=self.office,
                                              json={"case": case, "round_id": round_id}), 201)
        dossier_id = str(dossier["id"])
        expect(await self.http.put(f"/registry/dossiers/{dossier_id}/form-01",
                                   headers=self.office, json={
            "applicant": applicant, "representative": "Nguyễn Văn An",
            "representative_position": "Chủ cơ sở", "address": "An Giang",
            "phone": "0912345678", "email": "ocop@example.vn", "product_name": product_name,
            "samples": 5, "commitment": True}), 200)
        criteria = expect(await self.http.get(
            f"/registry/product-sets/{product_set_no}/criteria"), 200)
        pick = option or (lambda count: count - 1)
        evidence_ids = list(evidence.values())
        claims = [{"criterion_code": c["code"], "option_index": pick(len(c["options"])),
                   "evidence": evidence_ids[:1]} for c in criteria]
        expect(await self.http.put(f"/registry/dossiers/{dossier_id}/form-02",
                                   headers=self.office, json={
            "specification": "Theo bản công bố", "plan_results": "Ổn định",
            "next_plan": "Mở rộng thị trường", "claims": claims}), 200)
        expect(await self.http.post(f"/registry/dossiers/{dossier_id}/filing",
                                    headers=self.office), 200)
        officer = self.headers(Role.COMMUNE_OFFICER, subject="can-bo-xa", commune=commune)
        expect(await self.http.put(f"/registry/dossiers/{dossier_id}/form-03", headers=officer,
                                   json={"local_raw_materials": "Nguyên liệu tại địa phương",
                                         "local_labour": "Lao động địa phương",
                                         "idea_origin": "Sản phẩm truyền thống",
                                         "local_identity": "Đặc trưng An Giang",
                                         "officer": "Cán bộ xã",
                                         "signed_on": str(date.today())}), 200)
        return dossier_id

    async def submit_new_product(self, *, registration_no: str, entity_name: str,
                                 legal_form: str, commune: str, product_name: str,
                                 product_set_no: int, round_id: str,
                                 representative_female: bool = False) -> Submitted:
        entity_id = await self.register_entity(
            name=entity_name, legal_form=legal_form, registration_no=registration_no,
            commune_code=commune, representative_female=representative_female)
        return await self.submit_product_of(entity_id, entity_name=entity_name, commune=commune,
                                            product_name=product_name,
                                            product_set_no=product_set_no, round_id=round_id)

    async def submit_product_of(self, entity_id: str, *, entity_name: str, commune: str,
                                product_name: str, product_set_no: int,
                                round_id: str) -> Submitted:
        """A new product of a registered entity, with its evidence, up to the province."""
        product_id = await self.register_product(entity_id, product_name, product_set_no)
        evidence = {}
        for kind, filename, until in FOOD_EVIDENCE:
            content = (PNG if filename.endswith(".png") else PDF) + f"{product_id}:{kind}".encode()
            evidence[kind] = await self.upload(product_id, kind, content, filename, until)
        dossier_id = await self.submit_dossier(
            product_id, round_id=round_id, product_name=product_name,
            product_set_no=product_set_no, commune=commune, applicant=entity_name,
            evidence=evidence)
        return Submitted(entity_id, product_id, dossier_id)

    async def open_evaluation(self, product_id: str) -> dict[str, Any]:
        async def opened() -> dict[str, Any] | None:
            r = await self.http.get("/scoring/evaluations", headers=self.office,
                                    params={"product_id": product_id})
            items = [e for e in (r.json() if r.status_code == 200 else [])
                     if e["status"] == "open"]
            return items[0] if items else None

        return await poll(opened, what="the evaluation to open")

    async def record_result(self, evaluation_id: str, mean_score: str, decision: str) -> int:
        body = expect(await self.http.post(
            f"/scoring/evaluations/{evaluation_id}/result", headers=self.office,
            json={"mean_score": mean_score, "part_scores": {}, "decision_ref": decision}), 200)
        return int(body["stars"])

    async def catalog(self, catalog_id: str = "province") -> dict[str, Any]:
        body: dict[str, Any] = expect(await self.http.get(f"/trade/catalogs/{catalog_id}"), 200)
        return body
