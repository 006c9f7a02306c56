"""A small client of the platform's HTTP APIs: the demo scenario and the tests drive it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from ocop_shared.clock import vietnam_today
from ocop_shared.provinces import Province
from ocop_shared.settings import default_province

from .people import OFFICE_LOGIN, OFFICE_NAME, People
from .sample_data import (
    COUNCIL_LEVEL_VI,
    DEFAULT_COUNCIL,
    FOOD_EVIDENCE,
    PDF,
    PNG,
    STAR_MINIMA,
    band_of,
    choices_for_total,
    member_totals,
    pdf_document,
)

# What the scenario, tests and benches import from here (made in sample_data)
__all__ = ["COUNCIL_LEVEL_VI", "DEFAULT_COUNCIL", "FOOD_EVIDENCE", "GRANTS_REACH", "PDF", "PNG",
           "STAR_MINIMA", "ApiError", "OcopClient", "Submitted", "band_of", "choices_for_total",
           "expect", "member_totals", "pdf_document", "poll"]

T = TypeVar("T")



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


GRANTS_REACH = ("scoring", "certification", "trade", "reporting")  # copies of the registry's grants


# Who signs each body's decisions in the demo, and its numbers' suffix (a deputy signs for the
# head, as most decisions are signed)
SIGNERS: dict[str, tuple[str, str, str]] = {
    "district-committee": ("Lê Văn Phước", "KT. Chủ tịch, Phó Chủ tịch", "QĐ-UBND"),
    "province-committee": ("Hồ Văn Mừng", "KT. Chủ tịch, Phó Chủ tịch", "QĐ-UBND"),
    "mard": ("Nguyễn Văn Minh", "KT. Bộ trưởng, Thứ trưởng", "QĐ-BNN-VPĐP"),
    "mae": ("Nguyễn Văn Minh", "KT. Bộ trưởng, Thứ trưởng", "QĐ-BNNMT"),
}


async def decide_round(http: httpx.AsyncClient, office: dict[str, str], round_id: str,
                       signed_on: date | None = None) -> list[dict[str, Any]]:
    """The office drafts the round's recognition decisions and records each one signed (number,
    day, signer, the signed PDF), with any draft left unsigned: the certificates follow. None
    when nothing awaits a decision."""
    unsigned = expect(await http.get("/certification/recognition-decisions", headers=office,
                                     params={"round_id": round_id, "status": "draft"}), 200)
    drafted = await http.post("/certification/recognition-decisions", headers=office, json={"round_id": round_id})
    if drafted.status_code != 409:
        unsigned += expect(drafted, 201)
    signed = []
    for decision in unsigned:  # drafts left unsigned earlier too
        upload = expect(await http.post("/certification/evidence", headers=office, files={
            "file": (f"quyet-dinh-{decision['id'][:8]}.pdf", pdf_document(f"QĐ {decision['id']}"),
                     "application/pdf")}), 201)
        name, title, suffix = SIGNERS.get(decision["issuer_id"], SIGNERS["province-committee"])
        number = f"{int(decision['id'][:6], 16) % 9000 + 1000}/{suffix}"
        signed.append(expect(await http.post(
            f"/certification/recognition-decisions/{decision['id']}/signature", headers=office, json={
                "number": number, "signer_name": name, "signer_title": title,
                "document_sha256": upload["sha256"], **({"signed_on": str(signed_on)} if signed_on else {})}), 200))
    return signed


async def decide_all(http: httpx.AsyncClient, office: dict[str, str],
                     signed_on: date | None = None) -> list[dict[str, Any]]:
    """Every round with results awaiting a decision, decided (`decide_round`)."""
    awaiting = expect(await http.get("/certification/awaiting-decision", headers=office), 200)
    signed = []
    for round_id in sorted({row["round_id"] for row in awaiting}):
        signed += await decide_round(http, office, round_id, signed_on)
    return signed


class OcopClient:
    """Acts as the office and the people it invites: who they are comes from `people` (the
    identity provider), what they may do from the grants and seats made here through the APIs."""

    def __init__(self, client: httpx.AsyncClient, people: People,
                 today: Callable[[], date] = vietnam_today, office_login: str = OFFICE_LOGIN,
                 province: Province | None = None) -> None:
        self.http = client
        self.province = province or default_province()  # the province the platform runs for
        self.people = people
        self.today = today  # the business day (a scenario moves it)
        self.office_login = office_login
        self._granted: set[tuple[str, str, str | None]] = set()
        self._councils: dict[tuple[str, str, Any], asyncio.Lock] = {}  # one establishment each

    async def office(self) -> dict[str, str]:
        """The provincial office's headers; the first time, the office's grant is recorded and
        awaited in every service."""
        if ("office", self.office_login, None) not in self._granted:
            await self.people.bootstrap_office(self.office_login, OFFICE_NAME)
            await self.until_known(self.office_login, "province_office", GRANTS_REACH)
            self._granted.add(("office", self.office_login, None))
        return await self.people.headers(self.office_login, OFFICE_NAME)

    async def person(self, login: str, name: str = "") -> dict[str, str]:
        """Anyone's headers (a producer, a council member): their account, no grant."""
        return await self.people.headers(login, name)

    async def granted(self, login: str, role: str, scope: str | None, name: str = "",
                      services: Sequence[str] = ()) -> dict[str, str]:
        """The office grants `login` a role (once), awaited in `services`; their headers."""
        if (login, role, scope) not in self._granted:
            expect(await self.http.post("/registry/access-grants", headers=await self.office(),
                                        json={"login": login, "role": role, "scope": scope,
                                              "name": name}), 201, 409)
            headers = await self.people.headers(login, name)
            if services:
                await self.until_known(login, role, services, headers)
            self._granted.add((login, role, scope))
        return await self.people.headers(login, name)

    async def commune_officer(self, commune: str) -> dict[str, str]:
        return await self.granted(f"xa-{commune}@ocop.angiang.gov.vn", "commune_officer", commune,
                                  f"Cán bộ xã {commune}")

    async def inspector(self, department: str = "health") -> dict[str, str]:
        return await self.granted(f"thanh-tra-{department}@ocop.angiang.gov.vn", "inspector",
                                  department, f"Thanh tra {department}", ("certification",))

    async def showroom_operator(self, showroom: str) -> dict[str, str]:
        return await self.granted(f"diem-ban-{showroom}@ocop.angiang.gov.vn", "showroom_operator",
                                  showroom, f"Điểm bán {showroom}", ("trade",))

    async def until_known(self, login: str, role: str, services: Sequence[str],
                          headers: dict[str, str] | None = None) -> None:
        """Wait until each of `services` has the registry's grant (they copy it from events);
        a service this deployment does not run (404) is skipped."""
        headers = headers or await self.people.headers(login)
        for service in services:
            async def known(service: str = service) -> bool:
                r = await self.http.get(f"/{service}/access/me", headers=headers)
                return r.status_code == 404 or (r.status_code == 200 and role in r.json()["roles"])

            await poll(known, what=f"{service} to know {login} as {role}")

    async def open_round(self, round_id: str, *, opens_on: date | None = None,
                         closes_on: date | None = None, name: str | None = None,
                         regulation: str = "26/2026/QĐ-TTg") -> None:
        today = self.today()
        expect(await self.http.post("/registry/rounds", headers=await self.office(), json={
            "id": round_id, "name": name or f"Đợt {round_id}", "regulation": regulation,
            "opens_on": str(opens_on or today - timedelta(days=30)),
            "closes_on": str(closes_on or today + timedelta(days=60))}), 201, 409)

    async def register_entity(self, *, headers: dict[str, str] | None = None, **fields: Any) -> str:
        """Registered by the office, or by the producer whose `headers` these are."""
        body = {"address": self.province.full_name, "phone": "0912345678", "email": "ocop@example.vn",
                "representative_name": "Nguyễn Văn An", **fields}
        return str(expect(await self.http.post("/registry/entities",
                                               headers=headers or await self.office(),
                                               json=body), 201)["id"])

    async def register_product(self, entity_id: str, name: str, product_set_no: int) -> str:
        return str(expect(await self.http.post("/registry/products", headers=await self.office(), json={
            "entity_id": entity_id, "name": name, "product_set_no": product_set_no}), 201)["id"])

    async def upload(self, product_id: str, kind: str, content: bytes, filename: str,
                     valid_until: str | None = None) -> str:
        data = {"kind": kind, **({"valid_until": valid_until} if valid_until else {})}
        return str(expect(await self.http.post(
            f"/registry/products/{product_id}/documents", headers=await self.office(), data=data,
            files={"file": (filename, content)}), 201)["id"])

    async def submit_dossier(self, product_id: str, *, round_id: str, product_name: str,
                             product_set_no: int, commune: str, applicant: str,
                             evidence: dict[str, str], option: Callable[[int], int] | None = None,
                             case: str = "first", changes: str = "", regulation: str | None = None) -> str:
        """Forms 01 and 02, filing with the commune, Form 03: the dossier reaches the province.
        Form 02 claims the criteria of the round's `regulation` (default: the one in force)."""
        dossier = expect(await self.http.post(f"/registry/products/{product_id}/dossiers",
                                              headers=await self.office(),
                                              json={"case": case, "round_id": round_id}), 201)
        dossier_id = str(dossier["id"])
        expect(await self.http.put(f"/registry/dossiers/{dossier_id}/form-01",
                                   headers=await self.office(), json={
            "applicant": applicant, "representative": "Nguyễn Văn An",
            "representative_position": "Chủ cơ sở", "address": self.province.full_name,
            "phone": "0912345678", "email": "ocop@example.vn", "product_name": product_name,
            "samples": 5, "commitment": True}), 200)
        criteria = await self.criteria(product_set_no, regulation)
        pick = option or (lambda count: count - 1)
        evidence_ids = list(evidence.values())
        claims = [{"criterion_code": c["code"], "option_index": pick(len(c["options"])),
                   "evidence": evidence_ids[:1]} for c in criteria]
        expect(await self.http.put(f"/registry/dossiers/{dossier_id}/form-02",
                                   headers=await self.office(), json={
            "specification": "Theo bản công bố", "plan_results": "Ổn định",
            "next_plan": "Mở rộng thị trường", "claims": claims, "changes": changes}), 200)
        expect(await self.http.post(f"/registry/dossiers/{dossier_id}/filing",
                                    headers=await self.office()), 200)
        officer = await self.commune_officer(commune)
        expect(await self.http.put(f"/registry/dossiers/{dossier_id}/form-03", headers=officer,
                                   json={"local_raw_materials": "Nguyên liệu tại địa phương",
                                         "local_labour": "Lao động địa phương",
                                         "idea_origin": "Sản phẩm truyền thống",
                                         "local_identity": f"Đặc trưng {self.province.in_text_vi}",
                                         "officer": "Cán bộ xã",
                                         "signed_on": str(self.today())}), 200)
        return dossier_id

    async def criteria(self, product_set_no: int, regulation: str | None = None) -> list[dict[str, Any]]:
        """The leaf criteria of a product set's sheet under `regulation`; those of the regulation
        in force when the registry has no sheet for it (148's sheets are the province's)."""
        url = f"/registry/product-sets/{product_set_no}/criteria"
        found = await self.http.get(url, params={"regulation": regulation} if regulation else None)
        if found.status_code == 404 and regulation:
            found = await self.http.get(url)
        return list(expect(found, 200))

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

    async def upload_food_evidence(self, product_id: str) -> dict[str, str]:
        """A food product's first dossier's evidence (FOOD_EVIDENCE), each file its own."""
        evidence = {}
        for kind, filename, until in FOOD_EVIDENCE:
            content = (PNG + f"{product_id}:{kind}".encode() if filename.endswith(".png")
                       else pdf_document(f"{product_id} {kind} {filename}"))
            evidence[kind] = await self.upload(product_id, kind, content, filename, until)
        return evidence

    async def submit_product_of(self, entity_id: str, *, entity_name: str, commune: str,
                                product_name: str, product_set_no: int,
                                round_id: str) -> Submitted:
        """A new product of a registered entity, with its evidence, up to the province."""
        product_id = await self.register_product(entity_id, product_name, product_set_no)
        evidence = await self.upload_food_evidence(product_id)
        dossier_id = await self.submit_dossier(
            product_id, round_id=round_id, product_name=product_name,
            product_set_no=product_set_no, commune=commune, applicant=entity_name,
            evidence=evidence)
        return Submitted(entity_id, product_id, dossier_id)

    async def open_evaluation(self, product_id: str) -> dict[str, Any]:
        async def opened() -> dict[str, Any] | None:
            r = await self.http.get("/scoring/evaluations", headers=await self.office(),
                                    params={"product_id": product_id})
            items = [e for e in (r.json() if r.status_code == 200 else [])
                     if e["status"] == "open"]
            return items[0] if items else None

        return await poll(opened, what="the evaluation to open")

    # -- scoring: a council scores an evaluation through the real council flow -----------

    async def council_member_headers(self, member: dict[str, Any]) -> dict[str, str]:
        """A member signs in with the login of their seat."""
        return await self.people.headers(member["login"], member["name"])

    async def ensure_council(self, round_id: str, level: str = "province",
                             unit: tuple[str, str] | None = None) -> dict[str, Any]:
        """The council sitting for a round and level (and unit: a district's (code, name));
        establishes the default one if none (once, however many ask at the same time)."""
        async with self._councils.setdefault((round_id, level, unit), asyncio.Lock()):
            return await self._ensure_council(round_id, level, unit)

    async def _ensure_council(self, round_id: str, level: str,
                              unit: tuple[str, str] | None) -> dict[str, Any]:
        listed = expect(await self.http.get("/scoring/councils", headers=await self.office(),
                                            params={"round_id": round_id, "level": level,
                                                    "limit": 100}), 200)
        name = f"Hội đồng đánh giá, phân hạng sản phẩm OCOP {COUNCIL_LEVEL_VI.get(level, level)}"
        if unit is not None:
            name = f"{name} {unit[1]}"
        found = [c for c in listed["items"] if unit is None or c["name"] == name]
        if found:
            return dict(found[0])
        prefix = level if unit is None else f"{level}-{unit[0]}"
        body = {"round_id": round_id, "level": level, "name": name,
                "establishment_ref": "QĐ 2150/QĐ-UBND", "members": [
                    {"member_id": f"{prefix}-{member_id}", "name": member_name, "role": role,
                     "department": department.format(province=self.province.in_text_vi),
                     "login": f"{prefix}-{member_id}@hoidong.ocop.angiang.gov.vn"}
                    for member_id, member_name, role, department in DEFAULT_COUNCIL]}
        return dict(expect(await self.http.post("/scoring/councils", headers=await self.office(),
                                                json=body), 201))

    async def score_by_council(self, evaluation_id: str, mean_score: str | Decimal, decision: str,
                               *, totals: Sequence[int] | None = None,
                               override_reason: str | None = None,
                               unit: tuple[str, str] | None = None) -> int:
        """Score an open evaluation the way a council does, and return its stars.

        Establishes (or reuses) the council of the evaluation's round and level and assigns
        it; each voting member (chair included) hands in a sheet whose options add up to
        their total (`totals`, default: realistic totals whose mean is `mean_score`, e.g.
        72.50 -> 74, 73, 72, 71), meeting the star-minimum marks of the mean's band so that
        no cap lowers the result; then the chair finalises. Resumable: sheets already in are
        kept, and a finalised evaluation just returns its stars."""
        evaluation = expect(await self.http.get(f"/scoring/evaluations/{evaluation_id}",
                                                headers=await self.office()), 200)
        if evaluation["status"] != "open":
            return int(evaluation["stars"] or 0)
        council = await self.ensure_council(evaluation["round_id"], evaluation["level"], unit)
        if evaluation["council_id"] != council["id"]:
            expect(await self.http.put(f"/scoring/evaluations/{evaluation_id}/council",
                                       headers=await self.office(), json={"council_id": council["id"]}),
                   200)
        voters = [m for m in council["members"] if m["role"] != "secretary"]
        wanted = list(totals) if totals is not None else member_totals(mean_score, len(voters))
        if len(wanted) != len(voters):
            raise ValueError(f"{len(wanted)} totals for {len(voters)} voting members")
        band = band_of(Decimal(sum(wanted)) / len(wanted))
        for member, total in zip(voters, wanted, strict=True):
            headers = await self.council_member_headers(member)
            sheet = expect(await self.http.get(f"/scoring/evaluations/{evaluation_id}/sheet",
                                               headers=headers), 200)
            if sheet["my_sheet"]["status"] == "submitted":
                continue
            expect(await self.http.post(
                f"/scoring/evaluations/{evaluation_id}/sheet/submission", headers=headers,
                json={"product_set_no": sheet["product_set_no"],
                      "choices": choices_for_total(sheet, total, band)}), 200)
        chair = next(m for m in council["members"] if m["role"] == "chair")
        body: dict[str, Any] = {"decision_ref": decision}
        if override_reason:
            body["override_reason"] = override_reason
        done = expect(await self.http.post(
            f"/scoring/evaluations/{evaluation_id}/finalisation",
            headers=await self.council_member_headers(chair), json=body), 200)
        return int(done["stars"] or 0)

    async def decide(self, round_id: str) -> list[dict[str, Any]]:
        """The round's recognition decisions, drafted and signed today (the platform's day)."""
        return await decide_round(self.http, await self.office(), round_id)

    async def decide_when_awaiting(self, product_id: str, seconds: float = 60.0) -> list[dict[str, Any]]:
        """Once the product's result awaits a recognition decision, decide every round (nothing
        when a decision already certified it)."""
        office = await self.office()

        async def awaiting() -> bool | None:
            rows = expect(await self.http.get("/certification/awaiting-decision", headers=office), 200)
            if any(row["product_id"] == product_id for row in rows):
                return True
            held = expect(await self.http.get("/certification/certificates", headers=office,
                                              params={"product_id": product_id}), 200)
            return bool(held["items"]) or None

        await poll(awaiting, seconds=seconds)
        return await decide_all(self.http, office)

    async def communes(self, on: date) -> list[dict[str, Any]]:
        """The communes in force on `on` (the registry's reference data, public)."""
        return list(expect(await self.http.get("/registry/communes", params={"on": str(on)}), 200))

    async def certificates(self, **filters: str) -> list[dict[str, Any]]:
        """The office's list of certificates (`product_id`, `status`, `entity_id`): one page."""
        body = expect(await self.http.get("/certification/certificates", headers=await self.office(),
                                          params={**filters, "limit": 100}), 200)
        return list(body["items"])

    async def catalog(self, catalog_id: str = "province") -> dict[str, Any]:
        body: dict[str, Any] = expect(await self.http.get(f"/trade/catalogs/{catalog_id}"), 200)
        return body
