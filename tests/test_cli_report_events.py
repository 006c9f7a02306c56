"""`ocop report` and `ocop events tail` as a person runs them, against a running platform."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

from helpers import OcopProcess, api, run_ocop, use_people, wait_until
from ocop_cli.people import DEMO_PASSWORD, OFFICE_LOGIN, ProcessPeople
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import EntityRegistered, ProductSubmitted, Scored, topics
from ocop_shared.contracts.common import EntityFacts, EvaluationCase, LegalForm, Level
from ocop_shared.contracts.registry_events import EntityRegisteredPayload, ProductSubmittedPayload
from ocop_shared.contracts.scoring_events import ScoredPayload
from ocop_shared.messaging.embedded import EmbeddedLog
from ocop_shared.messaging.outbox import new_event
from ocop_shared.messaging.transport import OutboundMessage
from ocop_shared.settings import Settings

REG = "1048/QĐ-TTg"
PRODUCTS = (("Mắm cá linh Bảy Hồng", "30316", "884", "Thành phố Châu Đốc", 4),
            ("Khô trâu Tri Tôn", "30553", "891", "Huyện Tri Tôn", 3),
            ("Sữa bắp Long Xuyên", "30283", "883", "Thành phố Long Xuyên", 2))


def events() -> list[Any]:
    clock = ManualClock(datetime(2021, 8, 10, 3, tzinfo=UTC))
    out: list[Any] = []
    for index, (name, commune, district, district_name, stars) in enumerate(PRODUCTS):
        entity_id, product_id, submission_id, evaluation_id = (str(uuid.uuid4()) for _ in range(4))
        facts = EntityFacts(entity_id=entity_id, name=f"Cơ sở {index}", legal_form=LegalForm.HOUSEHOLD,
                            commune_code=commune, province_code="89")
        out.append(new_event(EntityRegistered, EntityRegisteredPayload(
            entity_id=entity_id, name=facts.name, legal_form=LegalForm.HOUSEHOLD,
            registration_no=f"89A80{index}2345", commune_code=commune, province_code="89",
            district_code=district, district_name=district_name), aggregate_id=entity_id,
            aggregate_version=1, producer="registry", clock=clock))
        out.append(new_event(ProductSubmitted, ProductSubmittedPayload(
            product_id=product_id, submission_id=submission_id, round_id="AG-2021-R1",
            case=EvaluationCase.FIRST, product_name=name, product_set_no=8, regulation=REG, entity=facts),
            aggregate_id=product_id, aggregate_version=2, producer="registry", clock=clock))
        out.append(new_event(Scored, ScoredPayload(
            evaluation_id=evaluation_id, product_id=product_id, submission_id=submission_id,
            round_id="AG-2021-R1", case=EvaluationCase.FIRST, regulation=REG, level=Level.PROVINCE,
            recognising=True, stars=stars, mean_score=Decimal(18 * stars + 1), part_scores={"A": Decimal(30)},
            council_decision_ref="QĐ 1/QĐ-UBND", product_name=name, product_set_no=8, entity_id=entity_id,
            entity_name=facts.name, commune_code=commune, province_code="89"),
            aggregate_id=evaluation_id, aggregate_version=1, producer="scoring", clock=clock))
    return out


# Over 60 lines: one platform started for the command line's report and event tail.
async def test_report_and_events_tail_from_the_command_line(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    platform = OcopProcess(["reporting"], {"OCOP_DATA_DIR": str(tmp_path)}, tmp_path / "reporting.log").start()
    try:
        await platform.wait_ready()
        log = EmbeddedLog(tmp_path / "bus.sqlite3")
        await log.open()
        await log.append([OutboundMessage(e.topic, e.aggregate_id, e.to_json_bytes()) for e in events()])
        await log.append([OutboundMessage(topics.EVALUATION, "broken", b'{"type": "Scored", "payload": 1}')])
        await log.close()

        people = ProcessPeople(settings, platform.url)
        async with httpx.AsyncClient(base_url=platform.url) as client:
            use_people(client, people)
            office = await api(client).office()

            async def projected() -> bool:
                r = await client.get("/reporting/reports/2021/annual", headers=office)
                return r.status_code == 200 and sum(d["entities"] for d in r.json()["by_district"]) == 3

            await wait_until(projected, timeout=30, what="the projection")

        code, out = await run_ocop("report", "2021", "--url", platform.url, data_dir=tmp_path)
        assert code == 1 and "ocop login" in out, "nobody signed in: no report"
        code, out = await run_ocop("login", "--login", OFFICE_LOGIN, "--url", platform.url,
                               "--password-stdin", data_dir=tmp_path, stdin="wrong password\n")
        assert code == 1, out
        code, out = await run_ocop("login", "--login", OFFICE_LOGIN, "--url", platform.url,
                               "--password-stdin", data_dir=tmp_path, stdin=f"{DEMO_PASSWORD}\n")
        assert code == 0, out
        code, out = await run_ocop("report", "2021", "--url", platform.url, data_dir=tmp_path)
        assert code == 0, out
        assert "Chỉ tiêu kế hoạch 2021" in out and "Sản phẩm tham gia đánh giá / evaluated" in out
        assert "2 (66.7%)" in out  # two of the three at 3★+
        code, out = await run_ocop("report", "2021", "--format", "xlsx", "--out", str(tmp_path / "r.xlsx"),
                               "--url", platform.url, data_dir=tmp_path)
        assert code == 0, out
        assert "Theo huyện, thị xã, thành phố" in load_workbook(tmp_path / "r.xlsx").sheetnames
        code, out = await run_ocop("report", "2021", "--format", "docx", data_dir=tmp_path)
        assert code == 2 and "choose --format from table, json, xlsx, pdf" in out
        code, out = await run_ocop("report", "2021", "--url", "http://127.0.0.1:9", data_dir=tmp_path)
        assert code == 1 and "the session is for" in out, "a session is for its own platform"
        code, out = await run_ocop("login", "--login", OFFICE_LOGIN, "--url", "http://127.0.0.1:9",
                               "--password-stdin", data_dir=tmp_path, stdin="x\n")
        assert code == 1 and "sign-in failed" in out

        code, out = await run_ocop("events", "tail", "--from-start", "--no-follow", data_dir=tmp_path)
        assert code == 0, out
        lines = out.splitlines()
        assert sum("Scored" in line for line in lines) == 3
        assert any("Khô trâu Tri Tôn" in line and "stars=3" in line for line in lines)
        assert any(line.startswith("10/08/2021 10:00:00") for line in lines)  # Vietnam time
        assert any("unreadable" in line for line in lines), "a malformed event is shown, not fatal"
        code, out = await run_ocop("events", "tail", "--from-start", "--no-follow", "--topic",
                               topics.ENTITY, "--limit", "2", data_dir=tmp_path)
        assert code == 0 and len([line for line in out.splitlines() if "EntityRegistered" in line]) == 2
        assert "Traceback" not in out
        code, out = await run_ocop("events", "tail", "--topic", "ocop.nothing", data_dir=tmp_path)
        assert code == 2 and "unknown topic" in out
    finally:
        platform.kill()
