"""Personal data in the event contracts: every field that looks personal is marked (basic or
sensitive, Decree 13/2023/NĐ-CP), the registry sends nothing about the representative but the
criterion 3.2 answer, the AsyncAPI document says which messages carry what, and the events of
before (v1) are read as their successors."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from ocop_shared.contracts import EVENT_CLASSES, EVENTS_BY_TOPIC, EntityRegistered, ProductSubmitted, read_event, topics
from ocop_shared.contracts.personal import KINDS, MARK

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"

# Field names that may hold something about a natural person.
PERSONAL = re.compile(r"representative|owner|person|phone|mail|address|birth|gender|female|sex|"
                      r"ethnic|disab|health|citizen|id_number|identity|national_id|passport|"
                      r"registration_no|tax_code|login|actor|name", re.IGNORECASE)
# Names that match but hold nothing about a person ("Model.field" or any model's "field").
ALLOWED = {
    "product_name": "a product's name",
    "ProductRegisteredPayload.name": "a product's name",
    "entity_name": "the producer's registered business name, printed on its certificates and "
                   "the public register (a household business may be named after its owner: "
                   "that name is public by law)",
    "EntityRegisteredPayload.name": "the same business name",
    "EntityRegisteredV1Payload.name": "the same business name",
    "EntityFacts.name": "the same business name",
    "EntityFactsV1.name": "the same business name",
    "commune_name": "a place",
    "district_name": "a place",
    "fair_name": "an event",
    "filename": "an evidence file's name (the file itself stays in the registry)",
    "actor_roles": "role names; who acted is `actor`, marked",
}


def objects(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The event's schema and every model schema under it."""
    return [schema, *schema.get("$defs", {}).values()]


def marked_fields(cls: Any) -> dict[str, str]:
    """{"Model.field": kind} of every marked field of an event."""
    return {f"{o['title']}.{name}": prop[MARK] for o in objects(cls.model_json_schema())
            for name, prop in o.get("properties", {}).items() if MARK in prop}


def newest_versions() -> list[Any]:
    newest: dict[str, Any] = {}
    for cls in EVENT_CLASSES.values():
        name = cls.model_fields["type"].default
        if name not in newest or cls.model_fields["version"].default > newest[name].model_fields["version"].default:
            newest[name] = cls
    return list(newest.values())


def test_every_field_that_looks_personal_is_marked_basic_or_sensitive() -> None:
    unmarked, wrong = [], []
    for key, cls in EVENT_CLASSES.items():
        for o in objects(cls.model_json_schema()):
            for name, prop in o.get("properties", {}).items():
                if MARK in prop and prop[MARK] not in KINDS:
                    wrong.append(f"{key} {o['title']}.{name}: {prop[MARK]!r}")
                if PERSONAL.search(name) and MARK not in prop and name not in ALLOWED \
                        and f"{o['title']}.{name}" not in ALLOWED:
                    unmarked.append(f"{key} {o['title']}.{name}")
    assert not unmarked, f"mark these x-personal-data basic or sensitive (or allow them): {unmarked}"
    assert not wrong, f"a mark is 'basic' or 'sensitive': {wrong}"


def test_the_only_sensitive_fact_on_the_wire_is_the_criterion_3_2_answer() -> None:
    sensitive = {(cls.event_key(), field) for cls in newest_versions()
                 for field, kind in marked_fields(cls).items() if kind == "sensitive"}
    assert sensitive == {("ProductSubmitted.v2", "EntityFacts.representative_priority_group")}


def test_the_registrys_events_carry_nothing_about_the_representative_but_that_answer() -> None:
    forbidden = re.compile(r"ethnic|disab|female|gender|phone|mail|registration_no|tax_code|"
                           r"representative_name|id_number|citizen|identity|login", re.IGNORECASE)
    for cls in newest_versions():
        if cls.topic not in (topics.ENTITY, topics.PRODUCT):
            continue
        assert set(marked_fields(cls).values()) <= {"sensitive"}, cls.event_key()
        names = [name for o in objects(cls.model_json_schema()) for name in o.get("properties", {})]
        assert not [n for n in names if forbidden.search(n)], (cls.event_key(), names)


def test_asyncapi_says_which_messages_carry_personal_data_and_marks_the_3_2_fact() -> None:
    doc = json.loads((CONTRACTS / "asyncapi.json").read_text(encoding="utf-8"))
    messages = {m["name"]: m for c in doc["channels"].values() for m in c.get("messages", {}).values()}
    assert set(messages) == set(EVENT_CLASSES)
    assert all(isinstance(m[MARK], list) and set(m[MARK]) <= set(KINDS) for m in messages.values())
    assert messages["ProductSubmitted.v2"][MARK] == ["sensitive"]
    assert messages["ProductSubmitted.v1"][MARK] == ["basic", "sensitive"]
    assert messages["EntityRegistered.v2"][MARK] == [] and messages["Certified.v1"][MARK] == []
    assert messages["AccessGranted.v1"][MARK] == ["basic"]
    facts = doc["components"]["schemas"]["EntityFacts"]["properties"]
    assert facts["representative_priority_group"][MARK] == "sensitive"
    assert all(MARK not in p for n, p in facts.items() if n != "representative_priority_group")


def _v1(event_type: str, payload: dict[str, Any]) -> bytes:
    return json.dumps({"id": str(uuid.uuid4()), "type": event_type, "version": 1,
                       "occurred_at": "2026-03-01T02:00:00Z", "producer": "registry",
                       "aggregate_id": "a1", "aggregate_version": 3, "correlation_id": "c1",
                       "payload": payload}).encode()


def test_events_of_before_are_read_as_their_successor() -> None:
    entity = {"entity_id": "e1", "name": "Cơ sở Néang Sa Phya", "legal_form": "household",
              "commune_code": "30316", "province_code": "91"}
    submitted = {"product_id": "p1", "submission_id": "s1", "round_id": "R1", "case": "first",
                 "product_name": "Đường thốt nốt", "product_set_no": 9, "regulation": "26/2026/QĐ-TTg"}
    for facts, priority in (({}, False), ({"representative_female": True}, True),
                            ({"representative_ethnic_minority": True}, True),
                            ({"representative_disabled": True}, True)):
        raw = _v1("ProductSubmitted", {**submitted, "entity": {**entity, **facts}})
        event = read_event(raw)
        assert isinstance(event, ProductSubmitted) and event.event_key() == "ProductSubmitted.v2"
        assert event.payload.entity.representative_priority_group is priority
        assert str(event.id) == json.loads(raw)["id"] and event.aggregate_version == 3, "same event"
        assert b"ethnic" not in event.to_json_bytes()
    registered = read_event(_v1("EntityRegistered", {**entity, "registration_no": "089123456789"}))
    assert isinstance(registered, EntityRegistered) and registered.version == 2
    assert b"089123456789" not in registered.to_json_bytes()


def test_every_topic_keeps_reading_what_it_carried() -> None:
    committed = json.loads((CONTRACTS / "events.schema.json").read_text(encoding="utf-8"))
    for topic, classes in EVENTS_BY_TOPIC.items():
        assert set(committed["topics"][topic]) == {cls.event_key() for cls in classes}
