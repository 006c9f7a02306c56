"""Webhooks: signed deliveries to a real local endpoint, retries with backoff, a slow endpoint
recorded as failed, the delivery log and manual redelivery."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cert_platform import Platform, Receiver, platform

from helpers import wait_until
from ocop_shared.webhooks import signature_matches


@pytest.fixture(autouse=True)
def fast_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCOP_CERTIFICATION_WEBHOOK_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("OCOP_CERTIFICATION_WEBHOOK_BACKOFF_SECONDS", "0.1")
    monkeypatch.setenv("OCOP_CERTIFICATION_WEBHOOK_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("OCOP_CERTIFICATION_WEBHOOK_POLL_SECONDS", "0.05")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.stop()


async def subscribe(p: Platform, url: str, **extra: Any) -> dict[str, Any]:
    r = await p.client.post("/certification/webhooks", headers=p.office,
                            json={"url": url, "description": "Sở Công Thương", **extra})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def deliveries(p: Platform, subscription: str, **params: str) -> list[dict[str, Any]]:
    r = await p.client.get(f"/certification/webhooks/{subscription}/deliveries", headers=p.office, params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_a_certificate_event_is_delivered_with_a_valid_signature(tmp_path: Path, receiver: Receiver) -> None:
    async with platform(tmp_path) as p:
        sub = await subscribe(p, receiver.url)
        assert sub["secret"].startswith("whsec_") and sub["event_types"] == []
        listed = (await p.client.get("/certification/webhooks", headers=p.office)).json()
        assert listed["total"] == 1 and "secret" not in listed["items"][0]
        cert = await p.issue(stars=4)

        async def received() -> bool:
            return bool(receiver.received)

        await wait_until(received, what="the webhook")
        hit = receiver.received[0]
        assert signature_matches(sub["secret"], hit.body, hit.headers["x-ocop-signature"])
        assert not signature_matches("another-secret-entirely", hit.body, hit.headers["x-ocop-signature"])
        assert hit.headers["x-ocop-signature"].startswith("sha256=")
        assert int(hit.headers["x-ocop-timestamp"]) > 0
        assert hit.headers["x-ocop-event-type"] == "Certified"
        event = hit.json()
        assert event["type"] == "Certified" and event["payload"]["number"] == cert["number"]
        assert hit.headers["x-ocop-event-id"] == event["id"]
        certified = (await p.wait_for_event("Certified"))[0]  # the relay may follow the webhook
        assert event["id"] == str(certified.id), "the same event as on Kafka, byte for byte"

        async def delivered() -> list[dict[str, Any]] | None:
            items = await deliveries(p, sub["id"])
            return items if items and items[0]["status"] == "delivered" else None

        items = await delivered() or await wait_until(delivered, what="the delivery log")
        assert items[0]["attempts"] == 1 and items[0]["last_status_code"] == 200
        detail = (await p.client.get(f"/certification/webhook-deliveries/{items[0]['id']}", headers=p.office)).json()
        assert [a["status_code"] for a in detail["log"]] == [200]

        # a rotated secret signs what comes next; the old one nothing more
        rotated = await p.client.post(f"/certification/webhooks/{sub['id']}/secret-rotation", headers=p.office)
        assert rotated.status_code == 200 and rotated.json()["secret"] != sub["secret"]
        assert (await p.client.post("/certification/webhooks/nope/secret-rotation",
                                    headers=p.office)).status_code == 404
        await p.issue(stars=3)

        async def second() -> bool:
            return len(receiver.received) >= 2

        await wait_until(second, what="the next webhook")
        hit = receiver.received[-1]
        assert signature_matches(rotated.json()["secret"], hit.body, hit.headers["x-ocop-signature"])
        assert not signature_matches(sub["secret"], hit.body, hit.headers["x-ocop-signature"])


async def test_a_slow_endpoint_is_retried_then_failed_and_can_be_redelivered(tmp_path: Path,
                                                                            receiver: Receiver) -> None:
    receiver.delay = 2.0  # longer than the 0.5 s allowed per attempt
    async with platform(tmp_path) as p:
        sub = await subscribe(p, receiver.url, event_types=["Certified"])
        await p.issue()

        async def failed() -> list[dict[str, Any]] | None:
            items = await deliveries(p, sub["id"], status="failed")
            return items or None

        item = (await wait_until(failed, timeout=30, what="the delivery to fail"))[0]
        assert item["attempts"] == 3 and item["last_status_code"] is None
        assert "timed out" in item["last_error"] and item["next_attempt_at"] is None
        detail = (await p.client.get(f"/certification/webhook-deliveries/{item['id']}", headers=p.office)).json()
        log = detail["log"]
        assert len(log) == 3 and all("timed out" in a["error"] for a in log)
        assert all(a["duration_ms"] < 1500 for a in log), "each attempt is cut at its timeout"
        # between the end of one attempt and the start of the next: 0.1 s, then 0.2 s (backoff doubles)
        ends = [datetime.fromisoformat(a["at"]) for a in log]
        waits = [(ends[i + 1] - ends[i]).total_seconds() - log[i + 1]["duration_ms"] / 1000 for i in (0, 1)]
        assert waits[0] >= 0.09 and waits[1] >= 0.19, waits
        assert receiver.hits == 3

        # the endpoint is fixed; an operator asks for the event again
        receiver.delay = 0.0
        again = await p.client.post(f"/certification/webhook-deliveries/{item['id']}/redelivery", headers=p.office)
        assert again.status_code == 202 and again.json()["status"] == "pending"

        async def delivered() -> dict[str, Any] | None:
            d = (await p.client.get(f"/certification/webhook-deliveries/{item['id']}", headers=p.office)).json()
            return d if d["status"] == "delivered" else None

        done = await wait_until(delivered, what="the redelivery")
        assert done["redeliveries"] == 1 and done["attempts"] == 1 and len(done["log"]) == 4
        assert len(receiver.received) == 1 and receiver.received[0].json()["type"] == "Certified"


async def test_an_endpoint_answering_errors_is_retried_until_it_recovers(tmp_path: Path,
                                                                        receiver: Receiver) -> None:
    receiver.status = 503
    async with platform(tmp_path) as p:
        sub = await subscribe(p, receiver.url)
        await p.issue()

        async def tried_twice() -> bool:
            return receiver.hits >= 2

        await wait_until(tried_twice, what="two attempts")
        receiver.status = 200

        async def delivered() -> list[dict[str, Any]] | None:
            items = await deliveries(p, sub["id"], status="delivered")
            return items or None

        item = (await wait_until(delivered, what="the retry to succeed"))[0]
        detail = (await p.client.get(f"/certification/webhook-deliveries/{item['id']}", headers=p.office)).json()
        assert [a["status_code"] for a in detail["log"]][-1] == 200
        assert detail["log"][0]["status_code"] == 503 and detail["log"][0]["error"].startswith("HTTP 503")


async def test_subscriptions_filter_event_types_and_can_be_removed(tmp_path: Path, receiver: Receiver) -> None:
    async with platform(tmp_path) as p:
        bad = await p.client.post("/certification/webhooks", headers=p.office,
                                  json={"url": receiver.url, "event_types": ["Certified", "Nope"]})
        assert bad.status_code == 422 and "Nope" in bad.json()["detail"]
        bad = await p.client.post("/certification/webhooks", headers=p.office, json={"url": "ftp://x.example/y"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"

        revocations = await subscribe(p, receiver.url, event_types=["CertificateRevoked"])
        cert = await p.issue()
        r = await p.client.post(f"/certification/certificates/{cert['number']}/revocation", headers=p.office,
                                json={"grounds": [4], "decision_no": "7/QĐ-UBND", "reason": "Dùng sai nhãn OCOP"})
        assert r.status_code == 204

        async def got_revocation() -> bool:
            return bool(receiver.received)

        await wait_until(got_revocation, what="the revocation webhook")
        assert [h.json()["type"] for h in receiver.received] == ["CertificateRevoked"]
        assert [d["event_type"] for d in await deliveries(p, revocations["id"])] == ["CertificateRevoked"]

        gone = await p.client.delete(f"/certification/webhooks/{revocations['id']}", headers=p.office)
        assert gone.status_code == 204
        assert (await p.client.delete(f"/certification/webhooks/{revocations['id']}",
                                      headers=p.office)).status_code == 404
        assert (await p.client.get("/certification/webhooks", headers=p.office)).json()["total"] == 0
        await p.issue()
        assert len(receiver.received) == 1
        missing = await p.client.post("/certification/webhook-deliveries/nope/redelivery", headers=p.office)
        assert missing.status_code == 404
