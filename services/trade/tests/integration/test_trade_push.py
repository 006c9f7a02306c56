"""Changes pushed to tills on the embedded platform: a long poll answered the moment a
revocation lands, and a Server-Sent Events stream that resumes from Last-Event-ID."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import httpx
from trade_platform import Certification, listed, setup

from helpers import as_role, running_platform, served_platform, wait_until
from ocop_cli.pos_client import LocalList, PosClient, SyncResult, server_sent_events
from ocop_shared.auth import Role
from ocop_shared.settings import Settings

WAIT = 30  # seconds a long poll may wait: far longer than any of these tests may take


async def snapshot_cursor(client: httpx.AsyncClient, pos: dict[str, str]) -> str:
    r = await client.get("/trade/pos/tinh-bien/catalog", headers=pos)
    assert r.status_code == 200, r.text
    return str(r.json()["cursor"])


async def test_a_long_poll_returns_the_tombstone_as_soon_as_the_revocation_lands(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["trade"]) as (client, _):
        keys = await setup(client, settings)
        pos = {"X-API-Key": keys["tinh-bien"]}
        kho = await cert.certify("Khô cá lóc Sáu Tâm", stars=3)
        await listed(client, "tinh-bien", kho["product_id"], True)
        cursor = await snapshot_cursor(client, pos)

        # nothing new: the till's request waits (no answer yet), then the revocation wakes it
        poll = asyncio.create_task(client.get("/trade/pos/tinh-bien/changes", headers=pos,
                                              params={"cursor": cursor, "wait": WAIT}, timeout=WAIT + 5))
        await asyncio.sleep(0.5)
        assert not poll.done(), "with nothing new, a long poll waits"
        await cert.revoke(kho)
        r = await asyncio.wait_for(poll, WAIT / 2)  # woken by the change, not by its time running out
        assert r.status_code == 200, r.text
        assert [(c["kind"], c["product_id"], c["reason"]) for c in r.json()["changes"]] == [
            ("tombstone", kho["product_id"], "revoked")]

        # something new already: answered at once; wait=0 is the plain poll it always was
        r = await client.get("/trade/pos/tinh-bien/changes", headers=pos, params={"cursor": cursor, "wait": 0})
        assert [c["kind"] for c in r.json()["changes"]] == ["tombstone"]
        quiet = await client.get("/trade/pos/tinh-bien/changes", headers=pos,
                                 params={"cursor": r.json()["cursor"], "wait": 0.3})
        assert quiet.status_code == 200 and quiet.json()["changes"] == []
        too_long = await client.get("/trade/pos/tinh-bien/changes", headers=pos,
                                    params={"cursor": cursor, "wait": 3600})
        assert too_long.status_code == 422 and "wait" in too_long.text
        # a refused key is refused before any waiting
        stranger = await client.get("/trade/pos/tinh-bien/changes", headers={"X-API-Key": "nope"},
                                    params={"cursor": cursor, "wait": WAIT})
        assert stranger.status_code == 401


class Stream:
    """One SSE connection, read event by event."""

    def __init__(self, response: httpx.Response) -> None:
        self._events = server_sent_events(response.aiter_lines())

    async def next_event(self) -> dict[str, Any]:
        async for event in self._events:
            if "data" in event:
                return {**event, "data": json.loads(event["data"])}
        raise AssertionError("the stream ended")


async def test_the_event_stream_pushes_changes_and_resumes_from_last_event_id(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with served_platform(settings, ["trade"]) as (client, _):
        keys = await setup(client, settings)
        pos = {"X-API-Key": keys["tinh-bien"]}
        mam = await cert.certify("Mắm cá linh Châu Đốc")
        await listed(client, "tinh-bien", mam["product_id"], True)
        cursor = await snapshot_cursor(client, pos)

        async with client.stream("GET", "/trade/pos/tinh-bien/stream", headers=pos,
                                 params={"cursor": cursor}, timeout=WAIT) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            stream = Stream(response)
            kho = await cert.certify("Khô cá lóc Sáu Tâm", stars=3)
            added = await asyncio.wait_for(stream.next_event(), WAIT / 2)
            assert added["event"] == "upsert" and added["data"]["product_id"] == kho["product_id"]
            await cert.revoke(mam)
            removed = await asyncio.wait_for(stream.next_event(), WAIT / 2)
            assert removed["event"] == "tombstone" and removed["data"]["reason"] == "revoked"
            last_seen = removed["id"]

        # while the till is away, two more changes; it comes back with the last id it saw
        await cert.revoke(kho)
        tra = await cert.certify("Trà khổ qua rừng Núi Cấm", stars=3)
        await listed(client, "tinh-bien", tra["product_id"], True)
        async with client.stream("GET", "/trade/pos/tinh-bien/stream",
                                 headers={**pos, "Last-Event-ID": last_seen}, timeout=WAIT) as response:
            stream = Stream(response)
            missed = [await asyncio.wait_for(stream.next_event(), WAIT / 2) for _ in range(2)]
        assert [(e["event"], e["data"]["product_id"]) for e in missed] == [
            ("tombstone", kho["product_id"]), ("upsert", tra["product_id"])]

        # without a place to start, or with a forged one, the stream is refused with a reason
        r = await client.get("/trade/pos/tinh-bien/stream", headers=pos)
        assert r.status_code == 400 and "catalog" in r.json()["detail"]
        r = await client.get("/trade/pos/tinh-bien/stream", headers={**pos, "Last-Event-ID": "forged"})
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == "Last-Event-ID"
        r = await client.get("/trade/pos/tinh-bien/stream", params={"cursor": cursor})
        assert r.status_code == 401


async def test_the_reference_till_follows_the_pushed_changes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with served_platform(settings, ["trade"]) as (client, _):
        keys = await setup(client, settings)
        mam = await cert.certify("Mắm cá linh Châu Đốc")
        await listed(client, "tinh-bien", mam["product_id"], True)
        local = LocalList(tmp_path / "quay-1.sqlite3")
        till = PosClient(str(client.base_url), "tinh-bien", keys["tinh-bien"], local, "quay-1")
        heard: list[SyncResult] = []
        following = asyncio.create_task(till.follow(heard.append))
        try:
            async def holds(names: set[str]) -> bool:
                return {i["product_name"] for i in local.items()} == names

            await wait_until(lambda: holds({"Mắm cá linh Châu Đốc"}), what="the first snapshot")
            await cert.revoke(mam)
            async def told() -> bool:
                return any(r.removed for r in heard)

            await wait_until(told, timeout=WAIT / 2, what="the pushed tombstone")
            assert await holds(set())
            removed = [(item["product_name"], why) for r in heard for item, why in r.removed]
            assert removed == [("Mắm cá linh Châu Đốc", "giấy chứng nhận bị thu hồi")]
            room = (await client.get("/trade/showrooms/tinh-bien",
                                     headers=await as_role(client, Role.PROVINCE_OFFICE))).json()
            assert room["tills"][0]["acked_version"] == room["version"], "each change acknowledged"
        finally:
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await following
            await till.close()
            local.close()
