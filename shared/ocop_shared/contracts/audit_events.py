"""The audit trail: every state-changing action, recorded by the service that did it in the
same transaction as the change, and published on `ocop.audit.v1` (append-only)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from . import topics
from .envelope import Envelope, Payload


class AuditRecordedPayload(Payload):
    record_id: str
    service: str
    actor: str = Field(description="Subject of who acted (a person, a client, or 'system:<job>').",
                       json_schema_extra={"x-personal-data": "basic"})
    actor_name: str = Field(default="", json_schema_extra={"x-personal-data": "basic"})
    actor_roles: list[str] = Field(default_factory=list,
                                   description="The roles the service's records gave them.")
    action: str = Field(description="What they did: the operation, e.g. "
                                    "'POST /registry/dossiers/{dossier_id}/filing'.")
    aggregate_type: str = Field(description="What changed, e.g. 'dossier', 'certificate'.")
    aggregate_id: str
    summary: str = Field(description="What changed, in a line.")
    refs: dict[str, str] = Field(default_factory=dict,
                                 description="Ids a search finds it by: product_id, entity_id, "
                                             "certificate_number, dossier_id, evaluation_id...")
    client_address: str | None = Field(default=None, json_schema_extra={"x-personal-data": "basic"},
                                       description="The client's IP address.")


class AuditRecorded(Envelope[AuditRecordedPayload]):
    """Somebody changed something (or downloaded a dossier file)."""

    topic: ClassVar[str] = topics.AUDIT
    type: Literal["AuditRecorded"] = "AuditRecorded"
    version: Literal[1] = 1
