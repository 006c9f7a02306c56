"""The envelope every integration event travels in.

`type` + `version` name the schema of `payload`. Concrete events subclass
`Envelope` with a Literal `type`/`version` and a typed payload, so each topic
gets a discriminated union and a JSON Schema generated from the code.
"""

from __future__ import annotations

import builtins
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

P = TypeVar("P", bound=BaseModel)
E = TypeVar("E", bound="Envelope[Any]")


class Payload(BaseModel):
    """Base of every event payload: immutable, and tolerant of fields added later."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class EnvelopeHeader(BaseModel):
    """The envelope without its payload: enough to route, deduplicate and order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: UUID = Field(description="Unique per event; consumers deduplicate on it.")
    type: str = Field(description="Event type name, e.g. 'Certified'.")
    version: int = Field(ge=1, description="Schema version of this event type.")
    occurred_at: AwareDatetime = Field(description="When it happened (UTC).")
    producer: str = Field(description="Service that produced the event.")
    aggregate_id: str = Field(description="Id of the aggregate; also the Kafka key.")
    aggregate_version: int = Field(ge=1, description="1, 2, 3... per aggregate, no gaps.")
    correlation_id: str = Field(description="Shared by every event of one business flow.")
    causation_id: str | None = Field(
        default=None, description="Id of the event or request that caused this one."
    )

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class Envelope(EnvelopeHeader, Generic[P]):
    """An event: header plus a typed payload."""

    topic: ClassVar[str]
    payload: P

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    def current(self) -> Envelope[Any]:
        """The event as the newest version of its type tells it. A superseded version (kept
        so that the events already on a topic stay readable) returns its successor, which is
        what `read_event` hands to consumers: they handle the newest version only."""
        return self

    def _as(self, successor: builtins.type[E], payload: BaseModel) -> E:
        """This event (same id, time, aggregate and flow) in a successor's schema."""
        return successor.model_validate({**self.model_dump(exclude={"payload", "type", "version"}),
                                         "payload": payload})

    @classmethod
    def event_key(cls) -> str:
        fields = cls.model_fields
        return f"{fields['type'].default}.v{fields['version'].default}"


def header_of(event: EnvelopeHeader) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude={"payload"})
