"""Which failures are worth retrying forever, and how long to wait between tries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from ..observability.refusals import refusal_of
from ..storage.port import StorageUnavailable
from .transport import TransportUnavailable


def is_infrastructure_error(error: BaseException) -> bool:
    """Database, network or broker down: the event is fine, the world is not.

    Such failures are retried until the infrastructure returns; they never send
    an event to the dead-letter topic.
    """
    if isinstance(error, OperationalError | InterfaceError | TransportUnavailable
                  | StorageUnavailable):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if refusal_of(error) is not None:  # a credential refused: fixed by an operator, not the event
        return True
    return isinstance(error, ConnectionError | TimeoutError | OSError)


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 0.05
    max_seconds: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_seconds, self.base_seconds * (2 ** max(0, attempt - 1))))

    async def sleep(self, attempt: int) -> None:
        await asyncio.sleep(self.delay(attempt))
