"""Generate the published contracts from the code: JSON Schema per event and AsyncAPI 3."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from .catalogue import EVENTS_BY_TOPIC, topic_union
from .envelope import Envelope
from .personal import MARK, kinds_in
from .topics import dead_letter_topic

SERVICES_PRODUCING = {
    "ocop.registry.entity.v1": "registry",
    "ocop.registry.product.v1": "registry",
    "ocop.scoring.evaluation.v1": "scoring",
    "ocop.certification.certificate.v1": "certification",
    "ocop.inspection.finding.v1": "department systems",
    "ocop.trade.catalog.v1": "trade",
    "ocop.trade.fair.v1": "trade",
    "ocop.registry.access.v1": "registry",
    "ocop.audit.v1": "every service (its audit trail)",
}


def event_schemas() -> dict[str, Any]:
    return {
        "topics": {
            topic: {cls.event_key(): cls.model_json_schema() for cls in classes}
            for topic, classes in EVENTS_BY_TOPIC.items()
        }
    }


def _message(cls: type[Envelope[Any]]) -> dict[str, Any]:
    """One event type as an AsyncAPI message: its headers, Kafka key and payload schema."""
    name = cls.__name__
    return {
        "name": cls.event_key(),
        "title": name,
        "summary": (cls.__doc__ or name).strip().splitlines()[0],
        "contentType": "application/json",
        # the kinds of personal data its payload carries ([] none); the fields say which
        MARK: kinds_in(cls.model_json_schema()),
        "headers": {"type": "object", "properties": {
            "ocop-event-id": {"type": "string"},
            "ocop-event-type": {"type": "string", "const": cls.model_fields["type"].default},
            "ocop-event-version": {"type": "string"},
            "ocop-correlation-id": {"type": "string"},
            "traceparent": {"type": "string"},
        }},
        "bindings": {"kafka": {"key": {"type": "string",
                                       "description": "aggregate_id"}}},
        "payload": {"$ref": f"#/components/schemas/{name}"},
    }


def asyncapi(consumers: dict[str, list[str]]) -> dict[str, Any]:
    """AsyncAPI 3.0 document; `consumers` maps consumer group -> topics it subscribes to."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for topic, classes in EVENTS_BY_TOPIC.items():
        channel_id = topic.replace(".", "_")
        union_schema = TypeAdapter(topic_union(topic)).json_schema(
            ref_template="#/components/schemas/{model}")
        schemas.update(union_schema.pop("$defs", {}))
        messages = {}
        for cls in classes:
            name = cls.__name__
            schemas.setdefault(name, cls.model_json_schema(
                ref_template="#/components/schemas/{model}"))
            schemas[name].pop("$defs", None)
            messages[name] = _message(cls)
        channels[channel_id] = {
            "address": topic,
            "description": f"Produced by {SERVICES_PRODUCING.get(topic, '?')}; "
                           "key = aggregate id, so one aggregate's events stay ordered.",
            "messages": messages,
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"{SERVICES_PRODUCING.get(topic, '?')} publishes",
        }
        for service, subscribed in sorted(consumers.items()):
            if topic in subscribed:
                operations[f"{service}_consumes_{channel_id}"] = {
                    "action": "receive",
                    "channel": {"$ref": f"#/channels/{channel_id}"},
                    "summary": f"{service} consumes (group '{service}')",
                }
    for service in sorted(consumers):
        dlq = dead_letter_topic(service)
        channels[dlq.replace(".", "_")] = {
            "address": dlq,
            "description": f"Dead letters of consumer group '{service}': the original bytes "
                           "and headers plus ocop-dlq-* headers giving the error.",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "OCOP platform events",
            "version": "1.0.0",
            "description": "Integration events of the OCOP platform. Every message "
                           "is an envelope {id, type, version, occurred_at, producer, "
                           "aggregate_id, aggregate_version, correlation_id, causation_id, "
                           "payload}.",
        },
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka"}},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas},
    }
