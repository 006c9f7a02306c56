"""The audit trail: every state-changing operation of every service's OpenAPI leaves a record
(who, with which roles, when, what changed, correlation id, client address) written in the
transaction of the change, published on ocop.audit.v1, searchable by the office and exported as
CSV — and nobody, through the platform or in the database, can change or delete one."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy
from sqlalchemy import select, text

from helpers import PDF, api, as_role, expect, running_platform, subject_of, wait_until
from ocop_cli.api_client import band_of, choices_for_total, member_totals
from ocop_cli.people import OFFICE_LOGIN
from ocop_cli.scenario.sheets import sheet_file
from ocop_cli.scenario.story import Story, at, settle_all
from ocop_shared.auth import Role
from ocop_shared.clock import ManualClock
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.settings import Settings

# Operations that change nothing (a POST only because a QR text can be long).
READS = {("POST", "/certification/verify-qr")}
# Not changes, but on the record all the same: who took a dossier's file, who took a copy of
# an entity's personal data.
AUDITED_READS = {("GET", "/registry/documents/{document_id}/download"),
                 ("GET", "/registry/entities/{entity_id}/personal-data")}


async def actions(runtimes: list[ServiceRuntime]) -> dict[str, set[str]]:
    """The actions each service's own audit table holds."""
    found: dict[str, set[str]] = {}
    for runtime in runtimes:
        if runtime.spec.audit is None:
            continue
        async with runtime.uow() as uow:
            found[runtime.name] = set(await uow.session.scalars(
                select(runtime.spec.audit.c.action).distinct()))
    return found


# Over 60 lines: every state-changing operation of the OpenAPI, called once in an order that makes each possible.
async def tour(client: httpx.AsyncClient, settings: Settings, runtimes: list[ServiceRuntime]) -> None:
    """The 2026 story (producers, commune, councils, certificates, showrooms, a till, an
    inspection and its revocation, a fair, reports), then what the story does not do."""
    clock = next(rt.clock for rt in runtimes)
    assert isinstance(clock, ManualClock)
    ocop = api(client)
    story = Story(ocop, clock, lambda: settle_all(runtimes), settings.base_url(),
                  settings.data_dir / "reports", small=True,
                  till_transport=client._transport)  # the till reaches the in-process platform
    result = await story.run()
    assert result.pos_before and result.pos_removed, "the till synced, then heard of a revocation"
    office = await ocop.office()
    producer = await ocop.person("chu-the@htx-mam-chau-doc.vn")
    entity = story.entity_ids["N01"]
    mam = story.filed["Mắm cá linh Châu Đốc"].product_id

    # the producer's own: members, a withdrawn dossier
    member = expect(await client.post(f"/registry/entities/{entity}/members", headers=producer,
                                      json={"login": "ke-toan@htx-mam-chau-doc.vn"}), 201)
    expect(await client.delete(f"/registry/entities/{entity}/members/{member['id']}", headers=producer), 204)
    dossier = expect(await client.post(f"/registry/products/{mam}/dossiers", headers=producer,
                                       json={"case": "upgrade", "round_id": "AG-2026-R1"}), 201, 409)
    if dossier and "id" in dossier:
        expect(await client.post(f"/registry/dossiers/{dossier['id']}/withdrawal", headers=producer,
                                 json={"reason": "Chưa đủ điều kiện nâng hạng"}), 200, 409)
    document = expect(await client.get(f"/registry/products/{mam}/documents", headers=producer), 200)[0]
    expect(await client.get(f"/registry/documents/{document['id']}/download", headers=producer), 200)

    # the representative's rights: sensitive data with her consent, a copy of everything, the
    # consent withdrawn, an erasure request
    represented = expect(await client.post("/registry/entities", headers=producer, json={
        "name": "Cơ sở Đường thốt nốt Tri Tôn", "legal_form": "household", "registration_no": "91B8019002",
        "commune_code": "30316", "address": "Tri Tôn", "phone": "0912345678", "email": "thot-not@example.vn",
        "representative_name": "Néang Sa Phya", "representative_female": True, "representative_ethnicity": "Khmer",
        "sensitive_data_consent": {"given": True, "given_by": "Néang Sa Phya"}}), 201)["id"]
    held = expect(await client.get(f"/registry/entities/{represented}/personal-data", headers=producer), 200)
    expect(await client.post(f"/registry/entities/{represented}/consents/{held['consents'][0]['id']}/withdrawal",
                             headers=producer), 200)
    expect(await client.post(f"/registry/entities/{represented}/erasure-request", headers=producer), 200)

    # grants: one granted and revoked
    grant = expect(await client.post("/registry/access-grants", headers=office, json={
        "login": "tam-thoi@ocop.angiang.gov.vn", "role": "inspector", "scope": "industry_trade"}), 201)
    expect(await client.delete(f"/registry/access-grants/{grant['id']}", headers=office), 200)

    # a council the office configures and changes, with conflicts, attendance and a re-scoring
    await ocop.open_round("AG-2026-AUDIT")
    expect(await client.put("/scoring/rounds/AG-2026-AUDIT", headers=office,
                            json={"regulation": "26/2026/QĐ-TTg"}), 200)
    submitted = await ocop.submit_new_product(
        registration_no="91B8019001", entity_name="Cơ sở Nhật ký", legal_form="household",
        commune="30316", product_name="Khô cá tra phồng", product_set_no=8, round_id="AG-2026-AUDIT")
    evaluation = await ocop.open_evaluation(submitted.product_id)
    council = await ocop.ensure_council("AG-2026-AUDIT")
    expect(await client.patch(f"/scoring/councils/{council['id']}", headers=office,
                              json={"name": "Hội đồng nhật ký thao tác"}), 200)
    expect(await client.put(f"/scoring/councils/{council['id']}/members/du-khuyet", headers=office,
                            json={"name": "Thành viên dự khuyết", "login": "du-khuyet@hoidong.vn"}), 200)
    expect(await client.delete(f"/scoring/councils/{council['id']}/members/du-khuyet", headers=office), 200)
    expect(await client.put(f"/scoring/evaluations/{evaluation['id']}/council", headers=office,
                            json={"council_id": council["id"]}), 200)
    members = {m["role"]: m for m in council["members"]}
    chair = await ocop.council_member_headers(members["chair"])
    expect(await client.post(f"/scoring/councils/{council['id']}/conflicts", headers=office, json={
        "member_id": members["secretary"]["member_id"], "product_id": submitted.product_id,
        "reason": "Người thân của chủ cơ sở"}), 201)
    expect(await client.put(f"/scoring/evaluations/{evaluation['id']}/attendance", headers=chair,
                            json={"present": [m["member_id"] for m in council["members"]]}), 200)
    eid = evaluation["id"]
    voters = [m for m in council["members"] if m["role"] != "secretary"]
    totals = member_totals("72.50", len(voters))
    for voter, total in zip(voters, totals, strict=True):
        headers = await ocop.council_member_headers(voter)
        sheet = expect(await client.get(f"/scoring/evaluations/{eid}/sheet", headers=headers), 200)
        choices = choices_for_total(sheet, total, band_of(Decimal("72.50")))
        first = dict(list(choices.items())[:3])
        expect(await client.put(f"/scoring/evaluations/{eid}/sheet", headers=headers,
                                json={"choices": first}), 200)
        expect(await client.post(f"/scoring/evaluations/{eid}/sheet/submission", headers=headers,
                                 json={"choices": choices}), 200)
    again = members["member"]
    expect(await client.post(f"/scoring/evaluations/{eid}/rescoring", headers=chair,
                             json={"member_ids": [again["member_id"]]}), 200)
    expect(await client.post(f"/scoring/evaluations/{eid}/sheet/submission",
                             headers=await ocop.council_member_headers(again), json={}), 200)
    expect(await client.post(f"/scoring/evaluations/{eid}/finalisation", headers=chair,
                             json={"decision_ref": "QĐ 9/QĐ-UBND"}), 200)
    expect(await client.post(f"/scoring/councils/{council['id']}/closure", headers=office), 200, 409)
    spare = expect(await client.post("/scoring/councils", headers=office, json={
        "round_id": "AG-2026-AUDIT", "level": "province", "name": "Hội đồng giải thể",
        "members": [{"member_id": "x1", "name": "Chủ tịch", "role": "chair", "login": "x1@hoidong.vn"},
                    {"member_id": "x2", "name": "Thành viên", "role": "member", "login": "x2@hoidong.vn"}]}),
        201)
    expect(await client.delete(f"/scoring/councils/{spare['id']}", headers=office), 204)
    expect(await client.post("/scoring/sheet-files", headers=office, data={"regulation": "148/QĐ-TTg"},
                             files={"file": ("kich-ban.json", sheet_file("148/QĐ-TTg", [8]),
                                             "application/json")}), 200, 201)

    # webhooks first, so that the revocations below are delivered (to a closed port)
    hook = expect(await client.post("/certification/webhooks", headers=office,
                                    json={"url": "http://127.0.0.1:9/hook"}), 201)
    showroom = "diem-ban-long-xuyen"  # chooses its products
    operator = await ocop.showroom_operator(showroom)
    trade_hook = expect(await client.post(f"/trade/showrooms/{showroom}/webhooks", headers=operator,
                                          json={"url": "http://127.0.0.1:9/pos"}), 201)

    # certification: evidence, a finding dismissed, a direct revocation, keys
    inspector = await ocop.inspector("health")
    evidence = expect(await client.post("/certification/evidence", headers=inspector,
                                        files={"file": ("bien-ban.pdf", PDF + b"bien ban")}), 201)
    catalog = await ocop.catalog()
    numbers = [e["certificate_number"] for e in catalog["entries"]]
    finding = expect(await client.post("/certification/inspections", headers=inspector, json={
        "certificate_number": numbers[0], "grounds": [3], "confirmed": True, "evidence": [evidence["sha256"]],
        "conclusion": "Nhãn thiếu hạn sử dụng", "concluded_by": "Sở Y tế"}), 201)
    expect(await client.post(f"/certification/revocation-cases/{finding['case_id']}/dismissal",
                             headers=office, json={"reason": "Cơ sở đã khắc phục"}), 200)
    expect(await client.post(f"/certification/certificates/{numbers[1]}/revocation", headers=office,
                             json={"grounds": [3], "decision_no": "QĐ 77/QĐ-UBND", "reason": "Vi phạm"}), 204)
    expect(await client.post("/certification/keys/rotation", headers=office), 200)
    await settle_all(runtimes)
    deliveries = expect(await client.get(f"/certification/webhooks/{hook['id']}/deliveries",
                                         headers=office), 200)["items"]
    if deliveries:
        expect(await client.post(f"/certification/webhook-deliveries/{deliveries[0]['id']}/redelivery",
                                 headers=office), 202, 200)
    expect(await client.post(f"/certification/webhooks/{hook['id']}/secret-rotation", headers=office), 200)
    expect(await client.delete(f"/certification/webhooks/{hook['id']}", headers=office), 204)

    # trade: keys, compaction, an operator's webhook, a fair's results
    expect(await client.post(f"/trade/showrooms/{showroom}/api-key", headers=office), 200)
    expect(await client.post(f"/trade/catalogs/{showroom}/compaction", headers=office,
                             json={"keep_last": 1000}), 200)
    carried = expect(await client.get(f"/trade/catalogs/{showroom}"), 200)["entries"]
    expect(await client.put(f"/trade/showrooms/{showroom}/assortment", headers=operator,
                            json={"remove": [carried[0]["product_id"]]}), 200)
    await settle_all(runtimes)
    trade_deliveries = expect(await client.get(
        f"/trade/showrooms/{showroom}/webhooks/{trade_hook['id']}/deliveries", headers=operator), 200)["items"]
    if trade_deliveries:
        expect(await client.post(f"/trade/webhook-deliveries/{trade_deliveries[0]['id']}/redelivery",
                                 headers=operator), 202, 200)
    expect(await client.post(f"/trade/showrooms/{showroom}/webhooks/{trade_hook['id']}/secret-rotation",
                             headers=operator), 200)
    expect(await client.delete(f"/trade/showrooms/{showroom}/webhooks/{trade_hook['id']}", headers=operator), 204)
    exhibitors = expect(await client.get("/trade/fairs/hoi-cho-ocop-2026/exhibitors", headers=office), 200)
    expect(await client.put(f"/trade/fairs/hoi-cho-ocop-2026/exhibitors/{exhibitors[0]['product_id']}/result",
                            headers=office, json={"sales_vnd": 12_500_000, "contracts": 2}), 204)

    # the account store: sign-up, verification, resets, invitation, sign-in and sign-out
    accounts = next(rt for rt in runtimes if rt.name == "accounts").state["accounts"]
    password = "Mat-khau-nhat-ky-2026"
    expect(await client.post("/auth/sign-up", json={"login": "moi@htx.vn", "name": "Chủ thể mới",
                                                    "password": password}), 202)
    mail = expect(await client.get("/auth/demo/mailbox", params={"to": "moi@htx.vn"}), 200)
    code = next(w for w in mail[0]["body"].split() if w.rstrip(".").isdigit() and len(w.rstrip(".")) == 6)
    expect(await client.post("/auth/verification", json={"login": "moi@htx.vn", "code": code}), 204)
    expect(await client.post("/auth/password-reset", json={"login": "moi@htx.vn"}), 202)
    mail = expect(await client.get("/auth/demo/mailbox", params={"to": "moi@htx.vn"}), 200)
    code = next(w for w in mail[0]["body"].split() if w.rstrip(".").isdigit() and len(w.rstrip(".")) == 6)
    expect(await client.post("/auth/password-reset/confirmation", json={
        "login": "moi@htx.vn", "code": code, "password": password + "!"}), 204)
    await wait_until(lambda: _mail(client, "tam-thoi@ocop.angiang.gov.vn"), what="the invitation")
    mail = expect(await client.get("/auth/demo/mailbox", params={"to": "tam-thoi@ocop.angiang.gov.vn"}), 200)
    code = next(w for w in mail[-1]["body"].split() if w.rstrip(".").isdigit() and len(w.rstrip(".")) == 6)
    expect(await client.post("/auth/invitation/acceptance", json={
        "login": "tam-thoi@ocop.angiang.gov.vn", "code": code, "password": password}), 204)
    tokens = expect(await client.post("/auth/token", data={
        "grant_type": "password", "client_id": "ocop-cli", "username": "moi@htx.vn",
        "password": password + "!"}), 200)
    expect(await client.post("/auth/sign-out", json={"refresh_token": tokens["refresh_token"]}), 204)
    expect(await client.post("/auth/demo/sign-in", json={"login": OFFICE_LOGIN}), 200)
    assert accounts is not None
    await settle_all(runtimes)


async def _mail(client: httpx.AsyncClient, to: str) -> bool:
    r = await client.get("/auth/demo/mailbox", params={"to": to})
    return r.status_code == 200 and bool(r.json())


@pytest.fixture(scope="module")
async def toured(tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings = Settings(data_dir=tmp_path_factory.mktemp("audit"), demo_sign_in=True, log_json=False)
    async with running_platform(settings, clock=ManualClock(at("2026-06-01"))) as (client, runtimes):
        await tour(client, settings, runtimes)
        yield client, runtimes


async def test_every_state_changing_operation_is_on_the_record(toured: Any) -> None:
    client, runtimes = toured
    spec = (await client.get("/openapi.json")).json()
    changing = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if m != "get"}
    wanted = (changing - READS) | AUDITED_READS
    recorded = set().union(*(await actions(runtimes)).values())
    missing = sorted(f"{m} {p}" for m, p in wanted if f"{m} {p}" not in recorded)
    assert not missing, f"no audit record of: {missing}"


async def test_a_record_says_who_when_what_and_from_where(toured: Any) -> None:
    client, _ = toured
    office = await api(client).office()
    producer = await as_role(client, Role.ENTITY_USER, subject="nguoi-tra-cuu")
    r = await client.get("/reporting/audit", headers=producer)
    assert r.status_code == 403, "the office's search"
    downloads = expect(await client.get("/reporting/audit", headers=office,
                                        params={"person": "Nguyễn Văn An", "limit": 200}), 200)
    taken = [i for i in downloads["items"] if i["action"] == "GET /registry/documents/{document_id}/download"]
    assert taken, "the producer's download is on the record"
    record = taken[0]
    assert record["actor"] == await subject_of(client, await api(client).person("chu-the@htx-mam-chau-doc.vn"))
    assert record["actor_roles"] == "producer" and record["client_address"]
    assert record["refs"]["product_id"] and record["refs"]["document_id"] and record["correlation_id"]
    # by product: the whole history of one product across services
    product = record["refs"]["product_id"]
    history = expect(await client.get("/reporting/audit", headers=office,
                                      params={"product_id": product, "limit": 200}), 200)
    services = {i["service"] for i in history["items"]}
    assert {"registry", "scoring"} <= services, services
    # by certificate, by date range
    revoked = expect(await client.get("/reporting/audit", headers=office, params={
        "action": "certificates/{number}/revocation", "service": "certification"}), 200)
    assert revoked["items"] and all("revocation" in i["action"] for i in revoked["items"])
    revocation = next(i for i in revoked["items"]
                      if i["action"] == "POST /certification/certificates/{number}/revocation")
    number = revocation["refs"]["certificate_number"]
    by_number = expect(await client.get("/reporting/audit", headers=office,
                                        params={"certificate_number": number}), 200)
    assert revocation["record_id"] in {i["record_id"] for i in by_number["items"]}
    none = expect(await client.get("/reporting/audit", headers=office,
                                   params={"since": "2019-01-01", "until": "2019-12-31"}), 200)
    assert none["total"] == 0
    # CSV for the office's spreadsheet
    exported = await client.get("/reporting/audit", headers=office,
                                params={"certificate_number": number, "format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert {r["action"] for r in rows} >= {"POST /certification/certificates/{number}/revocation"}
    assert all(r["recorded_at"][2] == "/" for r in rows), "dd/mm/yyyy"


async def test_council_sheets_keep_every_saved_version(toured: Any) -> None:
    client, _ = toured
    office = await api(client).office()
    found = expect(await client.get("/scoring/evaluations", headers=office,
                                    params={"round_id": "AG-2026-AUDIT"}), 200)
    evaluation = found[0]["id"]
    sheets = expect(await client.get(f"/scoring/evaluations/{evaluation}/sheets", headers=office), 200)
    member = sheets["items"][0]["member_id"]
    versions = expect(await client.get(f"/scoring/evaluations/{evaluation}/sheets/{member}/versions",
                                       headers=office), 200)
    assert versions and versions[-1]["status"] in ("submitted", "draft")
    assert all(v["saved_by"] for v in versions) and versions[0]["changed"]


async def test_no_one_can_change_or_delete_an_audit_record(toured: Any) -> None:
    _, runtimes = toured
    for runtime in runtimes:
        if runtime.spec.audit is None:
            continue
        async with runtime.uow() as uow:
            # adding is what the platform does (and SQLite's triggers fire per row: have one)
            await uow.session.execute(runtime.spec.audit.insert().values(
                record_id=f"probe-{runtime.name}", recorded_at=datetime.now(UTC), actor="probe",
                action="POST /probe", aggregate_type="probe", aggregate_id="-", summary="probe",
                refs="{}", correlation_id="probe"))
            await uow.session.commit()
            count = await uow.session.scalar(text("SELECT count(*) FROM audit_log"))
            for statement in ("UPDATE audit_log SET summary = 'x'", "DELETE FROM audit_log"):
                with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
                    await uow.session.execute(text(statement))
                await uow.session.rollback()
            assert await uow.session.scalar(text("SELECT count(*) FROM audit_log")) == count
