"""Helpers of the scoring service tests (not a test module): submissions put on the embedded
bus as the registry would, councils, members' tokens, sheets, and the events scoring wrote."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from helpers import ROOT, as_role, member_login, wait_until
from ocop_shared.auth import Role
from ocop_shared.contracts import ProductSubmitted, SubmissionWithdrawn, read_event, topics
from ocop_shared.contracts.common import EntityFacts, EvaluationCase, LegalForm
from ocop_shared.contracts.registry_events import ProductSubmittedPayload, SubmissionWithdrawnPayload
from ocop_shared.messaging.embedded import EmbeddedLog
from ocop_shared.messaging.transport import OutboundMessage
from ocop_shared.regulations import ProductSet, sheet
from ocop_shared.settings import Settings

QD26 = "26/2026/QĐ-TTg"
QD1048 = "1048/QĐ-TTg"
ROUND = "AG-2026-R2"
CHAU_DOC = "30316"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCHEMA = json.loads((ROOT / "contracts" / "events.schema.json").read_text(encoding="utf-8"))

# chair + three members + a secretary, from the departments 26/2026 names
MEMBERS = (
    {"member_id": "chu-tich", "name": "Nguyễn Thị Hồng", "role": "chair",
     "department": "UBND tỉnh An Giang"},
    {"member_id": "tv-nnmt", "name": "Trần Văn Bình", "role": "member",
     "department": "Sở Nông nghiệp và Môi trường"},
    {"member_id": "tv-ct", "name": "Lê Thị Cúc", "role": "member", "department": "Sở Công Thương"},
    {"member_id": "tv-yt", "name": "Phạm Văn Dũng", "role": "member", "department": "Sở Y tế"},
    {"member_id": "thu-ky", "name": "Võ Thị Em", "role": "secretary",
     "department": "Văn phòng Điều phối nông thôn mới tỉnh"},
)
VOTERS = ("chu-tich", "tv-nnmt", "tv-ct", "tv-yt")


def top(product_set: ProductSet) -> dict[str, int]:
    """The highest option of every leaf (two-case criteria: of the first case)."""
    out = {}
    for leaf in product_set.leaves():
        options = leaf.options_in_case(leaf.cases[0]) if leaf.cases else leaf.options
        out[leaf.code] = options[-1].index
    return out


def with_(base: Mapping[str, int], **changes: int) -> dict[str, int]:
    """`base` with some choices changed: `c4_1=2` sets criterion 4.1 to option 2."""
    out = dict(base)
    for key, index in changes.items():
        out[key.removeprefix("c").replace("_", ".")] = index
    return out


S1, S8, S26 = sheet(QD26, 1), sheet(QD26, 8), sheet(QD26, 26)
TOP1, TOP8, TOP26 = top(S1), top(S8), top(S26)

# Set 8, total 70, every 3★ and 4★ minimum met (hand-built from the sheet; see the tests):
# A 35 = 1.1:1 1.2:2 1.3:3 1.4:3 1.5:2 1.6:3 1.7:1 2.1:3 2.2:2 2.3:3 2.4:1 3.1:3 3.2:1 3.3:3 3.4:2 3.5:2
# B 15 = 4.1:3 4.2:3 4.3:2 5.1:5 5.2:1 5.3:1
# C 20 = 6.1:2 6.2:2 6.3:2 6.4:2 6.5:2 7:3 8:2 9:3 10:1 11:1
FOUR70 = {"1.1": 0, "1.2": 2, "1.3": 2, "1.4": 2, "1.5": 2, "1.6": 2, "1.7": 1, "2.1": 2, "2.2": 2,
          "2.3": 2, "2.4": 1, "3.1": 2, "3.2": 1, "3.3": 2, "3.4": 1, "3.5": 1, "4.1": 2, "4.2": 3,
          "4.3": 2, "5.1": 4, "5.2": 1, "5.3": 1, "6.1": 2, "6.2": 2, "6.3": 2, "6.4": 2, "6.5": 2,
          "7": 2, "8": 0, "9": 1, "10": 0, "11": 0}
SIXTY_NINE = with_(FOUR70, c6_2=1)  # 6.2: 2 -> 1 point
# + 4.3 (2->5), 5.3 (1->5), 6.2 (2->3), 10 (1->2), 11 (1->2) = 80
EIGHTY = with_(FOUR70, c4_3=4, c5_3=3, c6_2=3, c10=1, c11=1)


class Desk:
    """The office, the council members and the bus, around one running platform."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings, office: dict[str, str]) -> None:
        self.http = client
        self.settings = settings
        self.office = office
        self.log_path = settings.data_dir / "bus.sqlite3"

    @classmethod
    async def open(cls, client: httpx.AsyncClient, settings: Settings) -> Desk:
        return cls(client, settings, await as_role(client, Role.PROVINCE_OFFICE))

    async def member(self, member_id: str, *, chair: bool = False) -> dict[str, str]:
        """Whoever signs in to the seat `member_id` (the councils here give each seat the login
        `member_login(member_id)`)."""
        return await as_role(self.http, Role.COUNCIL_MEMBER, subject=member_id)

    async def as_(self, member_id: str) -> dict[str, str]:
        return await self.member(member_id)

    # -- the bus ------------------------------------------------------------------------
    async def _append(self, topic: str, key: str, body: bytes) -> None:
        log = EmbeddedLog(self.log_path)
        await log.open()
        try:
            await log.append([OutboundMessage(topic, key, body)])
        finally:
            await log.close()

    async def submit(self, *, set_no: int, regulation: str = QD26, round_id: str = ROUND,
                     commune: str = CHAU_DOC, product_name: str = "Khô cá lóc Sáu Tâm",
                     entity_name: str = "Cơ sở Khô cá lóc Sáu Tâm", case: str = "first",
                     entity_id: str | None = None) -> dict[str, Any]:
        """A ProductSubmitted as the registry publishes it; returns the opened evaluation."""
        product_id, submission_id = str(uuid.uuid4()), str(uuid.uuid4())
        event = ProductSubmitted(
            id=uuid.uuid4(), occurred_at=datetime.now(UTC), producer="registry",
            aggregate_id=product_id, aggregate_version=2, correlation_id=str(uuid.uuid4()),
            payload=ProductSubmittedPayload(
                product_id=product_id, submission_id=submission_id, round_id=round_id,
                case=EvaluationCase(case), product_name=product_name, product_set_no=set_no,
                regulation=regulation,
                entity=EntityFacts(entity_id=entity_id or str(uuid.uuid4()), name=entity_name,
                                   legal_form=LegalForm.HOUSEHOLD, commune_code=commune,
                                   province_code="91")))
        await self._append(topics.PRODUCT, product_id, event.to_json_bytes())
        return await self.evaluation_of(product_id)

    async def withdraw(self, evaluation: Mapping[str, Any]) -> None:
        event = SubmissionWithdrawn(
            id=uuid.uuid4(), occurred_at=datetime.now(UTC), producer="registry",
            aggregate_id=evaluation["product_id"], aggregate_version=3,
            correlation_id=str(uuid.uuid4()),
            payload=SubmissionWithdrawnPayload(product_id=evaluation["product_id"],
                                               submission_id=evaluation["submission_id"],
                                               reason="Chủ thể rút hồ sơ"))
        await self._append(topics.PRODUCT, evaluation["product_id"], event.to_json_bytes())

    async def evaluation_of(self, product_id: str, level: str | None = None) -> dict[str, Any]:
        async def opened() -> dict[str, Any] | None:
            r = await self.http.get("/scoring/evaluations", headers=self.office,
                                    params={"product_id": product_id, "status": "open",
                                            **({"level": level} if level else {})})
            items = r.json() if r.status_code == 200 else []
            return items[0] if items else None

        return await wait_until(opened, what=f"the evaluation of {product_id}")

    async def events(self, topic: str = topics.EVALUATION) -> list[Any]:
        log = EmbeddedLog(self.log_path)
        await log.open()
        try:
            return [read_event(m.value) for m in await log.read(topic, 0)]
        finally:
            await log.close()

    async def events_of(self, evaluation_id: str, kind: str | None = None) -> list[Any]:
        async def some() -> list[Any] | None:
            found = [e for e in await self.events() if e.aggregate_id == evaluation_id
                     and (kind is None or e.type == kind)]
            return found or None

        return await wait_until(some, what=f"{kind or 'events'} of {evaluation_id}")

    # -- the office ---------------------------------------------------------------------
    async def council(self, *, round_id: str = ROUND, level: str = "province",
                      members: Any = MEMBERS, **fields: Any) -> dict[str, Any]:
        body = {"round_id": round_id, "level": level,
                "name": f"Hội đồng đánh giá, phân hạng sản phẩm OCOP ({level})",
                "establishment_ref": "QĐ 2150/QĐ-UBND ngày 01/10/2026",
                "members": [{"login": member_login(m["member_id"]), **m} for m in members],
                **fields}
        r = await self.http.post("/scoring/councils", headers=self.office, json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def configure_round(self, round_id: str, regulation: str, **fields: Any) -> dict[str, Any]:
        r = await self.http.put(f"/scoring/rounds/{round_id}", headers=self.office,
                                json={"regulation": regulation, **fields})
        assert r.status_code == 200, r.text
        return dict(r.json())

    # -- the council --------------------------------------------------------------------
    async def hand_in(self, evaluation_id: str, member_id: str, choices: Mapping[str, int],
                      **extra: Any) -> httpx.Response:
        return await self.http.post(f"/scoring/evaluations/{evaluation_id}/sheet/submission",
                                    headers=await self.as_(member_id),
                                    json={"choices": dict(choices), **extra})

    async def hand_in_ok(self, evaluation_id: str, member_id: str, choices: Mapping[str, int],
                         **extra: Any) -> dict[str, Any]:
        r = await self.hand_in(evaluation_id, member_id, choices, **extra)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def finalise(self, evaluation_id: str, chair: str = "chu-tich",
                       decision_ref: str = "BB 12/HĐ-OCOP ngày 15/11/2026",
                       **extra: Any) -> httpx.Response:
        return await self.http.post(f"/scoring/evaluations/{evaluation_id}/finalisation",
                                    headers=await self.member(chair, chair=True),
                                    json={"decision_ref": decision_ref, **extra})

    async def finalise_ok(self, evaluation_id: str, **extra: Any) -> dict[str, Any]:
        r = await self.finalise(evaluation_id, **extra)
        assert r.status_code == 200, r.text
        return dict(r.json())


def problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert a problem+json answer with that status and type slug; returns its body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["type"].endswith(f"/problems/{code}"), body
    assert body["detail"] and "Traceback" not in r.text
    return body


def valid_against_schema(event: Any) -> None:
    import jsonschema

    document = json.loads(event.model_dump_json())
    jsonschema.validate(document, SCHEMA["topics"][event.topic][f"{event.type}.v{event.version}"])
