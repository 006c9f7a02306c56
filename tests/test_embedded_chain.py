"""Embedded mode: the whole chain in one process, with duplicates and a malformed message."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from certification.adapters.tables import certificates
from helpers import as_role, run_chain, running_platform, tax_code, wait_until
from ocop_shared.auth import Role
from ocop_shared.contracts import topics
from ocop_shared.messaging.embedded import EmbeddedLog
from ocop_shared.messaging.transport import OutboundMessage
from ocop_shared.settings import Settings
from trade.adapters.tables import catalog_items


async def _log(tmp_path: Path) -> EmbeddedLog:
    log = EmbeddedLog(tmp_path / "bus.sqlite3")
    await log.open()
    return log


async def test_chain_runs_from_submission_to_catalog(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _runtimes):
        ids = await run_chain(client, settings, registration_no=tax_code(101))

        async def catalog_has_product() -> dict[str, object] | None:
            body = (await client.get("/trade/catalogs/province")).json()
            found = [e for e in body["entries"] if e["product_id"] == ids["product_id"]]
            return found[0] if found else None

        entry = await wait_until(catalog_has_product, what="the catalog entry")
        assert entry["stars"] == 4
        verified = (await client.get(f"/certification/verify/{entry['certificate_number']}"))
        assert verified.status_code == 200
        assert verified.json()["status"] == "active"

        office = await as_role(client, Role.PROVINCE_OFFICE)

        async def timeline_certified() -> list[str] | None:
            body = (await client.get(f"/registry/products/{ids['product_id']}",
                                     headers=office)).json()
            statuses = [t["status"] for t in body["timeline"]]
            return statuses if "certified" in statuses else None

        statuses = await wait_until(timeline_certified, what="the registry timeline")
        assert statuses == ["draft", "submitted", "under_evaluation", "scored", "certified"]


async def test_duplicate_scored_event_makes_one_certificate(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, runtimes):
        ids = await run_chain(client, settings, registration_no=tax_code(102))
        by_name = {rt.name: rt for rt in runtimes}

        async def certificate_count() -> int:
            async with by_name["certification"].uow() as uow:
                return int(await uow.session.scalar(
                    select(func.count()).select_from(certificates)
                    .where(certificates.c.product_id == ids["product_id"])) or 0)

        await wait_until(certificate_count, what="the certificate")
        log = await _log(tmp_path)
        on_topic = await log.read(topics.EVALUATION, 0)
        scored = [m for m in on_topic if b'"type":"Scored"' in m.value]
        assert len(scored) == 1
        # The broker delivers the same event again (at-least-once), twice.
        await log.append([OutboundMessage(m.topic, m.key or "", m.value, m.headers)
                          for m in scored * 2])
        last = (await log.read(topics.EVALUATION, 0))[-1].offset
        assert len(await log.read(topics.EVALUATION, 0)) == len(on_topic) + 2

        async def drained() -> bool:
            return await log.committed("certification", topics.EVALUATION) > last

        await wait_until(drained, what="the duplicates to be consumed")
        assert await certificate_count() == 1

        async def trade_caught_up() -> bool:  # trade lists the certificate a moment later
            certified = await log.read(topics.CERTIFICATE, 0)
            return bool(certified) and await log.committed("trade", topics.CERTIFICATE) > certified[-1].offset

        await wait_until(trade_caught_up, what="trade to read every certificate event")
        async with by_name["trade"].uow() as uow:
            entries = await uow.session.scalar(
                select(func.count()).select_from(catalog_items)
                .where(catalog_items.c.product_id == ids["product_id"]))
        assert entries == 1
        await log.close()


async def test_malformed_event_is_dead_lettered_and_the_next_one_processed(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _runtimes):
        log = await _log(tmp_path)
        await log.append([OutboundMessage(topics.PRODUCT, "p-x", b'{"id": "garbage"')])
        ids = await run_chain(client, settings, registration_no=tax_code(103))

        async def parked() -> list[object] | None:
            letters = await log.read(topics.dead_letter_topic("scoring"), 0)
            return letters or None

        letters = await wait_until(parked, what="the dead letter")
        assert len(letters) == 1
        letter = letters[0]  # type: ignore[index]
        assert letter.value == b'{"id": "garbage"'
        assert letter.headers["ocop-dlq-error-kind"] == "malformed"
        assert letter.headers["ocop-dlq-original-topic"] == topics.PRODUCT
        assert "invalid event" in letter.headers["ocop-dlq-error"]
        assert ids["evaluation_id"]  # the valid submission after it was still evaluated
        await log.close()
