"""The representative's sensitive data on the embedded platform (SQLite): consent required and
recorded, withdrawal erases, the owner's copy of everything, erasure, and the migration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from helpers import (
    COMMUNE_CHAU_DOC,
    PDF,
    as_role,
    expect,
    open_round,
    running_platform,
    subject_of,
    upload,
    wait_until,
)
from ocop_shared.auth import Role
from ocop_shared.contracts import topics
from ocop_shared.db.engine import create_engine
from ocop_shared.db.migrations import alembic_config
from ocop_shared.messaging.embedded import EmbeddedLog
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.settings import Settings
from registry.service import SPEC

ENTITY = {"name": "Cơ sở Mắm Chau Sóc Khum", "legal_form": "household", "commune_code": COMMUNE_CHAU_DOC,
          "address": "Ấp Phước Lộc, Tri Tôn", "phone": "0912345678", "email": "khum@example.vn",
          "representative_name": "Chau Sóc Khum", "representative_position": "Chủ hộ"}
CONSENT = {"given": True, "given_by": "Chau Sóc Khum"}
SENSITIVE = {"representative_ethnicity": "Khmer", "representative_disabled": True}


def entity(registration_no: str, **fields: Any) -> dict[str, Any]:
    return {**ENTITY, "registration_no": registration_no, **fields}


async def personal_data(client: httpx.AsyncClient, headers: dict[str, str], entity_id: str) -> dict[str, Any]:
    return expect(await client.get(f"/registry/entities/{entity_id}/personal-data", headers=headers), 200)


async def audit_rows(runtimes: list[ServiceRuntime]) -> list[Any]:
    registry = next(rt for rt in runtimes if rt.name == "registry")
    assert registry.spec.audit is not None
    async with registry.uow() as uow:
        return list((await uow.session.execute(select(registry.spec.audit))).all())


async def test_sensitive_data_needs_the_representatives_consent_and_is_stored_with_it(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, _):
        producer = await as_role(client, subject="chau-soc-khum")
        refusals = [
            await client.post("/registry/entities", headers=producer, json=entity("91A8010001", **SENSITIVE)),
            await client.post("/registry/entities", headers=producer, json=entity(
                "91A8010001", representative_disabled=True, sensitive_data_consent={**CONSENT, "given": False})),
            await client.post("/registry/entities", headers={**producer, "accept-language": "en"},
                              json=entity("91A8010001", representative_ethnicity="Chăm")),
        ]
        for r in refusals:
            assert r.status_code == 422, r.text
            assert r.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in r.json()["errors"]] == ["sensitive_data_consent"]
        assert "dữ liệu cá nhân nhạy cảm" in refusals[0].json()["detail"]
        assert "Chấm điểm tiêu chí 3.2" in refusals[0].json()["detail"]
        assert "ethnicity is sensitive personal data" in refusals[2].json()["detail"]
        listed = expect(await client.get("/registry/entities", headers=producer), 200)
        assert listed["total"] == 0, "nothing was stored"

        plain = expect(await client.post("/registry/entities", headers=producer, json=entity(
            "91A8010002", representative_ethnicity="Kinh", representative_female=True)), 201)["id"]
        data = await personal_data(client, producer, plain)
        assert data["entity"]["representative"] == {
            "name": "Chau Sóc Khum", "position": "Chủ hộ", "female": True, "ethnicity": "",
            "disabled": False, "priority_group": True}, "Kinh needs no consent and is not kept"
        assert data["consents"] == []

        consented = expect(await client.post("/registry/entities", headers=producer, json=entity(
            "91A8010003", **SENSITIVE, sensitive_data_consent=CONSENT)), 201)["id"]
        data = await personal_data(client, producer, consented)
        assert data["entity"]["representative"]["ethnicity"] == "Khmer"
        assert data["entity"]["representative"]["disabled"] is True
        [consent] = data["consents"]
        assert consent["purpose"] == "ocop-criterion-3.2" and "3.2" in consent["purpose_vi"]
        assert consent["data_kinds"] == ["ethnicity", "disability"]
        assert consent["given_by"] == "Chau Sóc Khum" and consent["active"] is True
        assert consent["recorded_by"] == await subject_of(client, producer)
        assert consent["given_at"] == consent["recorded_at"], "given_at defaults to now"


async def test_withdrawing_consent_erases_the_data_it_covered_and_keeps_the_record(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, runtimes):
        producer = await as_role(client, subject="chau-soc-khum")
        entity_id = expect(await client.post("/registry/entities", headers=producer, json=entity(
            "91A8010011", **SENSITIVE, representative_female=True,
            sensitive_data_consent={**CONSENT, "given_at": "2026-01-05T09:00:00+07:00"})), 201)["id"]
        consent = (await personal_data(client, producer, entity_id))["consents"][0]
        url = f"/registry/entities/{entity_id}/consents/{consent['id']}/withdrawal"
        stranger = await as_role(client, subject="nguoi-la")
        assert (await client.post(url, headers=stranger)).status_code == 403
        helper = await as_role(client, subject="ke-toan", entity_ids=(entity_id,))
        assert (await client.post(url, headers=helper)).status_code == 403, \
            "someone acting for the entity is not its representative"
        assert (await client.post(f"/registry/entities/{entity_id}/consents/khong-co/withdrawal",
                                  headers=producer)).status_code == 404

        withdrawn = expect(await client.post(url, headers=producer), 200)
        assert withdrawn["active"] is False and withdrawn["withdrawn_at"]
        assert withdrawn["given_by"] == "Chau Sóc Khum", "the record of the consent stays"
        assert withdrawn["given_at"].startswith("2026-01-05T02:00:00")
        data = await personal_data(client, producer, entity_id)
        assert data["entity"]["representative"] == {
            "name": "Chau Sóc Khum", "position": "Chủ hộ", "female": True, "ethnicity": "",
            "disabled": False, "priority_group": True}
        assert data["consents"] == [withdrawn]
        again = await client.post(url, headers=producer)
        assert again.status_code == 409, again.text

        rows = [r for r in await audit_rows(runtimes)
                if r.action == "POST /registry/entities/{entity_id}/consents/{consent_id}/withdrawal"]
        assert len(rows) == 1 and json.loads(rows[0].refs)["entity_id"] == entity_id
        assert all("Khmer" not in r.summary and "disab" not in r.summary for r in await audit_rows(runtimes))


async def test_the_owner_and_the_office_get_everything_the_registry_holds(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, runtimes):
        producer = await as_role(client, subject="chau-soc-khum")
        entity_id = expect(await client.post("/registry/entities", headers=producer, json=entity(
            "91A8010021", **SENSITIVE, sensitive_data_consent=CONSENT)), 201)["id"]
        product = expect(await client.post("/registry/products", headers=producer, json={
            "entity_id": entity_id, "name": "Mắm cá lóc Tri Tôn", "product_set_no": 9}), 201)["id"]
        document = await upload(client, producer, product, "label", PDF + b"nhan", "nhan.pdf")
        await open_round(client, settings, "AG-2026-PD")
        dossier = expect(await client.post(f"/registry/products/{product}/dossiers", headers=producer,
                                           json={"case": "first", "round_id": "AG-2026-PD"}), 201)["id"]
        expect(await client.post(f"/registry/entities/{entity_id}/members", headers=producer,
                                 json={"login": "ke-toan@example.vn"}), 201)

        data = await personal_data(client, producer, entity_id)
        assert data["entity"]["id"] == entity_id and data["entity"]["phone"] == "0912345678"
        assert data["entity"]["owner_subject"] == await subject_of(client, producer)
        assert data["entity"]["registered_at"]
        assert [p["id"] for p in data["products"]] == [product]
        assert data["products"][0]["timeline"][0]["status"] == "draft"
        assert [(s["id"], s["product_id"], s["status"]) for s in data["submissions"]] == [
            (dossier, product, "draft")]
        assert [(d["id"], d["kind"], d["filename"]) for d in data["documents"]] == [
            (document, "label", "nhan.pdf")]
        assert "content" not in data["documents"][0], "metadata only"
        assert [m["login"] for m in data["members"]] == ["ke-toan@example.vn"]
        assert data["consents"][0]["data_kinds"] == ["ethnicity", "disability"]
        retained = {n["holder"]: n for n in data["retained"]}
        assert {"certification", "scoring", "trade", "reporting", "every service"} <= set(retained)
        assert "36" in retained["certification"]["en"] and "36 tháng" in retained["certification"]["vi"]

        office = await as_role(client, Role.PROVINCE_OFFICE)
        assert (await personal_data(client, office, entity_id))["entity"]["id"] == entity_id
        for who in (await as_role(client, subject="nguoi-la"),
                    await as_role(client, subject="ke-toan", entity_ids=(entity_id,)),
                    await as_role(client, Role.COMMUNE_OFFICER, commune=COMMUNE_CHAU_DOC)):
            r = await client.get(f"/registry/entities/{entity_id}/personal-data", headers=who)
            assert r.status_code == 403, r.text
        assert (await client.get("/registry/entities/khong-co/personal-data", headers=office)).status_code == 404

        exported = [r for r in await audit_rows(runtimes)
                    if r.action == "GET /registry/entities/{entity_id}/personal-data"]
        assert len(exported) == 2, "each copy handed out is on the record"


async def test_erasure_erases_what_it_may_and_says_what_is_kept_and_why(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, runtimes):
        producer = await as_role(client, subject="chau-soc-khum")
        idle = expect(await client.post("/registry/entities", headers=producer, json=entity(
            "91A8010031", **SENSITIVE, representative_female=True, sensitive_data_consent=CONSENT)), 201)["id"]
        stranger = await as_role(client, subject="nguoi-la")
        assert (await client.post(f"/registry/entities/{idle}/erasure-request", headers=stranger)).status_code == 403

        answer = expect(await client.post(f"/registry/entities/{idle}/erasure-request", headers=producer), 200)
        assert [n["what"] for n in answer["erased"]] == ["representative_facts", "consents", "phone, email"]
        kept = {n["what"]: n for n in answer["kept"]}
        assert {"entity", "dossiers", "consents", "certificates", "evaluations", "audit"} <= set(kept)
        assert all(n["vi"] and n["en"] and n["holder"] for n in answer["kept"]), "each with its reason"
        data = await personal_data(client, producer, idle)
        e = data["entity"]
        facts = e["representative"]
        assert (e["phone"], e["email"], facts["ethnicity"], facts["disabled"], facts["female"],
                facts["priority_group"]) == ("", "", "", False, False, False)
        assert e["name"] == ENTITY["name"] and e["representative"]["name"] == "Chau Sóc Khum"
        [consent] = data["consents"]
        assert (consent["given_by"], consent["data_kinds"], consent["active"]) == ("", [], False)
        assert consent["withdrawn_at"] and consent["erased_at"], "the withdrawal stays on record"

        busy = expect(await client.post("/registry/entities", headers=producer, json=entity(
            "91A8010032", representative_disabled=True, sensitive_data_consent=CONSENT)), 201)["id"]
        product = expect(await client.post("/registry/products", headers=producer, json={
            "entity_id": busy, "name": "Khô cá", "product_set_no": 8}), 201)["id"]
        await open_round(client, settings, "AG-2026-ER")
        expect(await client.post(f"/registry/products/{product}/dossiers", headers=producer,
                                 json={"case": "first", "round_id": "AG-2026-ER"}), 201)
        office = await as_role(client, Role.PROVINCE_OFFICE)
        answer = expect(await client.post(f"/registry/entities/{busy}/erasure-request", headers=office), 200)
        assert "contact" in {n["what"] for n in answer["kept"]}, "a dossier is in progress"
        e = (await personal_data(client, office, busy))["entity"]
        assert e["phone"] == "0912345678" and e["representative"]["disabled"] is False

        requests = [r for r in await audit_rows(runtimes)
                    if r.action == "POST /registry/entities/{entity_id}/erasure-request"]
        assert {json.loads(r.refs)["entity_id"] for r in requests} == {idle, busy}
        assert len({r.summary for r in requests}) == 1, "the trail never tells what was held"


async def test_the_events_carry_no_registration_number_and_only_the_3_2_answer(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, _):
        producer = await as_role(client, subject="chau-soc-khum")
        expect(await client.post("/registry/entities", headers=producer, json=entity(
            "091234567890", **SENSITIVE, sensitive_data_consent=CONSENT, name="Cơ sở Mắm Tri Tôn")), 201)
        log = EmbeddedLog(tmp_path / "bus.sqlite3")
        await log.open()

        async def published() -> list[bytes] | None:
            return [m.value for m in await log.read(topics.ENTITY, 0)] or None

        try:
            [raw] = await wait_until(published, what="EntityRegistered on the bus")
        finally:
            await log.close()
        event = json.loads(raw)
        assert (event["type"], event["version"]) == ("EntityRegistered", 2)
        for personal in ("091234567890", "Khmer", "0912345678", "khum@example.vn", "Chau Sóc Khum"):
            assert personal.encode() not in raw, personal


async def test_migration_0003_on_a_registry_with_entities_from_before(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.sqlite3'}"
    engine = create_engine(url)
    config = alembic_config(SPEC.migrations, url)

    def to_0002(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(text(
            "INSERT INTO entities (id, name, legal_form, registration_no, commune_code, province_code, "
            "address, phone, email, representative_name, representative_position, representative_female, "
            "representative_ethnicity, representative_disabled, owner_subject, created_at, version) VALUES "
            "('e-old', 'Cơ sở cũ', 'household', '91A8019999', '30316', '91', 'Tri Tôn', '0912345678', "
            "'cu@example.vn', 'Néang Sa Phya', '', 0, 'Khmer', 1, 'sub-old', '2025-03-01 00:00:00', 1)"))

    async with engine.begin() as connection:
        await connection.run_sync(to_0002)
    await engine.dispose()
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, names=["registry"]) as (client, _):  # upgrades to head
        office = await as_role(client, Role.PROVINCE_OFFICE)
        data = await personal_data(client, office, "e-old")
        assert data["entity"]["representative"]["ethnicity"] == "Khmer" and data["consents"] == []
        answer = expect(await client.post("/registry/entities/e-old/erasure-request", headers=office), 200)
        assert "representative_facts" in {n["what"] for n in answer["erased"]}
        assert (await personal_data(client, office, "e-old"))["entity"]["representative"]["ethnicity"] == ""
