"""The compatibility checker itself: it must catch breaking changes and allow safe ones."""

from __future__ import annotations

import copy
from typing import Any

from ocop_shared.contracts.compat import event_changes, openapi_changes
from ocop_shared.contracts.export import event_schemas

TOPIC = "ocop.registry.product.v1"
EVENT = "ProductSubmitted.v2"


def _payload_schema(doc: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = doc["topics"][TOPIC][EVENT]["$defs"]["ProductSubmittedPayload"]
    return schema


def test_identical_catalogues_are_compatible() -> None:
    assert event_changes(event_schemas(), event_schemas()) == []


def test_adding_a_required_field_breaks() -> None:
    old = event_schemas()
    new = copy.deepcopy(old)
    payload = _payload_schema(new)
    payload["properties"]["district_code"] = {"type": "string"}
    payload["required"].append("district_code")
    problems = event_changes(old, new)
    assert any("district_code: new required field" in p for p in problems), problems


def test_adding_an_optional_field_is_compatible() -> None:
    old = event_schemas()
    new = copy.deepcopy(old)
    _payload_schema(new)["properties"]["district_code"] = {
        "anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    assert event_changes(old, new) == []


def test_removing_a_field_breaks() -> None:
    old = event_schemas()
    new = copy.deepcopy(old)
    del _payload_schema(new)["properties"]["round_id"]
    _payload_schema(new)["required"].remove("round_id")
    assert any("round_id: field removed" in p for p in event_changes(old, new))


def test_changing_a_field_type_breaks() -> None:
    old = event_schemas()
    new = copy.deepcopy(old)
    _payload_schema(new)["properties"]["product_set_no"]["type"] = "string"
    assert any("product_set_no" in p for p in event_changes(old, new))


def test_making_a_field_optional_breaks() -> None:
    old = event_schemas()
    new = copy.deepcopy(old)
    _payload_schema(new)["required"].remove("round_id")
    assert any("round_id: field became optional" in p for p in event_changes(old, new))


def test_removing_an_event_breaks_but_adding_one_does_not() -> None:
    old = event_schemas()
    removed = copy.deepcopy(old)
    del removed["topics"][TOPIC][EVENT]
    assert any("event removed" in p for p in event_changes(old, removed))
    added = copy.deepcopy(old)
    added["topics"][TOPIC]["ProductArchived.v1"] = {"type": "object"}
    assert event_changes(old, added) == []


def test_wording_changes_are_compatible() -> None:
    old = event_schemas()
    new = copy.deepcopy(old)
    _payload_schema(new)["properties"]["round_id"]["description"] = "Vòng đánh giá"
    assert event_changes(old, new) == []


def _api(required: list[str], response_props: dict[str, Any]) -> dict[str, Any]:
    return {"paths": {"/x": {"post": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "required": required}}}},
        "responses": {"200": {"content": {"application/json": {"schema": {
            "type": "object", "properties": response_props}}}}},
    }}}}


def test_openapi_new_required_request_field_breaks() -> None:
    problems = openapi_changes(_api(["a"], {"id": {}}), _api(["a", "b"], {"id": {}}))
    assert problems == ["POST /x body.b: request field became required"]


def test_openapi_removed_response_field_breaks_added_one_does_not() -> None:
    assert openapi_changes(_api(["a"], {"id": {}}), _api(["a"], {"id": {}, "n": {}})) == []
    assert openapi_changes(_api(["a"], {"id": {}, "n": {}}), _api(["a"], {"id": {}})) == [
        "POST /x 200.n: response field removed"]


def test_openapi_error_responses_are_one_problem_shape_and_a_success_media_type_is_kept() -> None:
    old, new = _api(["a"], {"id": {}}), _api(["a"], {"id": {}})
    old["paths"]["/x"]["post"]["responses"]["422"] = {"content": {"application/json": {"schema": {}}}}
    new["paths"]["/x"]["post"]["responses"]["422"] = {"content": {"application/problem+json": {"schema": {}}}}
    assert openapi_changes(old, new) == []
    new["paths"]["/x"]["post"]["responses"]["200"]["content"] = {"text/csv": {}}
    assert openapi_changes(old, new) == ["POST /x 200: application/json response removed"]


def test_openapi_removed_operation_breaks() -> None:
    assert openapi_changes(_api(["a"], {}), {"paths": {}}) == ["/x: path removed"]


def test_personal_data_marks_are_annotations_not_constraints() -> None:
    old = event_schemas()
    new = copy.deepcopy(old)
    _payload_schema(new)["properties"]["product_name"]["x-personal-data"] = "basic"
    assert event_changes(old, new) == [], "marking a field tells subscribers; it validates the same"
    del _payload_schema(new)["properties"]["product_name"]
    assert any("product_name: field removed" in p for p in event_changes(old, new))
