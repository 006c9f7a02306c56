"""Trade on the real stack: certificate events on Kafka reach showroom catalogs, tills and
the catalog topic; a fresh process rebuilds the same catalogs from the topics alone."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpers import api, wait_until
from ocop_cli.pos_client import LocalList, PosClient
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_shared.clock import SystemClock
from ocop_shared.contracts import CertificateRevoked, Certified, topics
from ocop_shared.contracts.certification_events import CertificateRevokedPayload, CertifiedPayload
from ocop_shared.db.postgres import create_service_database
from ocop_shared.messaging.kafka_tools import read_topics_from_start
from ocop_shared.messaging.outbox import new_event
from ocop_shared.messaging.transport import OutboundMessage

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]

SHOWROOMS = [
    {"id": "long-xuyen", "name": "Điểm bán OCOP Long Xuyên", "location_type": "trade_centre",
     "address": "Phường Long Xuyên", "operator": "Trung tâm Xúc tiến Thương mại"},
    {"id": "tinh-bien", "name": "Điểm bán OCOP Tịnh Biên", "location_type": "tourist_site",
     "address": "Phường Tịnh Biên", "operator": "HTX Tịnh Biên", "carries_all": True},
]


def certified(product_id: str, certificate_id: str, number: str, name: str) -> Any:
    return new_event(Certified, CertifiedPayload(
        certificate_id=certificate_id, number=number, product_id=product_id,
        product_code=f"91-30316-{number[-2:]}-2026", product_name=name, entity_id="e",
        entity_name="HTX Châu Đốc", stars=4, regulation="26/2026/QĐ-TTg",
        decision_no="QĐ 1/QĐ-UBND", issued_on=date(2026, 11, 28), valid_until=date(2029, 11, 27),
        authority="UBND tỉnh An Giang", verification_url=f"http://x/verify/{number}"),
        aggregate_id=certificate_id, aggregate_version=1, producer="certification",
        clock=SystemClock())


async def publish(deployment: Deployment, events: list[Any]) -> None:
    producer = deployment.transport().producer("test-certification")
    await producer.start()
    try:
        await producer.send_batch([OutboundMessage(topics.CERTIFICATE, e.aggregate_id,
                                                   e.to_json_bytes()) for e in events])
    finally:
        await producer.stop()


async def catalog(client: httpx.AsyncClient, catalog_id: str) -> list[dict[str, Any]]:
    return list((await client.get(f"/trade/catalogs/{catalog_id}")).json()["entries"])


# Over 60 lines: events in, tills and a rebuild out, in one run of the real stack.
async def test_certificates_reach_tills_and_the_catalog_rebuilds_from_topics(
    deployment: Deployment, tmp_path: Path,
) -> None:
    settings = deployment.settings
    trade = deployment.process("trade").start()
    registry = deployment.process("registry").start()  # its relay publishes the office's grant
    await asyncio.gather(trade.wait_ready(), registry.wait_ready())
    products = [(str(uuid.uuid4()), str(uuid.uuid4()), f"91-2026-000{n}", name)
                for n, name in enumerate(["Mắm cá linh", "Khô cá lóc", "Đường thốt nốt"], 1)]
    async with httpx.AsyncClient(base_url=trade.url, timeout=30) as c:
        office = await api(c).office()
        keys = {}
        for showroom in SHOWROOMS:
            r = await c.post("/trade/showrooms", headers=office, json=showroom)
            assert r.status_code == 201, r.text
            keys[showroom["id"]] = r.json()["api_key"]
        await publish(deployment, [certified(*p) for p in products])

        async def all_listed() -> bool:
            return len(await catalog(c, "tinh-bien")) == 3

        await wait_until(all_listed, timeout=30, what="three products in Tịnh Biên")
        r = await c.put("/trade/showrooms/long-xuyen/assortment", headers=office,
                        json={"add": [products[0][0], products[1][0]]})
        assert r.json()["items"] == 2

        local = LocalList(tmp_path / "till.sqlite3")
        till = PosClient(trade.url, "long-xuyen", keys["long-xuyen"], local, "quay-1")
        first = await till.sync()
        assert {i["product_name"] for i in first.added} == {"Mắm cá linh", "Khô cá lóc"}

        revoked = new_event(CertificateRevoked, CertificateRevokedPayload(
            certificate_id=products[0][1], number=products[0][2], product_id=products[0][0],
            grounds=[2], decision_no="QĐ 99/QĐ-UBND", revoked_on=date(2026, 12, 1),
            reason="Không duy trì tiêu chí"), aggregate_id=products[0][1], aggregate_version=2,
            producer="certification", clock=SystemClock())
        await publish(deployment, [revoked])

        async def gone() -> bool:
            return all(e["product_id"] != products[0][0] for e in await catalog(c, "long-xuyen"))

        await wait_until(gone, timeout=30, what="the revoked product to leave Long Xuyên")
        second = await till.sync()
        assert [(i["product_name"], why) for i, why in second.removed] == [
            ("Mắm cá linh", "giấy chứng nhận bị thu hồi")]
        assert [i["product_name"] for i in local.items()] == ["Khô cá lóc"]
        await till.close()
        local.close()
        room = (await c.get("/trade/showrooms/long-xuyen", headers=office)).json()
        assert room["tills"][0]["acked_version"] == room["version"]
        await c.post("/trade/pos/tinh-bien/acks", headers={"X-API-Key": keys["tinh-bien"]},
                     json={"terminal_id": "quay-tb", "version": 1})
        stale = (await c.get("/trade/showrooms/tinh-bien", headers=office)).json()["tills"]
        assert stale[0]["stale"] is True and stale[0]["stale_since"] is not None
        before = {cid: await catalog(c, cid) for cid in ("province", "long-xuyen", "tinh-bien")}

    records = await read_topics_from_start(settings.kafka_access(None),
                                           [deployment.namespace + topics.CATALOG])
    tombstones = [json.loads(r.value)["payload"] for r in records
                  if json.loads(r.value)["type"] == "CatalogEntryRemoved"]
    assert {(t["catalog_id"], t["reason"]) for t in tombstones} == {
        ("province", "revoked"), ("long-xuyen", "revoked"), ("tinh-bien", "revoked")}

    # A second trade process, empty database, fresh consumer group: same catalogs.
    rebuilt_db = f"ocop_{deployment.id}_trade_rebuilt"
    deployment.databases["trade_rebuilt"] = rebuilt_db
    await create_service_database(deployment.settings, "trade", rebuilt_db)
    rebuild = deployment.process("trade", OCOP_DATABASE_URL=deployment.database_url("trade").replace(
                                     deployment.databases["trade"], rebuilt_db),
                                 OCOP_KAFKA_GROUP_SUFFIX="-rebuild").start()
    await rebuild.wait_ready()
    async with httpx.AsyncClient(base_url=rebuild.url, timeout=30) as c:
        async def caught_up() -> bool:
            return await catalog(c, "province") == before["province"]

        await wait_until(caught_up, timeout=60, what="the rebuilt province catalog")
        for showroom in SHOWROOMS:
            assert (await c.post("/trade/showrooms", headers=office, json=showroom)).status_code == 201
        await c.put("/trade/showrooms/long-xuyen/assortment", headers=office,
                    json={"add": [products[0][0], products[1][0]]})
        after = {cid: await catalog(c, cid) for cid in ("province", "long-xuyen", "tinh-bien")}
    assert after == before
    await asyncio.sleep(0)


async def test_showrooms_opened_while_certificates_stream_in_miss_nothing(deployment: Deployment) -> None:
    """A showroom created while certificates are being certified and revoked ends up with
    exactly the products that are certified and not revoked (no product lost to the race of
    the two transactions, no revoked product kept)."""
    trade = deployment.process("trade").start()
    registry = deployment.process("registry").start()  # its relay publishes the office's grant
    await asyncio.gather(trade.wait_ready(), registry.wait_ready())
    ids = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(240)]
    events = [certified(p, c, f"91-2026-{i:05d}", f"Sản phẩm {i}") for i, (p, c) in enumerate(ids)]
    revoked_ids = {p for p, _ in ids[::4]}
    revocations = [new_event(CertificateRevoked, CertificateRevokedPayload(
        certificate_id=c, number=f"91-2026-{i:05d}", product_id=p, grounds=[3], decision_no="QĐ 9",
        revoked_on=date(2026, 11, 28), reason="Vi phạm ghi nhãn"), aggregate_id=c, aggregate_version=2,
        producer="certification", clock=SystemClock()) for i, (p, c) in enumerate(ids) if p in revoked_ids]
    async with httpx.AsyncClient(base_url=trade.url, timeout=30) as client:
        office = await api(client).office()
        streaming = asyncio.create_task(publish(deployment, events + revocations))
        for n in range(6):  # showrooms opening while the stream is being consumed
            await asyncio.sleep(0.3)
            r = await client.post("/trade/showrooms", headers=office, json={
                "id": f"diem-ban-{n}", "name": f"Điểm bán {n}", "location_type": "trade_centre",
                "address": "An Giang", "operator": "Thử nghiệm", "carries_all": True})
            assert r.status_code == 201, r.text
        await streaming
        expected = {p for p, _ in ids} - revoked_ids

        async def settled() -> bool:
            return {e["product_id"] for e in await catalog(client, "province")} == expected

        await wait_until(settled, timeout=90, what="the province catalog")
        for n in range(6):
            assert {e["product_id"] for e in await catalog(client, f"diem-ban-{n}")} == expected, n
    trade.terminate()


async def test_a_cached_till_snapshot_follows_a_revocation_from_kafka_at_once(deployment: Deployment) -> None:
    """The process caches till snapshots (here entries outlive the test): the revocation its
    consumer applies from Kafka shows on the next snapshot, with a new ETag."""
    trade = deployment.process("trade", OCOP_READ_CACHE_SECONDS="3600").start()
    registry = deployment.process("registry").start()  # its relay publishes the office's grant
    await asyncio.gather(trade.wait_ready(), registry.wait_ready())
    mam = (str(uuid.uuid4()), str(uuid.uuid4()), "91-2026-00041", "Mắm cá linh")
    kho = (str(uuid.uuid4()), str(uuid.uuid4()), "91-2026-00042", "Khô cá lóc")
    async with httpx.AsyncClient(base_url=trade.url, timeout=30) as c:
        office = await api(c).office()
        r = await c.post("/trade/showrooms", headers=office, json=SHOWROOMS[1])
        assert r.status_code == 201, r.text
        till = {"X-API-Key": r.json()["api_key"]}
        await publish(deployment, [certified(*mam), certified(*kho)])

        async def listing(count: int) -> bool:
            return len(await catalog(c, "tinh-bien")) == count

        await wait_until(lambda: listing(2), timeout=30, what="two products in Tịnh Biên")
        first = await c.get("/trade/pos/tinh-bien/catalog", headers=till)
        assert [i["product_name"] for i in first.json()["items"]] == ["Khô cá lóc", "Mắm cá linh"]
        again = await c.get("/trade/pos/tinh-bien/catalog", headers={**till, "If-None-Match": first.headers["etag"]})
        assert again.status_code == 304

        await publish(deployment, [new_event(CertificateRevoked, CertificateRevokedPayload(
            certificate_id=mam[1], number=mam[2], product_id=mam[0], grounds=[3], decision_no="QĐ 9/QĐ-UBND",
            revoked_on=date(2026, 12, 1), reason="Vi phạm ghi nhãn"), aggregate_id=mam[1], aggregate_version=2,
            producer="certification", clock=SystemClock())])
        await wait_until(lambda: listing(1), timeout=30, what="the revoked product to leave Tịnh Biên")
        after = await c.get("/trade/pos/tinh-bien/catalog", headers={**till, "If-None-Match": first.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != first.headers["etag"]
        assert [i["product_name"] for i in after.json()["items"]] == ["Khô cá lóc"]
    trade.terminate()


async def test_a_change_committed_on_one_replica_wakes_a_till_waiting_on_another(
    deployment: Deployment,
) -> None:
    """Two trade processes on one database: a till long-polls replica B while the office
    changes the showroom on replica A. B hears of A's commit through PostgreSQL's NOTIFY (its
    own timer is set to ten minutes here, so nothing else could wake it in time)."""
    slow_timer = {"OCOP_TRADE_CATALOG_RECHECK_SECONDS": "600"}
    replica_a = deployment.process("trade", **slow_timer).start()
    replica_b = deployment.process("trade", **slow_timer).start()
    registry = deployment.process("registry").start()  # its relay publishes the office's grant
    await asyncio.gather(replica_a.wait_ready(), replica_b.wait_ready(), registry.wait_ready())
    mam = (str(uuid.uuid4()), str(uuid.uuid4()), "91-2026-00051", "Mắm cá linh")
    async with httpx.AsyncClient(base_url=replica_a.url, timeout=30) as a, \
            httpx.AsyncClient(base_url=replica_b.url, timeout=60) as b:
        office = await api(a).office()
        r = await a.post("/trade/showrooms", headers=office, json=SHOWROOMS[0])  # chooses its products
        assert r.status_code == 201, r.text
        till = {"X-API-Key": r.json()["api_key"]}
        await publish(deployment, [certified(*mam)])

        async def in_province() -> bool:
            return len(await catalog(a, "province")) == 1

        await wait_until(in_province, timeout=30, what="the certified product")
        cursor = (await b.get("/trade/pos/long-xuyen/catalog", headers=till)).json()["cursor"]
        poll = asyncio.create_task(b.get("/trade/pos/long-xuyen/changes", headers=till,
                                         params={"cursor": cursor, "wait": 50}))
        await asyncio.sleep(1)
        assert not poll.done(), "nothing changed yet: replica B's till waits"
        r = await a.put("/trade/showrooms/long-xuyen/assortment", headers=office, json={"add": [mam[0]]})
        assert r.status_code == 200, r.text
        answer = await asyncio.wait_for(poll, 20)  # long before the poll's 50 s or B's 600 s timer
    assert answer.status_code == 200, answer.text
    assert [(c["kind"], c["product_id"]) for c in answer.json()["changes"]] == [("upsert", mam[0])]
    for process in (replica_a, replica_b, registry):
        process.terminate()
