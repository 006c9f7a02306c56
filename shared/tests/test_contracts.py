"""Events on the wire: round trips, malformed input, and the committed contracts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from ocop_cli.contracts_cmd import breaking_changes, generate
from ocop_shared.clock import ManualClock
from ocop_shared.contracts import ProductSubmitted, UnknownEventType, read_event
from ocop_shared.contracts.common import EntityFacts, EvaluationCase, LegalForm
from ocop_shared.contracts.registry_events import ProductSubmittedPayload
from ocop_shared.messaging.outbox import new_event

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


def _submitted() -> ProductSubmitted:
    payload = ProductSubmittedPayload(
        product_id="p1", submission_id="s1", round_id="2026-R1", case=EvaluationCase.FIRST,
        product_name="Mắm cá linh", product_set_no=9, regulation="26/2026/QĐ-TTg",
        entity=EntityFacts(entity_id="e1", name="HTX Châu Đốc", legal_form=LegalForm.COOPERATIVE,
                           commune_code="30280", province_code="89"),
    )
    return new_event(ProductSubmitted, payload, aggregate_id="p1", aggregate_version=2,
                     producer="registry", clock=ManualClock(datetime(2026, 5, 1, tzinfo=UTC)))


def test_event_round_trips_through_json() -> None:
    event = _submitted()
    again = read_event(event.to_json_bytes())
    assert again == event
    assert isinstance(again, ProductSubmitted)
    assert again.payload.entity.name == "HTX Châu Đốc"


def test_product_submitted_validates_against_committed_schema() -> None:
    committed = json.loads((CONTRACTS / "events.schema.json").read_text(encoding="utf-8"))
    schema = committed["topics"]["ocop.registry.product.v1"]["ProductSubmitted.v2"]
    jsonschema.validate(json.loads(_submitted().to_json_bytes()), schema)
    broken = json.loads(_submitted().to_json_bytes())
    del broken["payload"]["round_id"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_malformed_bytes_are_rejected() -> None:
    with pytest.raises(ValidationError):
        read_event(b"not json at all")
    body = json.loads(_submitted().to_json_bytes())
    body["payload"]["product_set_no"] = "nine"
    with pytest.raises(ValidationError):
        read_event(json.dumps(body).encode())


def test_unknown_event_type_is_told_apart_from_malformed() -> None:
    body = json.loads(_submitted().to_json_bytes())
    body["type"] = "ProductArchived"
    with pytest.raises(UnknownEventType):
        read_event(json.dumps(body).encode())
    body["type"], body["version"] = "ProductSubmitted", 7
    with pytest.raises(UnknownEventType):
        read_event(json.dumps(body).encode())


def test_envelope_rejects_naive_timestamps_and_bad_versions() -> None:
    body = json.loads(_submitted().to_json_bytes())
    body["occurred_at"] = "2026-05-01T00:00:00"
    with pytest.raises(ValidationError):
        read_event(json.dumps(body).encode())
    body = json.loads(_submitted().to_json_bytes())
    body["aggregate_version"] = 0
    with pytest.raises(ValidationError):
        read_event(json.dumps(body).encode())
    body = json.loads(_submitted().to_json_bytes())
    body["id"] = str(uuid.uuid4())[:8]
    with pytest.raises(ValidationError):
        read_event(json.dumps(body).encode())


def test_committed_contracts_are_up_to_date_and_compatible() -> None:
    """`ocop contracts export` was run after the last contract change, and nothing breaks."""
    assert breaking_changes(CONTRACTS) == []
    for name, document in generate().items():
        committed = json.loads((CONTRACTS / name).read_text(encoding="utf-8"))
        assert committed == json.loads(json.dumps(document)), (
            f"contracts/{name} is stale: run `ocop contracts export`")


def test_asyncapi_lists_every_topic_and_who_consumes_it() -> None:
    doc = generate()["asyncapi.json"]
    addresses = {c["address"] for c in doc["channels"].values()}
    assert "ocop.registry.product.v1" in addresses
    assert "ocop.dlq.certification" in addresses
    assert "certification_consumes_ocop_scoring_evaluation_v1" in doc["operations"]
    assert doc["asyncapi"] == "3.0.0"
