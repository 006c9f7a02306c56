"""Revision 0002 on a database that already holds certificates issued by revision 0001."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alembic import command
from cert_platform import START, platform
from sqlalchemy import text
from sqlalchemy.engine import Connection

from certification.service import SPEC
from ocop_shared.clock import ManualClock
from ocop_shared.db.engine import create_engine
from ocop_shared.db.migrations import alembic_config


async def test_certificates_from_before_0002_are_verified_and_scheduled(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'certification.sqlite3'}"
    engine = create_engine(url)
    config = alembic_config(SPEC.migrations, url)

    def to_0001(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text(
            "INSERT INTO certificates (id, number, evaluation_id, product_id, product_code, product_name, "
            "entity_id, entity_name, stars, regulation, decision_no, authority, issued_on, valid_until, "
            "status, version) VALUES ('c-old', '91-2026-00001', 'ev-old', 'p-old', '91-30316-1-2026', "
            "'Đường thốt nốt Tri Tôn', 'e-old', 'HTX Thốt nốt', 3, '26/2026/QĐ-TTg', 'QĐ 1/QĐ-UBND', "
            "'UBND tỉnh An Giang', '2026-06-15', '2029-06-14', 'active', 1)"))
        connection.execute(text(
            "INSERT INTO certificate_history (certificate_id, at, status, reason) "
            "VALUES ('c-old', '2026-06-15 03:00:00.000000', 'active', 'issued on result 61.00 (3★)')"))

    async with engine.begin() as connection:
        await connection.run_sync(to_0001)
    await engine.dispose()

    clock = ManualClock(START + timedelta(days=10))
    async with platform(tmp_path, clock=clock) as p:  # starting the service upgrades to head
        page = await p.verify("91-2026-00001")
        assert page["status"] == "active" and page["decision_date"] == "2026-06-15"
        assert page["history"][0]["on"] == "2026-06-15" and page["history"][0]["from_status"] is None
        assert (await p.run_scheduler())["notices"] == []  # nothing due yet; now scheduled
        listed = (await p.client.get("/certification/certificates", headers=p.office)).json()["items"]
        assert datetime.fromisoformat(listed[0]["next_notice_at"]) == datetime(2028, 12, 15, 17, tzinfo=UTC)
        clock.set(datetime(2029, 6, 15, 1, tzinfo=UTC))
        assert [n["kind"] for n in (await p.run_scheduler())["notices"]] == [
            "rerating_window_opens", "rerating_reminder", "expired"]
        expired = (await p.wait_for_event("CertificateExpired"))[0]
        assert expired.aggregate_version == 4 and expired.payload.expired_on == date(2029, 6, 15)
