"""The shared webhook kit: signatures, the retry schedule, a delivery's state, scopes, the
tables a service adds, the repository's scope filter and one HTTP attempt."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.db.engine import create_engine, new_metadata, session_factory
from ocop_shared.webhooks import (
    Delivery,
    DeliveryStatus,
    RetryPolicy,
    Subscription,
    WebhookSettings,
    add_webhook_tables,
    signature,
    signature_matches,
)
from ocop_shared.webhooks.sender import AttemptResult, WebhookSender
from ocop_shared.webhooks.store import WebhookStore, WebhookTables

T0 = datetime(2026, 7, 1, tzinfo=UTC)


def test_the_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"type":"CatalogEntryRemoved","payload":{"catalog_id":"long-xuyen"}}'
    expected = hmac.new(b"whsec_k", body, hashlib.sha256).hexdigest()
    assert signature("whsec_k", body) == f"sha256={expected}"
    assert signature_matches("whsec_k", body, f"sha256={expected}")
    assert signature_matches("whsec_k", body, f" sha256={expected}\n"), "surrounding blanks are ignored"
    assert not signature_matches("whsec_k", body + b" ", f"sha256={expected}")
    assert not signature_matches("other", body, f"sha256={expected}")
    assert not signature_matches("whsec_k", body, expected), "the sha256= prefix is part of the value"


def test_backoff_doubles_is_capped_and_ends() -> None:
    policy = RetryPolicy(max_attempts=6, base_seconds=30, max_seconds=300)
    assert [policy.delay_after(n) for n in range(1, 7)] == [30, 60, 120, 240, 300, None]
    assert RetryPolicy(max_attempts=1).delay_after(1) is None
    default = RetryPolicy()
    assert [default.delay_after(n) for n in range(1, 7)] == [30, 60, 120, 240, 480, None]


def test_settings_become_the_dispatch_config() -> None:
    config = WebhookSettings(webhook_max_attempts=3, webhook_backoff_seconds=0.1,
                             webhook_timeout_seconds=0.5).webhook_config(user_agent="ocop-trade-webhooks/1")
    assert config.retry == RetryPolicy(max_attempts=3, base_seconds=0.1, max_seconds=6 * 3600.0)
    assert (config.timeout_seconds, config.poll_seconds, config.batch_size) == (0.5, 1.0, 20)
    assert config.user_agent == "ocop-trade-webhooks/1"


def delivery() -> Delivery:
    return Delivery(id="d1", subscription_id="s1", event_id="e1", event_type="CatalogEntryAdded",
                    status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=T0)


def test_failures_are_retried_then_recorded_as_failed_and_a_redelivery_starts_again() -> None:
    d = delivery()
    policy = RetryPolicy(max_attempts=2, base_seconds=10)
    d.failed(at=T0, status_code=503, error="HTTP 503", policy=policy)
    assert (d.status, d.attempts, d.next_attempt_at) == (DeliveryStatus.PENDING, 1, T0 + timedelta(seconds=10))
    d.failed(at=T0, status_code=None, error="timed out " * 200, policy=policy)
    assert (d.status, d.next_attempt_at, len(d.last_error or "")) == (DeliveryStatus.FAILED, None, 1000)
    d.redeliver(at=T0 + timedelta(hours=1))
    assert (d.status, d.attempts, d.redeliveries, d.next_attempt_at) == (
        DeliveryStatus.PENDING, 0, 1, T0 + timedelta(hours=1))
    d.succeeded(at=T0 + timedelta(hours=1), status_code=204)
    assert (d.status, d.attempts, d.last_status_code, d.last_error) == (DeliveryStatus.DELIVERED, 1, 204, None)


def subscription(id: str, scope: tuple[str, ...], active: bool = True) -> Subscription:
    return Subscription(id=id, url="http://127.0.0.1:9/hook", secret="whsec_x", scope=scope, description="",
                        active=active, created_by="tester", created_at=T0)


def test_a_scope_takes_events_offered_with_one_of_its_keys_and_empty_takes_all() -> None:
    # certification: the scope is event types; trade: the showroom followed
    assert subscription("a", ("Certified", "CertificateRevoked")).wants(["CertificateRevoked"])
    assert not subscription("a", ("Certified",)).wants(["CertificateExpired"])
    assert subscription("b", ("long-xuyen",)).wants(["long-xuyen"])
    assert not subscription("b", ("long-xuyen",)).wants(["tinh-bien"])
    assert subscription("c", ()).wants(["anything"])
    assert not subscription("d", (), active=False).wants(["anything"])


def test_a_service_adds_the_tables_with_its_own_names() -> None:
    metadata = new_metadata()
    tables = add_webhook_tables(metadata, prefix="pos_hook_", scope_column="event_types")
    assert sorted(metadata.tables) == ["pos_hook_attempts", "pos_hook_deliveries", "pos_hook_subscriptions"]
    assert "event_types" in tables.subscriptions.c and "scope" not in tables.subscriptions.c
    assert {ix.name for ix in tables.deliveries.indexes} >= {"ix_pos_hook_deliveries_due"}
    default = add_webhook_tables(new_metadata())
    assert default.subscriptions.name == "webhook_subscriptions" and "scope" in default.subscriptions.c


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[AsyncSession, WebhookTables]]:
    metadata = new_metadata()
    tables = add_webhook_tables(metadata, scope_column="event_types")
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hooks.sqlite3'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    async with session_factory(engine)() as session:
        yield session, tables
    await engine.dispose()


async def test_the_store_finds_the_subscriptions_following_a_key(
    store: tuple[AsyncSession, WebhookTables],
) -> None:
    session, tables = store
    repo = WebhookStore(session, tables)
    for s in (subscription("lx", ("long-xuyen",)), subscription("tb", ("tinh-bien",)),
              subscription("all", ()), subscription("both", ("tinh-bien", "long-xuyen")),
              subscription("prefix", ("long-xuyen-2",)), subscription("odd", ('a"b_%',)),
              subscription("gone", ("long-xuyen",), active=False)):
        await repo.add_subscription(s)
    assert [s.id for s in await repo.following(["long-xuyen"])] == ["all", "both", "lx"]
    assert [s.id for s in await repo.following(['a"b_%'])] == ["all", "odd"]
    assert [s.id for s in await repo.following(["a%"])] == ["all"], "LIKE wildcards are escaped"
    listed, total = await repo.list_subscriptions(limit=10, offset=0, scope_key="long-xuyen")
    assert ([s.id for s in listed], total) == (["both", "lx"], 2)
    assert (await repo.list_subscriptions(limit=10, offset=0))[1] == 6
    found = await repo.subscription("both")
    assert found is not None and found.scope == ("tinh-bien", "long-xuyen") and found.created_at == T0


async def test_one_attempt_is_bounded_by_the_timeout_and_never_raises() -> None:
    seen: list[dict[str, str]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:] if h)}
        await reader.readexactly(int(headers["content-length"]))
        seen.append(headers)
        if head[0].startswith("POST /slow"):
            await asyncio.sleep(2)
        status = b"503 Busy" if head[0].startswith("POST /busy") else b"204 No Content"
        writer.write(b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        try:
            await writer.drain()
        except ConnectionError:
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sender = WebhookSender(1.0, user_agent="ocop-test/1")  # generous: a loaded CI box
    try:
        def send(path: str) -> Awaitable[AttemptResult]:
            return sender.send(url=f"http://127.0.0.1:{port}/{path}", secret="whsec_k", body=b'{"id":"e1"}',
                               event_id="e1", event_type="T", delivery_id="d1", timestamp=1)

        ok = await send("ok")
        assert (ok.ok, ok.status_code, ok.error) == (True, 204, None)
        assert seen[0]["x-ocop-signature"] == signature("whsec_k", b'{"id":"e1"}')
        assert seen[0]["user-agent"] == "ocop-test/1" and seen[0]["x-ocop-delivery-id"] == "d1"
        busy = await send("busy")
        assert (busy.ok, busy.status_code, busy.error) == (False, 503, "HTTP 503")
        slow = await send("slow")
        assert (slow.ok, slow.status_code) == (False, None) and slow.error == "timed out after 1 s"
        assert slow.duration_ms < 3000, "bounded by the timeout, not the server's 4 s"
        server.close()
        await server.wait_closed()
        refused = await send("ok")
        assert not refused.ok and refused.status_code is None and refused.error
    finally:
        await sender.close()
        server.close()
