"""Aggregates record the events they raise; the unit of work publishes them when it commits.

An aggregate counts its own stream: each event it records takes the next version, so
`aggregate_version` is numbered here and nowhere else. The unit of work (or, in service-layer
unit tests, the fake one) turns what an aggregate recorded into envelopes with the flow's
correlation, its producer and its clock (`UnitOfWork.track`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .contracts.envelope import Envelope


@dataclass(frozen=True)
class Raised:
    """An event an aggregate raised, numbered in its stream, not yet sent."""

    event: type[Envelope[Any]]
    payload: BaseModel
    version: int


class Aggregate:
    """Mixin for an aggregate with an `id` and a `version` (events in its stream so far).

    Works with plain and dataclass aggregates; the pending events are kept outside the
    dataclass fields so they never reach equality, repr or persistence.
    """

    id: str
    version: int

    def record(self, event: type[Envelope[Any]], payload: BaseModel) -> None:
        self.version += 1
        self._pending().append(Raised(event, payload, self.version))

    def take_raised(self) -> list[Raised]:
        """The events recorded since the last call, oldest first; they are no longer pending."""
        raised = self._pending()
        taken = list(raised)
        raised.clear()
        return taken

    def _pending(self) -> list[Raised]:
        try:
            return self.__dict__["_raised_events"]  # type: ignore[no-any-return]
        except KeyError:
            pending: list[Raised] = []
            self.__dict__["_raised_events"] = pending
            return pending
