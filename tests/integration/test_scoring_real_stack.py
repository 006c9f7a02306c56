"""Scoring on the real stack: registry, scoring and certification as their own processes in
kafka mode (PostgreSQL, Kafka, the S3 server). A council scores over HTTP, the chair
finalises, and `Scored` is on the Kafka topic, valid against the published JSON Schema."""

from __future__ import annotations

import asyncio
import json

import httpx
import jsonschema
import pytest

from helpers import ROOT, PrefixRouter, api, as_role, submit_product, tax_code, wait_until
from ocop_cli.sandbox import Sandbox as Deployment
from ocop_shared.auth import Role
from ocop_shared.contracts import topics
from ocop_shared.messaging.kafka_tools import read_topics_from_start

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.s3]


async def start(deployment: Deployment, *services: str) -> dict[str, str]:
    processes = [deployment.process(name).start() for name in services]
    await asyncio.gather(*(p.wait_ready() for p in processes))
    return {name: p.url for name, p in zip(services, processes, strict=True)}


async def test_a_council_scores_over_http_and_scored_reaches_kafka(deployment: Deployment) -> None:
    urls = await start(deployment, "registry", "scoring", "certification")
    settings = deployment.settings
    async with httpx.AsyncClient(transport=PrefixRouter(urls), base_url="http://gateway",
                                 timeout=30) as c:
        ids = await submit_product(c, settings, registration_no=tax_code(601),
                                   product_name="Khô cá lóc Sáu Tâm", product_set_no=8)
        ocop = api(c, settings)
        evaluation = await ocop.open_evaluation(ids["product_id"])
        council = await ocop.ensure_council(evaluation["round_id"])
        member = next(m for m in council["members"] if m["role"] == "member")
        mine = (await c.get("/scoring/my/evaluations",
                            headers=await ocop.council_member_headers(member))).json()
        assert [e["id"] for e in mine["items"]] == [evaluation["id"]]
        # 76 + 74 + 74 + 73 = 297 / 4 = 74.25 -> 4★, each sheet meeting the 4★ minimums
        assert await ocop.score_by_council(evaluation["id"], "74.25", "BB 12/HĐ-OCOP") == 4
        await ocop.decide_when_awaiting(ids["product_id"])  # the province signs its decision
        minutes = await c.get(f"/scoring/evaluations/{evaluation['id']}/minutes",
                              headers=await ocop.office())
        assert minutes.status_code == 200 and minutes.content.startswith(b"%PDF-")
        stranger = await as_role(c, Role.ENTITY_USER, subject="chu-the")
        assert (await c.get(f"/scoring/evaluations/{evaluation['id']}/result",
                            headers=stranger)).status_code == 403

    async def scored_on_kafka() -> list[dict[str, object]] | None:
        records = await read_topics_from_start(settings.kafka_access(None),
                                               [deployment.namespace + topics.EVALUATION])
        found = [(r.key, json.loads(r.value)) for r in records]
        scored = [body for _key, body in found if body["type"] == "Scored"]
        assert all(key == body["aggregate_id"] for key, body in found), "keyed by the evaluation"
        return scored or None

    scored = await wait_until(scored_on_kafka, timeout=30, what="Scored on Kafka")
    assert len(scored) == 1
    schema = json.loads((ROOT / "contracts" / "events.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(scored[0], schema["topics"][topics.EVALUATION]["Scored.v1"])
    payload = scored[0]["payload"]
    assert isinstance(payload, dict)
    assert (payload["evaluation_id"], payload["level"], payload["stars"], payload["mean_score"],
            payload["recognising"]) == (evaluation["id"], "province", 4, "74.25", True)
    assert payload["part_scores"] and payload["capped_by"] == [] and payload["sheets_scored"] == 4
    assert scored[0]["aggregate_version"] == 3  # EvaluationOpened was 1, CouncilAssigned 2

    assert await deployment.fetchval(
        "scoring", "SELECT count(*) FROM member_sheets WHERE evaluation_id = $1 AND status = 'submitted'",
        evaluation["id"]) == 4
    assert await deployment.fetchval(
        "scoring", "SELECT decision FROM results WHERE evaluation_id = $1",
        evaluation["id"]) == "recognised"

    async def certified() -> bool:
        found = await deployment.fetchval(
            "certification", "SELECT count(*) FROM certificates WHERE evaluation_id = $1",
            evaluation["id"])
        return found == 1

    await wait_until(certified, timeout=30, what="the certificate from the Scored event")
