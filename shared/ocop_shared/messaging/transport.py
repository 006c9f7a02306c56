"""What the relay and the consumers need from a message transport (Kafka or embedded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutboundMessage:
    topic: str
    key: str
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundMessage:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)
    timestamp_ms: int | None = None


class Producer(Protocol):
    """Publishes durably: returns only once every message is stored by the transport."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send_batch(self, messages: Sequence[OutboundMessage]) -> None: ...


class TransportUnavailable(Exception):
    """The transport could not take the message now; try again later."""
