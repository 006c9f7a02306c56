"""The permission matrix (shared/ocop_shared/auth/permissions.csv), cell by cell, on the
running platform: every operation of every service's OpenAPI called as every role.

- `allow`: the caller gets past the guard (whatever the answer then: 404 for a made-up id, 422
  for an empty body — never 401 or 403);
- `own`: on the caller's own record it gets past too; on someone else's it is refused (403, or
  404 where a service does not even say the record exists);
- `deny`: 403 for someone signed in, 401 for nobody (or a till without a bearer token).

Roles come from records made here through the APIs, as the office and the people do: no token
carries one. A route that has no row fails the test (and the platform refuses to start)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpers import (
    COMMUNE_CHAU_DOC,
    PDF,
    api,
    as_role,
    expect,
    member_login,
    running_platform,
    tax_code,
    upload,
    wait_until,
)
from ocop_shared.auth import Role
from ocop_shared.auth.permissions import Permission, matrix
from ocop_shared.settings import Settings

ROUND, CERT_ROUND = "AG-2026-MT", "AG-2026-MT2"
OTHER_COMMUNE = "30538"
MISSING = "khong-co-123"
HIDDEN = {("GET", "/metrics"), ("GET", "/files/{sha256}"),  # served, not in the OpenAPI
          *(("GET", f"/{s}/openapi.json") for s in ("registry", "scoring", "certification", "trade", "reporting"))}
# Own for some seats only: the summary is the chair's and the secretary's, not a plain member's.
SEAT_ROLE = {("GET", "/scoring/evaluations/{evaluation_id}/council-view"): Role.COUNCIL_MEMBER}


@dataclass
class Persona:
    role: Role
    headers: dict[str, str]
    roles: frozenset[Role]  # what the platform's records make them
    own: dict[str, str] = field(default_factory=dict)  # path values of their own records
    other: dict[str, str] = field(default_factory=dict)  # of someone else's


@dataclass
class World:
    personas: dict[Role, Persona]
    defaults: dict[str, str]  # path values where any record will do


def entity_body(registration_no: str, commune: str) -> dict[str, Any]:
    return {"name": "HTX Ma trận phân quyền", "legal_form": "cooperative",
            "registration_no": registration_no, "commune_code": commune, "address": "An Giang",
            "phone": "0912345678", "email": "htx@example.vn", "representative_name": "Nguyễn Văn An"}


async def producer_with_records(client: httpx.AsyncClient, subject: str, seed: int,
                                commune: str) -> tuple[dict[str, str], dict[str, str]]:
    headers = await as_role(client, Role.ENTITY_USER, subject=subject)
    entity = expect(await client.post("/registry/entities", headers=headers,
                                      json=entity_body(tax_code(seed), commune)), 201)["id"]
    product = expect(await client.post("/registry/products", headers=headers, json={
        "entity_id": entity, "name": f"Sản phẩm {subject}", "product_set_no": 9}), 201)["id"]
    document = await upload(client, headers, product, "label", PDF + subject.encode(), "nhan.pdf")
    dossier = expect(await client.post(f"/registry/products/{product}/dossiers", headers=headers,
                                       json={"case": "first", "round_id": ROUND}), 201)["id"]
    member = expect(await client.post(f"/registry/entities/{entity}/members", headers=headers,
                                      json={"login": f"nguoi-giup-{subject}@example.vn"}), 201)["id"]
    return headers, {"entity_id": entity, "product_id": product, "document_id": document,
                     "dossier_id": dossier, "member_id": member}


# Over 60 lines: one record of every kind the matrix's routes need, made once.
async def build_world(client: httpx.AsyncClient) -> World:
    ocop = api(client)
    office = await ocop.office()
    await ocop.open_round(ROUND)
    await ocop.open_round(CERT_ROUND)
    producer, mine = await producer_with_records(client, "chu-the-a", 9100, COMMUNE_CHAU_DOC)
    _, theirs = await producer_with_records(client, "chu-the-b", 9300, OTHER_COMMUNE)

    # two products under evaluation by two councils of the same round
    evaluated = [await ocop.submit_new_product(
        registration_no=tax_code(seed), entity_name=f"Cơ sở {seed}", legal_form="household",
        commune=COMMUNE_CHAU_DOC, product_name=f"Sản phẩm {seed}", product_set_no=9, round_id=ROUND)
        for seed in (9500, 9700)]
    evaluations = [await ocop.open_evaluation(s.product_id) for s in evaluated]
    councils = []
    for name in ("mt1", "mt2"):
        body = {"round_id": ROUND, "level": "province", "name": f"Hội đồng {name}", "members": [
            {"member_id": f"{name}-chu-tich", "name": "Chủ tịch", "role": "chair",
             "login": member_login(f"{name}-chu-tich")},
            {"member_id": f"{name}-tv1", "name": "Thành viên 1", "role": "member",
             "login": member_login(f"{name}-tv1")},
            {"member_id": f"{name}-tv2", "name": "Thành viên 2", "role": "member",
             "login": member_login(f"{name}-tv2")}]}
        councils.append(expect(await client.post("/scoring/councils", headers=office, json=body), 201))
    for evaluation, council in zip(evaluations, councils, strict=True):
        expect(await client.put(f"/scoring/evaluations/{evaluation['id']}/council", headers=office,
                                json={"council_id": council["id"]}), 200)
    council_docs = expect(await client.get(f"/registry/products/{evaluated[0].product_id}/documents",
                                           headers=office), 200)
    member = await as_role(client, Role.COUNCIL_MEMBER, subject="mt1-tv1")
    chair = await as_role(client, Role.COUNCIL_CHAIR, subject="mt1-chu-tich")

    async def reads() -> bool:
        r = await client.get(f"/registry/products/{evaluated[0].product_id}", headers=member)
        return r.status_code == 200

    await wait_until(reads, what="the registry to learn the council's seats")
    seat = {"entity_id": evaluated[0].entity_id, "product_id": evaluated[0].product_id,
            "dossier_id": evaluated[0].dossier_id, "document_id": council_docs[0]["id"],
            "council_id": councils[0]["id"], "evaluation_id": evaluations[0]["id"]}
    unseated = {"entity_id": theirs["entity_id"], "product_id": theirs["product_id"],
                "dossier_id": theirs["dossier_id"], "document_id": theirs["document_id"],
                "council_id": councils[1]["id"], "evaluation_id": evaluations[1]["id"]}

    # a certificate (its own round and council), showrooms with webhooks, the granted people
    certified = await ocop.submit_new_product(
        registration_no=tax_code(9900), entity_name="Cơ sở chứng nhận", legal_form="household",
        commune=COMMUNE_CHAU_DOC, product_name="Sản phẩm có chứng nhận", product_set_no=9,
        round_id=CERT_ROUND)
    evaluation = await ocop.open_evaluation(certified.product_id)
    await ocop.score_by_council(evaluation["id"], "72.50", "QĐ 1/QĐ-UBND")
    await ocop.decide_when_awaiting(certified.product_id)

    async def certificate() -> str | None:
        items = (await client.get("/certification/certificates", headers=office,
                                  params={"product_id": certified.product_id})).json()["items"]
        return str(items[0]["number"]) if items else None

    number = await wait_until(certificate, what="the certificate")
    keys = {}
    for showroom in ("mt-s1", "mt-s2"):
        keys[showroom] = expect(await client.post("/trade/showrooms", headers=office, json={
            "id": showroom, "name": showroom, "location_type": "trade_centre", "address": "An Giang",
            "operator": "Thử nghiệm", "carries_all": True}), 201)["api_key"]
    hooks = {s: expect(await client.post(f"/trade/showrooms/{s}/webhooks", headers=office,
                                         json={"url": f"http://127.0.0.1:9/{s}"}), 201)["id"]
             for s in keys}
    operator = await as_role(client, Role.SHOWROOM_OPERATOR, showroom="mt-s1")
    inspector = await as_role(client, Role.INSPECTOR, department="health")
    commune = await as_role(client, Role.COMMUNE_OFFICER, commune=COMMUNE_CHAU_DOC)

    records = {"entity_id", "product_id", "document_id", "dossier_id", "member_id"}
    personas = {
        Role.PUBLIC: Persona(Role.PUBLIC, {}, frozenset()),
        Role.ENTITY_USER: Persona(Role.ENTITY_USER, producer, frozenset({Role.ENTITY_USER}), mine, theirs),
        Role.COMMUNE_OFFICER: Persona(Role.COMMUNE_OFFICER, commune, frozenset({Role.COMMUNE_OFFICER}),
                                      {k: v for k, v in mine.items() if k in records},
                                      {k: v for k, v in theirs.items() if k in records}),
        Role.PROVINCE_OFFICE: Persona(Role.PROVINCE_OFFICE, office, frozenset({Role.PROVINCE_OFFICE})),
        Role.COUNCIL_MEMBER: Persona(Role.COUNCIL_MEMBER, member,
                                     frozenset({Role.ENTITY_USER, Role.COUNCIL_MEMBER}),
                                     {**seat, "member_id": "mt1-tv1"}, {**unseated, "member_id": "mt1-tv2"}),
        Role.COUNCIL_CHAIR: Persona(Role.COUNCIL_CHAIR, chair,
                                    frozenset({Role.ENTITY_USER, Role.COUNCIL_MEMBER, Role.COUNCIL_CHAIR}),
                                    {**seat, "member_id": "mt1-chu-tich"}, {**unseated, "member_id": "mt1-tv2"}),
        Role.INSPECTOR: Persona(Role.INSPECTOR, inspector, frozenset({Role.INSPECTOR})),
        Role.SHOWROOM_OPERATOR: Persona(Role.SHOWROOM_OPERATOR, operator, frozenset({Role.SHOWROOM_OPERATOR}),
                                        {"showroom_id": "mt-s1", "webhook_id": hooks["mt-s1"]},
                                        {"showroom_id": "mt-s2", "webhook_id": hooks["mt-s2"]}),
        Role.POS_CLIENT: Persona(Role.POS_CLIENT, {"x-api-key": keys["mt-s1"]}, frozenset({Role.POS_CLIENT}),
                                 {"showroom_id": "mt-s1"}, {"showroom_id": "mt-s2"}),
    }
    defaults = {**mine, "number": number, "showroom_id": "mt-s1", "webhook_id": hooks["mt-s1"],
                "council_id": councils[0]["id"], "evaluation_id": evaluations[0]["id"],
                "catalog_id": "province", "set_no": "9", "year": "2026", "period": "annual",
                "round_id": ROUND, "fair_id": MISSING, "case_id": MISSING, "file_id": MISSING,
                "grant_id": MISSING, "subscription_id": MISSING, "delivery_id": MISSING,
                "sha256": "0" * 64}
    return World(personas, defaults)


def path_of(template: str, values: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), MISSING), template)


# Bodies that pass validation: a request refused on someone else's record must reach the check.
VALID: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/registry/entities/{entity_id}/members"): {"json": {"login": "ai-do@example.vn"}},
    ("POST", "/registry/products/{product_id}/dossiers"): {"json": {"case": "first", "round_id": ROUND}},
    ("POST", "/registry/products/{product_id}/documents"): {
        "data": {"kind": "label"}, "files": {"file": ("nhan.pdf", PDF + b"ma-tran")}},
    ("PUT", "/registry/dossiers/{dossier_id}/form-01"): {"json": {
        "applicant": "HTX", "representative": "Nguyễn Văn An", "representative_position": "Giám đốc",
        "address": "An Giang", "phone": "0912345678", "email": "htx@example.vn",
        "product_name": "Sản phẩm", "samples": 5, "commitment": True}},
    ("PUT", "/registry/dossiers/{dossier_id}/form-02"): {"json": {
        "specification": "x", "plan_results": "x", "next_plan": "x", "claims": [], "changes": ""}},
    ("PUT", "/registry/dossiers/{dossier_id}/form-03"): {"json": {
        "local_raw_materials": "Nguyên liệu tại địa phương", "local_labour": "Lao động địa phương",
        "idea_origin": "Sản phẩm truyền thống", "local_identity": "Đặc trưng An Giang",
        "officer": "Cán bộ xã", "signed_on": "2026-11-20"}},
    ("POST", "/registry/dossiers/{dossier_id}/withdrawal"): {"json": {"reason": "Rút để bổ sung hồ sơ"}},
    ("PUT", "/scoring/evaluations/{evaluation_id}/sheet"): {"json": {"choices": {}}},
    ("POST", "/scoring/evaluations/{evaluation_id}/sheet/submission"): {"json": {}},
    ("PUT", "/scoring/evaluations/{evaluation_id}/attendance"): {"json": {"present": []}},
    ("POST", "/scoring/evaluations/{evaluation_id}/rescoring"): {"json": {"member_ids": ["mt2-tv1"]}},
    ("POST", "/scoring/evaluations/{evaluation_id}/finalisation"): {"json": {"decision_ref": "BB 1"}},
    ("POST", "/scoring/councils/{council_id}/conflicts"): {"json": {
        "member_id": "mt2-tv1", "product_id": MISSING, "reason": "Người thân"}},
    ("POST", "/certification/inspections"): {"json": {
        "certificate_number": "91-2026-00001", "grounds": [3], "conclusion": "Vi phạm ghi nhãn",
        "concluded_by": "Sở Công Thương", "confirmed": False, "department": "industry_trade"}},
    ("PUT", "/trade/showrooms/{showroom_id}/assortment"): {"json": {"add": []}},
    ("POST", "/trade/showrooms/{showroom_id}/webhooks"): {"json": {"url": "http://127.0.0.1:9/x"}},
    ("POST", "/trade/pos/{showroom_id}/acks"): {"json": {"terminal_id": "t1", "version": 0}},
    ("GET", "/trade/pos/{showroom_id}/changes"): {"params": {"cursor": "x"}},
    ("GET", "/trade/pos/{showroom_id}/stream"): {"params": {"cursor": "x"}},
    ("POST", "/registry/products"): {"json": {"entity_id": "{entity_id}", "name": "Sản phẩm khác",
                                              "product_set_no": 9}},
}


def request_args(method: str, template: str, values: dict[str, str], valid: bool) -> dict[str, Any]:
    """An empty JSON body for a state-changing call (past the guard it is a 422: nothing
    changes), or a valid one where the record check must be reached."""
    known = VALID.get((method, template))
    if known is not None and (valid or method == "GET"):
        args = dict(known)
        if "json" in args:
            args["json"] = {k: (values.get(v[1:-1], v) if isinstance(v, str) and v.startswith("{") else v)
                            for k, v in args["json"].items()}
        return args
    return {"json": {}} if method in ("POST", "PUT", "PATCH") else {}


def best(row: Any, roles: frozenset[Role]) -> Permission:
    found = [row.cells[r] for r in roles]
    if Permission.ALLOW in found:
        return Permission.ALLOW
    return Permission.OWN if Permission.OWN in found else Permission.DENY


@pytest.fixture(scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings = Settings(data_dir=tmp_path_factory.mktemp("matrix"), demo_sign_in=True)
    async with running_platform(settings) as (client, _):
        yield client, await build_world(client)


async def test_every_operation_has_a_row_and_every_row_an_operation(platform: Any) -> None:
    client, _ = platform
    spec = (await client.get("/openapi.json")).json()
    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    rows = set(matrix().rows)
    assert not operations - rows, f"routes without a row: {sorted(operations - rows)}"
    assert not rows - operations - HIDDEN, f"rows of no route: {sorted(rows - operations - HIDDEN)}"


async def test_every_cell(platform: Any) -> None:
    client, world = platform
    spec = (await client.get("/openapi.json")).json()
    operations = sorted({(m.upper(), p) for p, ops in spec["paths"].items() for m in ops},
                        key=lambda op: (op[0] != "GET", op[0] == "DELETE", op[1]))
    failures: list[str] = []
    checked = 0

    async def call(method: str, template: str, persona: Persona, values: dict[str, str],
                   valid: bool) -> httpx.Response:
        path = path_of(template, {**world.defaults, **values})
        return await client.request(method, path, headers=persona.headers,
                                    **request_args(method, template, {**world.defaults, **values}, valid))

    async def admitted(method: str, template: str, persona: Persona, values: dict[str, str],
                       permission: Permission) -> None:
        r = await call(method, template, persona, values, valid=False)
        if r.status_code in (401, 403) or r.status_code >= 500:
            failures.append(f"{method} {template} as {persona.role}: {r.status_code} "
                            f"({permission}: admitted) {r.text[:150]}")

    for method, template in operations:
        row = matrix().row(method, template)
        assert row is not None
        for persona in world.personas.values():
            permission = Permission.ALLOW if row.public else best(row, persona.roles)
            checked += 1
            if permission is Permission.DENY:
                r = await call(method, template, persona, persona.own, valid=True)
                bearer = "authorization" in persona.headers
                wanted = {403} if bearer else {401}
                if r.status_code not in wanted:
                    failures.append(f"{method} {template} as {persona.role}: {r.status_code} "
                                    f"(deny: {wanted}) {r.text[:150]}")
                continue
            mutating = method != "GET"
            params = re.findall(r"{(\w+)}", template)
            if permission is Permission.ALLOW:  # any record will do; a made-up one when writing
                values = {k: MISSING for k in params} if mutating else persona.own
                await admitted(method, template, persona, values, permission)
                continue
            # own: on their own record (when their main role is the one that owns), and never
            # on somebody else's
            if row.cells[persona.role] is Permission.OWN and SEAT_ROLE.get((method, template)) != persona.role:
                await admitted(method, template, persona, persona.own, permission)
            body_record = (method, template) == ("POST", "/registry/products")
            if persona.other and (any(k in persona.other for k in params) or body_record):
                r = await call(method, template, persona, persona.other, valid=True)
                if r.status_code not in (403, 404):
                    failures.append(f"{method} {template} as {persona.role} on another's record: "
                                    f"{r.status_code} (own: 403/404) {r.text[:150]}")
    assert not failures, f"{len(failures)} of {checked} cells wrong:\n" + "\n".join(failures)
    assert checked >= 9 * 120


async def test_a_producer_lists_only_what_is_theirs(platform: Any) -> None:
    client, world = platform
    producer = world.personas[Role.ENTITY_USER]
    listed = expect(await client.get("/registry/products", headers=producer.headers), 200)
    assert [p["id"] for p in listed["items"]] == [producer.own["product_id"]]
    entities = expect(await client.get("/registry/entities", headers=producer.headers), 200)
    assert [e["id"] for e in entities["items"]] == [producer.own["entity_id"]]
    commune = world.personas[Role.COMMUNE_OFFICER]
    theirs = expect(await client.get("/registry/entities", headers=commune.headers), 200)
    assert producer.own["entity_id"] in {e["id"] for e in theirs["items"]}
    assert commune.other["entity_id"] not in {e["id"] for e in theirs["items"]}
    operator = world.personas[Role.SHOWROOM_OPERATOR]
    showrooms = expect(await client.get("/trade/showrooms", headers=operator.headers), 200)
    assert [s["id"] for s in showrooms["items"]] == ["mt-s1"]


def test_the_matrix_file_is_complete_and_consistent() -> None:
    rows = matrix().rows.values()
    for row in rows:
        assert row.cells[Role.PUBLIC] in (Permission.ALLOW, Permission.DENY), row
        if row.public:
            assert all(p is Permission.ALLOW for p in row.cells.values()), row
    assert Path(__file__).resolve().parents[1].joinpath(
        "shared/ocop_shared/auth/permissions.csv").exists()
