"""Registry capabilities on the embedded platform (SQLite, filesystem store, in-process bus)."""

from __future__ import annotations

# Over 400 lines on purpose: one journey through the embedded platform, sharing its setup.
import hashlib
import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import httpx
import jsonschema

from helpers import (
    COMMUNE_CHAU_DOC,
    PDF,
    PNG,
    ROOT,
    api,
    as_role,
    open_round,
    pdf_document,
    run_chain,
    running_platform,
    submit_product,
    tax_code,
    upload,
    wait_until,
)
from ocop_shared.auth import Role
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import topics
from ocop_shared.messaging.embedded import EmbeddedLog
from ocop_shared.settings import Settings

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 16


@cache
def office_zip_bomb() -> bytes:
    """Shaped like a Word file (its manifest first), 200 MiB of zeros inside."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", bytes(200 * 1024 * 1024))
    return out.getvalue()

ENTITY = {"name": "Cơ sở Khô cá lóc Sáu Tâm", "legal_form": "household",
          "registration_no": "91A8012345", "commune_code": COMMUNE_CHAU_DOC,
          "address": "Khóm Vĩnh Tây 1", "phone": "+84 912 345 678",
          "email": "sautam@example.vn", "representative_name": "Lê Văn Tâm"}


async def make_product(client: httpx.AsyncClient, settings: Settings,
                       **overrides: object) -> tuple[str, str]:
    office = await as_role(client, Role.PROVINCE_OFFICE)
    r = await client.post("/registry/entities", headers=office, json={**ENTITY, **overrides})
    assert r.status_code == 201, r.text
    entity = r.json()
    assert entity["province_code"] == "91", "the province is taken from the commune"
    assert entity["phone"] == "0912345678"
    r = await client.post("/registry/products", headers=office, json={
        "entity_id": entity["id"], "name": "Khô cá lóc", "product_set_no": 8})
    assert r.status_code == 201, r.text
    return entity["id"], r.json()["id"]


async def test_entity_validation_errors_name_the_field(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        cases = {
            "phone": {"phone": "0123 456 789"},
            "email": {"email": "not-an-email"},
            "registration_no": {"legal_form": "enterprise_llc", "registration_no": "1600000000"},
        }
        for field, change in cases.items():
            r = await client.post("/registry/entities", headers=office, json={**ENTITY, **change})
            assert r.status_code == 422, (field, r.text)
            assert [e["field"] for e in r.json()["errors"]] == [field]
        r = await client.post("/registry/entities", headers=office,
                              json={**ENTITY, "commune_code": "30280"})
        assert r.status_code == 422
        assert "30280" in r.json()["detail"], "a commune that no longer exists is named"
        missing = {k: v for k, v in ENTITY.items() if k not in ("address", "email")}
        r = await client.post("/registry/entities", headers=office, json=missing)
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"address", "email"}


async def test_duplicate_registration_and_unknown_product_set(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        entity_id, _ = await make_product(client, settings)
        r = await client.post("/registry/entities", headers=office, json=ENTITY)
        assert r.status_code == 409
        r = await client.post("/registry/products", headers=office, json={
            "entity_id": entity_id, "name": "Sản phẩm lạ", "product_set_no": 27})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "product_set_no"
        assert "27" in r.json()["detail"]


async def test_uploads_are_checked_from_their_content(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_upload_bytes=1024 * 1024)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        _, product = await make_product(client, settings)
        url = f"/registry/products/{product}/documents"
        r = await client.post(url, headers=office, data={"kind": "label"},
                              files={"file": ("nhan.pdf", b"MZ\x90\x00" + b"\x00" * 100)})
        assert r.status_code == 415
        assert "thực thi" in r.json()["detail"]
        r = await client.post(url, headers=office, data={"kind": "label"},
                              files={"file": ("anh.pdf", PNG)})
        assert r.status_code == 415, "a PNG named .pdf is refused"
        r = await client.post(url, headers=office, data={"kind": "label"},
                              files={"file": ("big.pdf", PDF + b"0" * (2 * 1024 * 1024))})
        assert r.status_code == 413
        for name, content, says in (("plan.docx", office_zip_bomb(), "zip bomb"),
                                    ("bao-cao.pdf", b"%PDF-1.4\n" + ELF, "cannot be read as a PDF"),
                                    ("bao-cao.pdf", PDF + ELF, "after the end of the PDF")):
            r = await client.post(url, headers={**office, "accept-language": "en"},
                                  data={"kind": "label"}, files={"file": (name, content)})
            assert (r.status_code, r.json()["errors"][0]["field"]) == (415, "file"), r.text
            assert says in r.json()["detail"], r.text
        r = await client.post(url, headers=office, data={"kind": "label"},
                              files={"file": ("../../etc/Nhãn <mới>.pdf", PDF)})
        assert r.status_code == 201
        assert r.json()["filename"] == "Nhãn _mới_.pdf"
        listed = (await client.get(url, headers=office)).json()
        assert [d["filename"] for d in listed] == ["Nhãn _mới_.pdf"], "refused files left nothing"


async def test_multipart_fields_are_validated_as_before(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        _, product = await make_product(client, settings)
        url = f"/registry/products/{product}/documents"
        cases = [({"kind": "nonsense"}, {"file": ("a.pdf", PDF)}, ["kind"]),
                 ({}, {"file": ("a.pdf", PDF)}, ["kind"]),
                 ({"kind": "label"}, {"file": ("", b"")}, ["file"]),  # no file chosen
                 ({"kind": "label", "valid_from": "hôm qua"}, {"file": ("a.pdf", PDF)},
                  ["valid_from"])]
        for data, files, fields in cases:
            r = await client.post(url, headers=office, data=data, files=files)
            assert r.status_code == 422, (data, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in r.json()["errors"]] == fields
        r = await client.post(url, headers=office, files={"file": ("a.pdf", PDF)},
                              data={"kind": "test_report", "valid_from": "",
                                    "valid_until": "2027-01-31"})
        assert r.status_code == 201, "an empty input counts as absent"
        assert (r.json()["valid_from"], r.json()["valid_until"]) == (None, "2027-01-31")


async def test_a_file_sent_as_the_request_body_is_checked_and_stored_by_sha256(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, max_upload_bytes=1024 * 1024)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        _, product = await make_product(client, settings)
        url = f"/registry/products/{product}/documents"
        content = pdf_document("Ban tu cong bo chat luong", b"Ban tu cong bo chat luong\n" * 4000)

        async def raw(body: bytes, filename: str = "cong-bo.pdf", **params: str) -> httpx.Response:
            return await client.post(url, headers={**office, "content-type": "application/pdf"},
                                     params={"kind": "quality_declaration", "filename": filename,
                                             **params}, content=body)

        sha256 = hashlib.sha256(content).hexdigest()
        r = await raw(content, sha256=sha256, valid_until="2027-06-30")
        assert r.status_code == 201, r.text
        document = r.json()
        assert (document["sha256"], document["size"], document["content_type"],
                document["filename"], document["kind"], document["valid_until"]) == (
            sha256, len(content), "application/pdf", "cong-bo.pdf", "quality_declaration",
            "2027-06-30")
        r = await raw(content + b"v2")  # no sha256: stored all the same
        assert r.status_code == 201, r.text
        assert r.json()["sha256"] == hashlib.sha256(content + b"v2").hexdigest()

        async def chunked() -> AsyncIterator[bytes]:
            yield content

        refused = [
            (await raw(content + b"v3", sha256=sha256), 422, "sha256"),
            (await raw(PNG, "anh.pdf"), 415, "file"),
            (await raw(b"MZ\x90\x00" + b"\x00" * 100, "tool.pdf"), 415, "file"),
            (await raw(office_zip_bomb(), "plan.docx"), 415, "file"),
            (await raw(b"%PDF-1.4\n" + ELF, "bao-cao.pdf"), 415, "file"),
            (await raw(b""), 422, "file"),
            (await raw(PDF + b"0" * (1024 * 1024)), 413, "file"),
            (await raw(content, valid_from="2027-01-01", valid_until="2026-01-01"), 422,
             "valid_until"),
            (await client.post(url, headers={**office, "content-type": "application/pdf"},
                               content=content), 422, "query.kind"),
            (await client.post(url, headers={**office, "content-type": "application/pdf"},
                               params={"kind": "label"}, content=chunked()), 411, None),
            (await client.post(url, headers=office, data={"kind": "label"}), 415, None),
        ]
        for r, status, field in refused:
            assert r.status_code == status, r.text
            assert r.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in r.json().get("errors", [])] == ([field] if field else [])
        listed = (await client.get(url, headers=office)).json()
        assert len(listed) == 2, "refused files left no row"
        objects = tmp_path / "objects"
        assert sorted(str(f.relative_to(objects)) for f in objects.rglob("*") if f.is_file()) == \
            sorted(f"sha256/{d['sha256'][:2]}/{d['sha256']}" for d in listed), \
            "and no object or temporary file"


async def test_expired_documents_are_flagged_and_block_filing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        _, product = await make_product(client, settings)
        await upload(client, office, product, "test_report", PDF + b"old", "kn-2024.pdf",
                     valid_until="2025-01-31")
        listed = (await client.get(f"/registry/products/{product}/documents",
                                   headers=office)).json()
        assert listed[0]["expired"] is True
        await open_round(client, settings, "AG-2026-R2")
        r = await client.post(f"/registry/products/{product}/dossiers", headers=office,
                              json={"case": "first", "round_id": "AG-2026-R2"})
        dossier = r.json()
        assert dossier["complete"] is False
        missing = " | ".join(m["en"] for m in dossier["missing"])
        assert "A valid laboratory test report (the one on file expired 2025-01-31)" in missing
        assert "Registration form (Form 01)" in missing
        assert "Food-safety facility certificate" in missing
        r = await client.post(f"/registry/dossiers/{dossier['id']}/filing", headers=office)
        assert r.status_code == 422
        assert r.json()["missing"] == dossier["missing"], "422 lists exactly what is missing"


async def test_complete_dossier_goes_to_the_commune_then_the_province(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        ids = await submit_product(client, settings, registration_no=tax_code(11))
        log = EmbeddedLog(tmp_path / "bus.sqlite3")
        await log.open()

        async def published() -> list[dict[str, object]] | None:
            events = [json.loads(m.value) for m in await log.read(topics.PRODUCT, 0)]
            return [e for e in events if e["type"] == "ProductSubmitted"] or None

        submitted = await wait_until(published, what="ProductSubmitted on the bus")
        await log.close()
        assert len(submitted) == 1
        schema = json.loads((ROOT / "contracts" / "events.schema.json").read_text())
        jsonschema.validate(submitted[0], schema["topics"][topics.PRODUCT]["ProductSubmitted.v2"])
        payload = submitted[0]["payload"]
        assert payload["submission_id"] == ids["dossier_id"]
        assert payload["entity"]["representative_priority_group"] is True, "a woman represents it"
        assert set(payload["entity"]) == {"entity_id", "name", "legal_form", "commune_code",
                                          "province_code", "district_code", "district_name",
                                          "representative_priority_group"}
        assert len(payload["documents"]) == 6
        assert all(len(d["sha256"]) == 64 for d in payload["documents"])
        assert len(payload["self_assessment"]) == 31, "every criterion of set 9 self-scored"

        office = await as_role(client, Role.PROVINCE_OFFICE)

        async def under_evaluation() -> bool:
            body = (await client.get(f"/registry/products/{ids['product_id']}",
                                     headers=office)).json()
            return body["status"] == "under_evaluation"

        await wait_until(under_evaluation, what="the scoring service to open the evaluation")


async def test_commune_officer_of_another_commune_cannot_file_form_03(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        ids = await submit_product(client, settings, registration_no=tax_code(21))
        other = await as_role(client, Role.COMMUNE_OFFICER, commune="30307")
        r = await client.put(f"/registry/dossiers/{ids['dossier_id']}/form-03", headers=other,
                             json={"local_raw_materials": "x" * 3, "local_labour": "x" * 3,
                                   "idea_origin": "x" * 3, "local_identity": "x" * 3,
                                   "officer": "x" * 3, "signed_on": "2026-11-20"})
        assert r.status_code == 403


async def test_filing_outside_the_round_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        _, product = await make_product(client, settings)
        r = await client.post("/registry/rounds", headers=office, json={
            "id": "AG-2026-R1", "name": "Đợt 1/2026", "opens_on": "2026-01-01",
            "closes_on": "2026-04-30"})
        assert r.status_code == 201
        dossier = (await client.post(f"/registry/products/{product}/dossiers", headers=office,
                                     json={"case": "first", "round_id": "AG-2026-R1"})).json()
        r = await client.post(f"/registry/dossiers/{dossier['id']}/filing", headers=office)
        assert r.status_code == 409
        assert "30/04/2026" in r.json()["detail"]


async def test_rerating_only_in_its_window_and_valid_evidence_is_reused(tmp_path: Path) -> None:
    clock = ManualClock(datetime.now(UTC))
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, clock=clock) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        ids = await run_chain(client, settings, registration_no=tax_code(31))

        async def certified() -> dict[str, object] | None:
            body = (await client.get(f"/registry/products/{ids['product_id']}",
                                     headers=office)).json()
            return body if body["certificate"] and body["certificate"]["active"] else None

        product = await wait_until(certified, what="the certificate to reach the registry")
        valid_until = date.fromisoformat(product["certificate"]["valid_until"])  # type: ignore[index]
        assert product["product_code"].startswith("91-30316-")  # type: ignore[index]
        await open_round(client, settings, "AG-2029-R1")
        r = await client.post(f"/registry/products/{ids['product_id']}/dossiers", headers=office,
                              json={"case": "rerating", "round_id": "AG-2029-R1"})
        assert r.status_code == 409, "200 days early is outside the 180-120 day window"
        assert "180" in r.json()["detail"]

        clock.set(datetime.combine(valid_until - timedelta(days=150), datetime.min.time(),
                                   tzinfo=UTC))
        r = await client.post("/registry/rounds", headers=office, json={
            "id": "AG-2029-R2", "name": "Đợt 2/2029", "opens_on": str(clock.now().date()),
            "closes_on": str(clock.now().date() + timedelta(days=30))})
        assert r.status_code == 201
        r = await client.post(f"/registry/products/{ids['product_id']}/dossiers", headers=office,
                              json={"case": "rerating", "round_id": "AG-2029-R2"})
        assert r.status_code == 201, r.text
        dossier = r.json()
        reused = {d["kind"] for d in dossier["reused_documents"]}
        # The test report expired on 2027-06-30 and is not carried over; the rest is.
        assert reused == {"business_registration", "food_safety_certificate",
                          "quality_declaration", "label", "product_photo"}
        assert dossier["form02"]["claims"], "the last self-assessment is the starting point"
        assert dossier["form01"]["commitment"] is False, "the commitment is signed anew"
        missing = " | ".join(m["en"] for m in dossier["missing"])
        assert "A valid laboratory test report" in missing
        assert "Changes and results since recognition (Form 02)" in missing


async def test_withdrawal_before_evaluation_closes_it_everywhere(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        ids = await submit_product(client, settings, registration_no=tax_code(51))
        r = await client.post(f"/registry/dossiers/{ids['dossier_id']}/withdrawal",
                              headers=office, json={"reason": "Bổ sung phiếu kiểm nghiệm mới"})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "withdrawn"

        async def closed() -> bool:
            items = (await client.get("/scoring/evaluations", headers=office,
                                      params={"product_id": ids["product_id"]})).json()
            return bool(items) and items[0]["status"] == "closed"

        await wait_until(closed, what="scoring to close the evaluation")
        again = await client.post(f"/registry/dossiers/{ids['dossier_id']}/withdrawal",
                                  headers=office, json={"reason": "lần nữa"})
        assert again.status_code == 409


async def test_a_products_dossiers_are_listed_open_one_first(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        ids = await submit_product(client, settings, registration_no=tax_code(61))
        r = await client.post(f"/registry/dossiers/{ids['dossier_id']}/withdrawal",
                              headers=office, json={"reason": "Bổ sung phiếu kiểm nghiệm mới"})
        assert r.status_code == 200, r.text
        r = await client.post(f"/registry/products/{ids['product_id']}/dossiers", headers=office,
                              json={"case": "first", "round_id": "AG-2026-R2"})
        assert r.status_code == 201, r.text
        listed = (await client.get(f"/registry/products/{ids['product_id']}/dossiers",
                                   headers=office)).json()
        assert [(d["id"], d["status"]) for d in listed] == [
            (r.json()["id"], "draft"), (ids["dossier_id"], "withdrawn")]
        other = await as_role(client, Role.ENTITY_USER, subject="nguoi-khac")
        denied = await client.get(f"/registry/products/{ids['product_id']}/dossiers",
                                  headers=other)
        assert denied.status_code == 403


async def test_council_members_read_only_the_dossiers_their_council_evaluates(tmp_path: Path) -> None:
    """A seat on the council evaluating a product lets its holder read the dossier and take its
    files (short-lived links), while the evaluation is open; nobody else's token does."""
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        ocop = api(client)
        office = await ocop.office()
        ids = await submit_product(client, settings, registration_no=tax_code(71))
        document = await upload(client, office, ids["product_id"], "label", PDF + b"nhan", "Nhãn.pdf")
        url = f"/registry/documents/{document}/download"
        evaluation = await ocop.open_evaluation(ids["product_id"])
        council = await ocop.ensure_council(evaluation["round_id"])
        member = await ocop.council_member_headers(council["members"][1])
        assert (await client.get(url, headers=member)).status_code in (200, 403)

        async def may_read() -> bool:
            return (await client.get(url, headers=member)).status_code == 200

        await wait_until(may_read, what="the registry to learn the council's seats")
        link = (await client.get(url, headers=member)).json()
        assert link["expires_in"] == 300
        got = await client.get(link["url"].removeprefix(settings.base_url()))
        assert got.status_code == 200
        assert got.content == PDF + b"nhan"
        assert "Nh%C3%A3n.pdf" in got.headers["content-disposition"]
        tampered = link["url"].removeprefix(settings.base_url()).replace("signature=", "signature=0")
        assert (await client.get(tampered)).status_code == 403
        dossier = await client.get(f"/registry/dossiers/{ids['dossier_id']}", headers=member)
        assert dossier.status_code == 200, dossier.text

        outsider = await as_role(client, Role.COUNCIL_MEMBER, subject="hoi-dong-khac")
        assert (await client.get(url, headers=outsider)).status_code == 403
        showroom = await as_role(client, Role.SHOWROOM_OPERATOR, showroom="diem-ban-1")
        assert (await client.get(url, headers=showroom)).status_code == 403

        await ocop.score_by_council(evaluation["id"], "72.50", "QĐ 123/QĐ-UBND")

        async def read_no_more() -> bool:
            return (await client.get(url, headers=member)).status_code == 403

        await wait_until(read_no_more, what="the seat to stop granting the dossier once scored")
