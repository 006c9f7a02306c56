"""`ocop demo --mode kafka --small` on the real stack: the 2026 part of the story over Kafka,
PostgreSQL and the S3 server, with its own topics, databases and bucket."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from openpyxl import load_workbook

from helpers import free_port
from ocop_cli.demo import demo
from ocop_cli.platform import SERVICES
from ocop_cli.sandbox import Sandbox, pg_dsn
from ocop_shared.settings import Mode, Settings

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]


async def test_the_2026_story_on_kafka_postgres_and_s3(stack: Settings, tmp_path: Path) -> None:
    sandbox = Sandbox(stack, tmp_path, services=SERVICES, prefix="s")  # the demo makes its databases and topics itself
    run = sandbox.id
    settings = stack.model_copy(update={
        "mode": Mode.KAFKA, "kafka_namespace": sandbox.namespace, "database_prefix": f"ocop_{run}",
        "s3_bucket": f"ocop-{run}", "data_dir": tmp_path, "http_port": free_port()})
    try:
        result = await demo(settings, serve=False, small=True, quiet=True)
        await the_audit_trail_holds(f"{pg_dsn(stack)}/ocop_{run}")
    finally:
        await sandbox.remove()
    report = result.reports[2026]
    summary = report["summary"]
    assert (summary["evaluated"], summary["three_plus"], summary["national_evaluation"]) == (7, 6, 1)
    assert summary["revocations"] == 1 and summary["products_in_showrooms"] == 5
    assert {e["product_name"] for e in result.catalog["entries"]} == {
        "Mắm cá linh Châu Đốc", "Đường thốt nốt Tri Tôn", "Gạo Nàng Nhen Tịnh Biên",
        "Trà khổ qua rừng Núi Cấm", "Bánh pía sầu riêng Long Xuyên"}
    assert result.pos_removed == ["Khô cá lóc Út Hạnh"]
    files = {path.name: path for path in result.files}
    assert "Theo nhóm sản phẩm" in load_workbook(files["bao-cao-ocop-2026.xlsx"]).sheetnames
    assert files["bao-cao-ocop-2026.pdf"].read_bytes().startswith(b"%PDF")


async def the_audit_trail_holds(database: str) -> None:
    """Each service recorded who did what in its own PostgreSQL database, which refuses to
    change or delete a record; reporting gathered every service's records from Kafka."""
    for service in ("registry", "scoring", "certification", "trade"):
        conn = await asyncpg.connect(f"{database}_{service}")
        try:
            count = await conn.fetchval("SELECT count(*) FROM audit_log")
            assert count > 0, f"{service} recorded nothing"
            for statement in ("UPDATE audit_log SET summary = 'x'", "DELETE FROM audit_log",
                              "TRUNCATE audit_log"):
                with pytest.raises(asyncpg.RaiseError, match="append-only"):
                    await conn.execute(statement)
            assert await conn.fetchval("SELECT count(*) FROM audit_log") == count
        finally:
            await conn.close()
    conn = await asyncpg.connect(f"{database}_reporting")
    try:
        services = {r["service"] for r in await conn.fetch("SELECT DISTINCT service FROM audit_trail")}
    finally:
        await conn.close()
    assert {"registry", "scoring", "certification", "trade"} <= services, services
