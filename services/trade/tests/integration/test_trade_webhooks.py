"""Trade webhooks: every catalog change of a showroom is pushed, signed, to the endpoints its
office or operator subscribed (for POS systems that do not read Kafka), retried when the
endpoint is slow, logged, and redelivered on request.

Only the trade service runs; certificate events are written to the embedded bus the way the
certification service would publish them (see test_trade_embedded). The endpoint is a real
HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_trade_embedded import Certification, listed, setup

from helpers import as_role, running_platform, subject_of, wait_until
from ocop_shared.auth import Role
from ocop_shared.contracts import topics
from ocop_shared.settings import Settings
from ocop_shared.webhooks import signature_matches


@pytest.fixture(autouse=True)
def fast_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCOP_TRADE_WEBHOOK_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("OCOP_TRADE_WEBHOOK_BACKOFF_SECONDS", "0.1")
    monkeypatch.setenv("OCOP_TRADE_WEBHOOK_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("OCOP_TRADE_WEBHOOK_POLL_SECONDS", "0.05")


# -- a real HTTP endpoint ---------------------------------------------------------------------


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A tiny HTTP/1.1 server on 127.0.0.1 (asyncio streams): answers 200 at any path, or
    sleeps `delay` seconds first (an endpoint slower than the sender allows)."""

    delay: float = 0.0
    received: list[Hit] = field(default_factory=list)
    hits: int = 0
    port: int = 0
    _server: asyncio.Server | None = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/pos/{name}"

    def at(self, name: str) -> list[Hit]:
        return [h for h in self.received if h.path == f"/pos/{name}"]

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (line.partition(":") for line in lines[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.hits += 1
            if self.delay:  # answer too late: the sender has given up by then
                await asyncio.sleep(self.delay)
            else:
                self.received.append(Hit(path, headers, body))
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.stop()


# -- helpers ----------------------------------------------------------------------------------


async def operator(client: httpx.AsyncClient, showroom_id: str | None) -> dict[str, str]:
    """Headers of the operator the office granted `showroom_id` (None: somebody with no grant)."""
    if showroom_id is None:
        return await as_role(client, Role.ENTITY_USER, subject="nhan-vien")
    return await as_role(client, Role.SHOWROOM_OPERATOR, showroom=showroom_id)


async def subscribe(client: httpx.AsyncClient, headers: dict[str, str], showroom: str, url: str) -> dict[str, Any]:
    r = await client.post(f"/trade/showrooms/{showroom}/webhooks", headers=headers,
                          json={"url": url, "description": f"POS {showroom}"})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def deliveries(client: httpx.AsyncClient, headers: dict[str, str], showroom: str, webhook: str,
                     **params: str) -> list[dict[str, Any]]:
    r = await client.get(f"/trade/showrooms/{showroom}/webhooks/{webhook}/deliveries", headers=headers,
                         params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


# -- tests ------------------------------------------------------------------------------------


# Over 60 lines: a receiver, a subscription, a revocation and the signed delivery, in order.
async def test_a_revocation_reaches_the_showroom_webhook_as_a_signed_tombstone(
    tmp_path: Path, receiver: Receiver,
) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        await setup(client, settings)
        office = await as_role(client, Role.PROVINCE_OFFICE)
        lx = await operator(client, "long-xuyen")
        hook = await subscribe(client, lx, "long-xuyen", receiver.url("long-xuyen"))
        assert hook["secret"].startswith("whsec_") and hook["showroom_id"] == "long-xuyen"
        assert hook["created_by"] == await subject_of(client, lx), "the operator who subscribed"
        tb_hook = await subscribe(client, office, "tinh-bien", receiver.url("tinh-bien"))
        mine = (await client.get("/trade/showrooms/long-xuyen/webhooks", headers=lx)).json()
        assert mine["total"] == 1 and mine["items"][0]["id"] == hook["id"] and "secret" not in mine["items"][0]

        mam = await cert.certify("Mắm cá linh Châu Đốc")
        kho = await cert.certify("Khô cá lóc Sáu Tâm", stars=3)
        await listed(client, "tinh-bien", kho["product_id"], True)
        await listed(client, "tinh-bien", mam["product_id"], True)
        r = await client.put("/trade/showrooms/long-xuyen/assortment", headers=lx,
                             json={"add": [mam["product_id"]]})
        assert r.status_code == 200
        await cert.revoke(mam)

        async def tombstone() -> Hit | None:
            removed = [h for h in receiver.at("long-xuyen") if h.json()["type"] == "CatalogEntryRemoved"]
            return removed[0] if removed else None

        hit = await wait_until(tombstone, what="the tombstone at the long-xuyen endpoint")
        assert signature_matches(hook["secret"], hit.body, hit.headers["x-ocop-signature"])
        assert not signature_matches(tb_hook["secret"], hit.body, hit.headers["x-ocop-signature"])
        assert hit.headers["x-ocop-signature"].startswith("sha256=")
        assert int(hit.headers["x-ocop-timestamp"]) > 0
        assert hit.headers["x-ocop-event-type"] == "CatalogEntryRemoved"
        event = hit.json()
        assert hit.headers["x-ocop-event-id"] == event["id"] and hit.headers["x-ocop-delivery-id"]
        assert event["producer"] == "trade" and event["aggregate_id"] == "long-xuyen"
        assert event["payload"]["catalog_id"] == "long-xuyen"
        assert event["payload"]["product_id"] == mam["product_id"]
        assert event["payload"]["certificate_number"] == mam["number"]
        assert event["payload"]["reason"] == "revoked"

        async def on_kafka() -> bytes | None:
            messages = await cert.log.read(topics.CATALOG, 0, limit=1000)
            return next((m.value for m in messages if json.loads(m.value)["id"] == event["id"]), None)

        assert await wait_until(on_kafka, what="the event on the bus") == hit.body, \
            "the webhook body is the event exactly as on ocop.trade.catalog.v1"

        # long-xuyen hears only of its own catalog: the product added, then removed
        changes = sorted((h.json() for h in receiver.at("long-xuyen")),
                         key=lambda e: e["payload"]["catalog_version"])
        assert [(e["type"], e["payload"]["product_id"]) for e in changes] == [
            ("CatalogEntryAdded", mam["product_id"]), ("CatalogEntryRemoved", mam["product_id"])]

        # tinh-bien carries everything: both products, then the same revocation for its own catalog
        async def tinh_bien_heard() -> list[dict[str, Any]] | None:
            heard = [h.json() for h in receiver.at("tinh-bien")]
            return heard if len(heard) == 3 else None

        heard = await wait_until(tinh_bien_heard, what="three tinh-bien deliveries")
        assert {e["payload"]["catalog_id"] for e in heard} == {"tinh-bien"}
        assert sorted((e["type"], e["payload"]["product_id"]) for e in heard) == sorted([
            ("CatalogEntryAdded", mam["product_id"]), ("CatalogEntryAdded", kho["product_id"]),
            ("CatalogEntryRemoved", mam["product_id"])])
        assert all(signature_matches(tb_hook["secret"], h.body, h.headers["x-ocop-signature"])
                   for h in receiver.at("tinh-bien"))

        async def both_delivered() -> list[dict[str, Any]] | None:
            items = await deliveries(client, lx, "long-xuyen", hook["id"], status="delivered")
            return items if len(items) == 2 else None

        log = await wait_until(both_delivered, what="the delivery log")
        assert {d["event_type"] for d in log} == {"CatalogEntryAdded", "CatalogEntryRemoved"}
        assert all(d["aggregate_id"] == "long-xuyen" and d["attempts"] == 1 and d["last_status_code"] == 200
                   for d in log)


async def test_a_rotated_webhook_secret_signs_the_next_delivery_and_no_other(
    tmp_path: Path, receiver: Receiver,
) -> None:
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        await setup(client, settings)
        lx, tb = await operator(client, "long-xuyen"), await operator(client, "tinh-bien")
        hook = await subscribe(client, lx, "long-xuyen", receiver.url("long-xuyen"))
        other = await subscribe(client, tb, "tinh-bien", receiver.url("tinh-bien"))
        path = f"/trade/showrooms/long-xuyen/webhooks/{hook['id']}/secret-rotation"
        assert (await client.post(path, headers=tb)).status_code == 403, "another showroom's operator"
        rotated = await client.post(path, headers=lx)
        assert rotated.status_code == 200 and rotated.json()["secret"] not in (hook["secret"], other["secret"])
        new_secret = rotated.json()["secret"]
        product = await cert.certify("Mắm cá linh Châu Đốc")
        await client.put("/trade/showrooms/long-xuyen/assortment", headers=lx, json={"add": [product["product_id"]]})

        async def both_heard() -> tuple[Hit, Hit] | None:
            mine, theirs = receiver.at("long-xuyen"), receiver.at("tinh-bien")
            return (mine[0], theirs[0]) if mine and theirs else None

        mine, theirs = await wait_until(both_heard, what="a delivery to each showroom")
        assert signature_matches(new_secret, mine.body, mine.headers["x-ocop-signature"])
        assert not signature_matches(hook["secret"], mine.body, mine.headers["x-ocop-signature"])
        assert signature_matches(other["secret"], theirs.body, theirs.headers["x-ocop-signature"]), \
            "the other subscription keeps its secret"


async def test_a_slow_endpoint_is_retried_logged_and_can_be_redelivered(
    tmp_path: Path, receiver: Receiver,
) -> None:
    receiver.delay = 2.0  # longer than the 0.5 s allowed per attempt
    settings = Settings(data_dir=tmp_path)
    cert = Certification(tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        await setup(client, settings)
        lx = await operator(client, "long-xuyen")
        hook = await subscribe(client, lx, "long-xuyen", receiver.url("long-xuyen"))
        tra = await cert.certify("Trà khổ qua rừng Núi Cấm", stars=3)
        await listed(client, "province", tra["product_id"], True)
        r = await client.put("/trade/showrooms/long-xuyen/assortment", headers=lx,
                             json={"add": [tra["product_id"]]})
        assert r.status_code == 200

        async def failed() -> list[dict[str, Any]] | None:
            return await deliveries(client, lx, "long-xuyen", hook["id"], status="failed") or None

        item = (await wait_until(failed, timeout=30, what="the delivery to fail"))[0]
        assert item["event_type"] == "CatalogEntryAdded" and item["attempts"] == 3
        assert item["last_status_code"] is None and "timed out" in item["last_error"]
        assert item["next_attempt_at"] is None
        detail = await client.get(f"/trade/webhook-deliveries/{item['id']}", headers=lx)
        assert detail.status_code == 200, detail.text
        log = detail.json()["log"]
        assert len(log) == 3 and all("timed out" in a["error"] and a["status_code"] is None for a in log)
        assert all(a["duration_ms"] < 1500 for a in log), "each attempt is cut at its timeout"
        # between the end of one attempt and the start of the next: 0.1 s, then 0.2 s (backoff doubles)
        ends = [datetime.fromisoformat(a["at"]) for a in log]
        waits = [(ends[i + 1] - ends[i]).total_seconds() - log[i + 1]["duration_ms"] / 1000 for i in (0, 1)]
        assert waits[0] >= 0.09 and waits[1] >= 0.19, waits
        assert receiver.hits == 3

        other = await operator(client, "tinh-bien")
        assert (await client.get(f"/trade/webhook-deliveries/{item['id']}", headers=other)).status_code == 403
        denied = await client.post(f"/trade/webhook-deliveries/{item['id']}/redelivery", headers=other)
        assert denied.status_code == 403

        # the endpoint is fixed; the operator asks for the change again
        receiver.delay = 0.0
        again = await client.post(f"/trade/webhook-deliveries/{item['id']}/redelivery", headers=lx)
        assert again.status_code == 202, again.text
        assert again.json()["status"] == "pending" and again.json()["redeliveries"] == 1

        async def delivered() -> dict[str, Any] | None:
            d: dict[str, Any] = (await client.get(f"/trade/webhook-deliveries/{item['id']}", headers=lx)).json()
            return d if d["status"] == "delivered" else None

        done = await wait_until(delivered, what="the redelivery")
        assert done["redeliveries"] == 1 and done["attempts"] == 1 and len(done["log"]) == 4
        assert done["log"][-1]["status_code"] == 200
        [hit] = receiver.received
        assert hit.json()["type"] == "CatalogEntryAdded" and hit.json()["id"] == item["event_id"]
        assert signature_matches(hook["secret"], hit.body, hit.headers["x-ocop-signature"])


async def test_only_the_office_and_the_showrooms_operator_manage_its_webhooks(
    tmp_path: Path, receiver: Receiver,
) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["registry", "trade"]) as (client, _):
        await setup(client, settings)
        office = await as_role(client, Role.PROVINCE_OFFICE)
        lx, tb = await operator(client, "long-xuyen"), await operator(client, "tinh-bien")
        hook = await subscribe(client, office, "long-xuyen", receiver.url("long-xuyen"))
        base = "/trade/showrooms/long-xuyen/webhooks"

        for headers in (tb, await operator(client, None), await as_role(client, Role.ENTITY_USER)):
            assert (await client.post(base, headers=headers, json={"url": receiver.url("x")})).status_code == 403
            assert (await client.get(base, headers=headers)).status_code == 403
            assert (await client.get(f"{base}/{hook['id']}/deliveries", headers=headers)).status_code == 403
            assert (await client.delete(f"{base}/{hook['id']}", headers=headers)).status_code == 403
        assert (await client.get(base)).status_code == 401
        forbidden = await client.post(base, headers={**tb, "accept-language": "en"}, json={"url": receiver.url("x")})
        assert "your own showroom" in forbidden.json()["detail"]

        for headers in (office, await operator(client, "nowhere")):
            r = await client.post("/trade/showrooms/nowhere/webhooks", headers=headers,
                                  json={"url": receiver.url("x")})
            assert r.status_code == 404, r.text
            assert (await client.get("/trade/showrooms/nowhere/webhooks", headers=headers)).status_code == 404

        for url in ("ftp://pos.example/hook", "not a url at all", "http:///no-host"):
            bad = await client.post(base, headers=lx, json={"url": url})
            assert bad.status_code == 422, (url, bad.text)
            assert bad.json()["errors"][0]["field"] == "url"
        short = await client.post(base, headers=lx, json={"url": "x"})
        assert short.status_code == 422
        assert (await client.post(base, headers=lx, json={"url": receiver.url("x"), "secret": "short"})
                ).status_code == 422

        # another showroom's path does not reach this subscription
        assert (await client.delete(f"/trade/showrooms/tinh-bien/webhooks/{hook['id']}",
                                    headers=office)).status_code == 404
        assert (await client.get(f"/trade/showrooms/tinh-bien/webhooks/{hook['id']}/deliveries",
                                 headers=office)).status_code == 404
        assert (await client.get("/trade/showrooms/tinh-bien/webhooks", headers=tb)).json()["total"] == 0

        mine = await subscribe(client, lx, "long-xuyen", receiver.url("long-xuyen-2"))
        listed_ = (await client.get(base, headers=lx)).json()
        assert [w["id"] for w in listed_["items"]] == [hook["id"], mine["id"]]
        assert (await client.delete(f"{base}/{mine['id']}", headers=lx)).status_code == 204
        assert (await client.delete(f"{base}/{mine['id']}", headers=lx)).status_code == 404
        assert (await client.get(f"{base}/{mine['id']}/deliveries", headers=lx)).json()["items"] == []
        assert [w["id"] for w in (await client.get(base, headers=lx)).json()["items"]] == [hook["id"]]

        assert (await client.post("/trade/webhook-deliveries/nope/redelivery", headers=office)).status_code == 404
        assert (await client.get("/trade/webhook-deliveries/nope", headers=lx)).status_code == 404
