"""Trade on the embedded platform: certificate events in, showroom catalogs and tills out.

Only the trade service runs here; certificate events are written to the bus the way the
certification service would publish them.
"""

from __future__ import annotations

# Over 400 lines: one embedded platform and one event writer serve every test of the catalog's life.
import asyncio
import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from trade_platform import Certification, listed, setup

from helpers import as_role, running_platform, wait_until
from ocop_cli.pos_client import LocalList, PosClient
from ocop_shared.auth import Role
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import (
    CertificateExtended,
    FairExhibitorRegistered,
    read_event,
    topics,
)
from ocop_shared.contracts.certification_events import (
    CertificateExtendedPayload,
)
from ocop_shared.messaging.outbox import new_event
from ocop_shared.settings import Settings


async def test_certificates_reach_the_right_showrooms_and_revocations_leave_them(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        keys = await setup(client, settings)
        office = await as_role(client, Role.PROVINCE_OFFICE)
        mam = await cert.certify("Mắm cá linh Châu Đốc")
        kho = await cert.certify("Khô cá lóc Sáu Tâm", stars=3)
        await listed(client, "tinh-bien", kho["product_id"], True)
        await listed(client, "tinh-bien", mam["product_id"], True)
        r = await client.put("/trade/showrooms/long-xuyen/assortment", headers=office,
                             json={"add": [mam["product_id"]]})
        assert r.status_code == 200 and r.json()["items"] == 1
        pos = {"X-API-Key": keys["long-xuyen"]}
        snap = await client.get("/trade/pos/long-xuyen/catalog", headers=pos)
        assert snap.status_code == 200
        body = snap.json()
        assert [i["product_name"] for i in body["items"]] == ["Mắm cá linh Châu Đốc"]
        again = await client.get("/trade/pos/long-xuyen/catalog",
                                 headers={**pos, "If-None-Match": snap.headers["etag"]})
        assert again.status_code == 304

        await cert.revoke(mam)
        await listed(client, "long-xuyen", mam["product_id"], False)
        delta = (await client.get("/trade/pos/long-xuyen/changes", headers=pos,
                                  params={"cursor": body["cursor"]})).json()
        assert [(c["kind"], c["product_id"], c["reason"]) for c in delta["changes"]] == [
            ("tombstone", mam["product_id"], "revoked")]
        assert delta["changes"][0]["reason_vi"] == "giấy chứng nhận bị thu hồi"
        tb = (await client.get("/trade/catalogs/tinh-bien")).json()
        assert [e["product_id"] for e in tb["entries"]] == [kho["product_id"]]
        province = (await client.get("/trade/catalogs/province")).json()
        assert [e["product_id"] for e in province["entries"]] == [kho["product_id"]]

        # The same revocation delivered again changes nothing.
        version = delta["version"]
        await cert.revoke(mam)
        await cert.expire(kho)
        await listed(client, "tinh-bien", kho["product_id"], False)
        final = (await client.get("/trade/pos/long-xuyen/changes", headers=pos,
                                  params={"cursor": delta["cursor"]})).json()
        assert final["changes"] == [] and final["version"] == version


async def test_an_upgraded_certificate_reaches_the_showrooms_that_chose_the_product(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        keys = await setup(client, settings)
        mam = await cert.certify("Mắm cá linh Châu Đốc", stars=3)
        await listed(client, "province", mam["product_id"], True)
        office = await as_role(client, Role.PROVINCE_OFFICE)
        r = await client.put("/trade/showrooms/long-xuyen/assortment", headers=office,
                             json={"add": [mam["product_id"]]})
        assert r.status_code == 200, r.text
        pos = {"X-API-Key": keys["long-xuyen"]}
        before = (await client.get("/trade/pos/long-xuyen/catalog", headers=pos)).json()
        await cert.certify("Mắm cá linh Châu Đốc", stars=4, product_id=mam["product_id"],
                           issued_on=date(2026, 11, 29), valid_until=date(2029, 11, 28))

        async def upgraded() -> list[Any] | None:
            delta = (await client.get("/trade/pos/long-xuyen/changes", headers=pos,
                                      params={"cursor": before["cursor"]})).json()
            return delta["changes"] or None

        changes = await wait_until(upgraded, what="the upgrade in the showroom's feed")
        assert [(c["kind"], c["product_id"], c["item"]["stars"]) for c in changes] == [
            ("upsert", mam["product_id"], 4)]


async def test_dropping_a_product_from_the_assortment_is_a_tombstone(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        keys = await setup(client, settings)
        office = await as_role(client, Role.PROVINCE_OFFICE)
        tra = await cert.certify("Trà khổ qua rừng Núi Cấm", stars=3)
        await listed(client, "province", tra["product_id"], True)
        await client.put("/trade/showrooms/long-xuyen/assortment", headers=office,
                         json={"add": [tra["product_id"]]})
        pos = {"X-API-Key": keys["long-xuyen"]}
        cursor = (await client.get("/trade/pos/long-xuyen/catalog", headers=pos)).json()["cursor"]
        operator = await as_role(client, Role.SHOWROOM_OPERATOR, showroom="tinh-bien")
        denied = await client.put("/trade/showrooms/long-xuyen/assortment", headers=operator,
                                  json={"remove": [tra["product_id"]]})
        assert denied.status_code == 403, "another showroom's operator may not change it"
        r = await client.put("/trade/showrooms/long-xuyen/assortment", headers=office,
                             json={"remove": [tra["product_id"]]})
        assert r.status_code == 200
        delta = (await client.get("/trade/pos/long-xuyen/changes", headers=pos,
                                  params={"cursor": cursor})).json()
        assert [c["reason"] for c in delta["changes"]] == ["dropped_from_assortment"]


async def test_tills_acknowledge_and_the_office_sees_stale_ones(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"], clock) as (client, _):
        keys = await setup(client, settings)
        office = await as_role(client, Role.PROVINCE_OFFICE)
        pos = {"X-API-Key": keys["tinh-bien"]}
        gao = await cert.certify("Gạo Nàng Nhen Tịnh Biên", stars=3)
        await listed(client, "tinh-bien", gao["product_id"], True)
        snap = (await client.get("/trade/pos/tinh-bien/catalog", headers=pos)).json()
        for till in ("quay-1", "quay-2"):
            r = await client.post("/trade/pos/tinh-bien/acks", headers=pos,
                                  json={"terminal_id": till, "version": snap["version"]})
            assert r.status_code == 204
        clock.advance(timedelta(minutes=30))
        await cert.revoke(gao)
        await listed(client, "tinh-bien", gao["product_id"], False)
        await client.post("/trade/pos/tinh-bien/acks", headers=pos,
                          json={"terminal_id": "quay-2", "version": snap["version"] + 1})
        showroom = (await client.get("/trade/showrooms/tinh-bien", headers=office)).json()
        states = {t["terminal_id"]: t for t in showroom["tills"]}
        assert states["quay-1"]["stale"] is True
        assert states["quay-1"]["stale_since"].startswith("2026-11-28T08:30")
        assert states["quay-2"]["stale"] is False


async def test_a_cached_till_snapshot_follows_every_catalog_change_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Snapshots are answered from the read cache; the certificate events the consumer applies,
    assortment changes and a new API key show on the next request, with a new ETag."""
    monkeypatch.setenv("OCOP_READ_CACHE_SECONDS", "3600")  # only an invalidation changes an answer
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        keys = await setup(client, settings)
        office = await as_role(client, Role.PROVINCE_OFFICE)
        pos = {"X-API-Key": keys["tinh-bien"]}
        mam = await cert.certify("Mắm cá linh Châu Đốc")
        await listed(client, "tinh-bien", mam["product_id"], True)

        async def snapshot(**headers: str) -> httpx.Response:
            return await client.get("/trade/pos/tinh-bien/catalog", headers={**pos, **headers})

        first = await snapshot()
        assert [i["product_id"] for i in first.json()["items"]] == [mam["product_id"]]
        assert (await snapshot()).content == first.content
        unchanged = await snapshot(**{"If-None-Match": first.headers["etag"]})
        assert unchanged.status_code == 304 and unchanged.headers["etag"] == first.headers["etag"]

        await cert.revoke(mam)  # through the bus and the consumer, as in production
        await listed(client, "tinh-bien", mam["product_id"], False)
        revoked = await snapshot(**{"If-None-Match": first.headers["etag"]})
        assert revoked.status_code == 200 and revoked.json()["items"] == []
        assert revoked.headers["etag"] != first.headers["etag"]

        kho = await cert.certify("Khô cá lóc Sáu Tâm", stars=3)
        await listed(client, "tinh-bien", kho["product_id"], True)
        added = await snapshot()
        assert [i["product_id"] for i in added.json()["items"]] == [kho["product_id"]]
        assert (await snapshot(**{"If-None-Match": added.headers["etag"]})).status_code == 304

        lx = {"X-API-Key": keys["long-xuyen"]}
        assert (await client.get("/trade/pos/long-xuyen/catalog", headers=lx)).json()["items"] == []
        await client.put("/trade/showrooms/long-xuyen/assortment", headers=office,
                         json={"add": [kho["product_id"]]})
        carried = (await client.get("/trade/pos/long-xuyen/catalog", headers=lx)).json()
        assert [i["product_id"] for i in carried["items"]] == [kho["product_id"]]

        # Keys are checked against the cached snapshot's showroom, and a new key replaces the
        # old one at once.
        assert (await snapshot(**{"X-API-Key": keys["long-xuyen"]})).status_code == 403
        assert (await snapshot(**{"X-API-Key": "pos_not-a-key"})).status_code == 401
        assert (await client.get("/trade/pos/tinh-bien/catalog")).status_code == 401
        rotated = await client.post("/trade/showrooms/tinh-bien/api-key", headers=office)
        assert rotated.status_code == 200, rotated.text
        assert (await snapshot()).status_code == 401
        renewed = (await snapshot(**{"X-API-Key": rotated.json()["api_key"]})).json()
        assert (renewed["version"], renewed["items"]) == (added.json()["version"], added.json()["items"])


async def test_bad_requests_from_tills_get_clear_errors(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        keys = await setup(client, settings)
        office = await as_role(client, Role.PROVINCE_OFFICE)
        lx = {"X-API-Key": keys["long-xuyen"]}
        assert (await client.get("/trade/pos/nowhere/catalog", headers=lx)).status_code == 404
        assert (await client.get("/trade/pos/long-xuyen/catalog")).status_code == 401
        other = await client.get("/trade/pos/tinh-bien/catalog", headers=lx)
        assert other.status_code == 403
        assert "điểm bán khác" in other.json()["detail"]
        snap = (await client.get("/trade/pos/long-xuyen/catalog", headers=lx)).json()
        forged = snap["cursor"][:-2] + ("AA" if not snap["cursor"].endswith("AA") else "BB")
        r = await client.get("/trade/pos/long-xuyen/changes", headers=lx,
                             params={"cursor": forged})
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == "cursor"
        foreign = (await client.get("/trade/pos/tinh-bien/catalog",
                                    headers={"X-API-Key": keys["tinh-bien"]})).json()["cursor"]
        r = await client.get("/trade/pos/long-xuyen/changes", headers=lx,
                             params={"cursor": foreign})
        assert r.status_code == 400
        for bad in ({"terminal_id": "q", "version": -1}, {"version": 1}, {"terminal_id": "q"},
                    {"terminal_id": "q", "version": 999}):
            r = await client.post("/trade/pos/long-xuyen/acks", headers=lx, json=bad)
            assert r.status_code == 422, bad
        # An old cursor after the change feed was compacted: 410, take a snapshot.
        for n in range(3):
            product = await cert.certify(f"Sản phẩm {n}")
            await listed(client, "province", product["product_id"], True)
            await client.put("/trade/showrooms/long-xuyen/assortment", headers=office,
                             json={"add": [product["product_id"]]})
        await client.post("/trade/catalogs/long-xuyen/compaction", headers=office,
                          json={"keep_last": 1})
        r = await client.get("/trade/pos/long-xuyen/changes", headers=lx,
                             params={"cursor": snap["cursor"]})
        assert r.status_code == 410
        assert r.json()["snapshot"] == "/trade/pos/long-xuyen/catalog"


async def test_the_cursor_key_rotates_from_its_file_without_cutting_tills_off(tmp_path: Path) -> None:
    """OCOP_CURSOR_SECRET_FILE: a new key on top signs new cursors while the old one, still
    below it, vouches for the cursors tills hold; dropping it ends them (400: take a snapshot)."""
    keys = tmp_path / "cursor-keys"
    keys.write_text("old-cursor-key-" + "o" * 32 + "\n")
    settings = Settings(data_dir=tmp_path, cursor_secret_file=keys)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        lx = {"X-API-Key": (await setup(client, settings))["long-xuyen"]}

        async def cursor() -> str:
            return str((await client.get("/trade/pos/long-xuyen/catalog", headers=lx)).json()["cursor"])

        async def changes(held: str) -> int:
            r = await client.get("/trade/pos/long-xuyen/changes", headers=lx, params={"cursor": held})
            return r.status_code

        held = await cursor()
        keys.write_text("new-cursor-key-" + "n" * 32 + "\n" + "old-cursor-key-" + "o" * 32 + "\n")
        await asyncio.sleep(1.1)  # files are looked at again at most once a second
        fresh = await cursor()
        assert fresh != held, "new cursors are signed with the new key"
        assert (await changes(held), await changes(fresh)) == (200, 200)
        keys.write_text("new-cursor-key-" + "n" * 32 + "\n")
        await asyncio.sleep(1.1)
        assert (await changes(held), await changes(fresh)) == (400, 200)


async def test_fairs_accept_only_products_certified_for_the_whole_event(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        good = await cert.certify("Mắm cá linh")
        ending = await cert.certify("Đường thốt nốt", valid_until=date(2027, 1, 3))
        revoked = await cert.certify("Khô cá lóc")
        await cert.revoke(revoked)
        await listed(client, "province", good["product_id"], True)
        await listed(client, "province", ending["product_id"], True)
        r = await client.post("/trade/fairs", headers=office, json={
            "id": "hoi-cho-2027", "name": "Hội chợ OCOP An Giang 2027",
            "starts_on": "2027-01-02", "ends_on": "2027-01-08", "place": "Long Xuyên"})
        assert r.status_code == 201
        ok = await client.post("/trade/fairs/hoi-cho-2027/exhibitors", headers=office,
                               json={"product_id": good["product_id"]})
        assert ok.status_code == 201
        for product, words in ((ending, "before the fair ends"),
                               (revoked, "no valid OCOP certificate"),
                               ({"product_id": "never-certified"}, "no valid OCOP certificate")):
            r = await client.post("/trade/fairs/hoi-cho-2027/exhibitors",
                                  headers={**office, "accept-language": "en"},
                                  json={"product_id": product["product_id"]})
            assert r.status_code == 422 and words in r.json()["detail"], r.text
        r = await client.put(f"/trade/fairs/hoi-cho-2027/exhibitors/{good['product_id']}/result",
                             headers=office, json={"sales_vnd": 45_000_000, "contracts": 2})
        assert r.status_code == 204
        listed_ = (await client.get("/trade/fairs/hoi-cho-2027/exhibitors", headers=office)).json()
        assert listed_ == [{"product_id": good["product_id"],
                            "certificate_number": good["number"], "sales_vnd": 45_000_000,
                            "contracts": 2}]

        async def announced() -> list[Any]:
            return [read_event(m.value) for m in await cert.log.read(topics.FAIR, 0)]

        (event,) = await wait_until(announced, what="the fair event on the bus")
        assert isinstance(event, FairExhibitorRegistered) and event.aggregate_id == "hoi-cho-2027"
        assert (event.payload.product_id, event.payload.stars, event.payload.starts_on) == (
            good["product_id"], 4, date(2027, 1, 2))


async def test_marketplace_feed_lists_currently_certified_products(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        mam = await cert.certify("Mắm cá linh Châu Đốc")
        old = await cert.certify("Lạp xưởng", valid_until=date(2025, 12, 31))
        kho = await cert.certify("Khô cá lóc")
        await cert.revoke(kho)
        await listed(client, "province", mam["product_id"], True)
        await listed(client, "province", old["product_id"], True)
        await listed(client, "province", kho["product_id"], False)
        feed = (await client.get("/trade/feed.json")).json()
        assert [i["product_name"] for i in feed] == ["Mắm cá linh Châu Đốc"]
        assert feed[0]["verification_url"].endswith(mam["number"])
        text = (await client.get("/trade/feed.csv")).content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["product_name"] for r in rows] == ["Mắm cá linh Châu Đốc"]


async def test_reference_pos_client_keeps_a_local_copy_and_works_offline(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    local = LocalList(tmp_path / "till.sqlite3")
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        keys = await setup(client, settings)
        mam = await cert.certify("Mắm cá linh Châu Đốc")
        kho = await cert.certify("Khô cá lóc Sáu Tâm")
        await listed(client, "tinh-bien", kho["product_id"], True)
        till = PosClient(settings.base_url(), "tinh-bien", keys["tinh-bien"], local, "quay-1")
        till._http = httpx.AsyncClient(transport=client._transport, base_url=settings.base_url(),
                                       headers={"X-API-Key": keys["tinh-bien"]})
        first = await till.sync()
        assert first.full_snapshot and {i["product_name"] for i in first.added} == {
            "Mắm cá linh Châu Đốc", "Khô cá lóc Sáu Tâm"}
        await cert.revoke(mam)
        await listed(client, "tinh-bien", mam["product_id"], False)
        second = await till.sync()
        assert not second.full_snapshot
        assert [(i["product_name"], why) for i, why in second.removed] == [
            ("Mắm cá linh Châu Đốc", "giấy chứng nhận bị thu hồi")]
        assert [i["product_name"] for i in local.items()] == ["Khô cá lóc Sáu Tâm"]
        showroom = (await client.get("/trade/showrooms/tinh-bien",
                                     headers=await as_role(client, Role.PROVINCE_OFFICE))).json()
        assert showroom["tills"][0]["acked_version"] == second.version
        await till.close()
    offline = PosClient("http://127.0.0.1:9", "tinh-bien", keys["tinh-bien"], local, "quay-1")
    result = await offline.sync()
    await offline.close()
    assert not result.online and result.as_of == second.as_of
    assert [i["product_name"] for i in local.items()] == ["Khô cá lóc Sáu Tâm"]
    local.close()

    from typer.testing import CliRunner

    from ocop_cli.main import app

    args = ["pos", "sync", "--showroom", "tinh-bien", "--api-key", "k",
            "--url", "http://127.0.0.1:9", "--db", str(tmp_path / "till.sqlite3")]
    shown = await asyncio.to_thread(CliRunner().invoke, app, args, env={"COLUMNS": "200"})
    assert shown.exit_code == 3
    assert "danh sách tính đến" in shown.output and "Khô cá lóc Sáu Tâm" in shown.output


async def test_a_pending_rerating_keeps_the_product_on_sale_past_its_printed_expiry(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"],
                                ManualClock(datetime(2029, 12, 15, tzinfo=UTC))) as (client, _):
        mam = await cert.certify("Mắm cá linh", valid_until=date(2029, 11, 27))
        await listed(client, "province", mam["product_id"], True)
        assert (await client.get("/trade/feed.json")).json() == [], "expired on 27/11/2029"
        await cert.publish(new_event(
            CertificateExtended, CertificateExtendedPayload(
                certificate_id=mam["certificate_id"], number=mam["number"],
                product_id=mam["product_id"], valid_until=date(2029, 11, 27),
                extended_until=date(2030, 5, 26), reason="Hồ sơ đánh giá lại đã nộp đúng hạn"),
            aggregate_id=mam["certificate_id"], aggregate_version=cert._next(mam["certificate_id"]),
            producer="certification", clock=cert.clock))

        async def extended() -> list[dict[str, Any]] | None:
            feed = (await client.get("/trade/feed.json")).json()
            return feed or None

        feed = await wait_until(extended, what="the extension to reach the feed")
        assert feed[0]["extended_until"] == "2030-05-26"
        entry = (await client.get("/trade/catalogs/province")).json()["entries"][0]
        assert entry["extended_until"] == "2030-05-26"
