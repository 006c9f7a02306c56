"""A unit of work over in-memory repositories, for unit tests of a service layer.

cosmicpython's pattern: a use case runs against fake repositories (plain Python
collections that behave like the real ones) and this unit of work, which keeps the events
it would have written to the outbox and says whether it committed. No database, no broker.
Like cosmicpython's, it does not undo the fakes' changes on rollback: a test asserts that
a refused use case did not commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from .clock import Clock, ManualClock
from .contracts.envelope import Envelope
from .db.uow import UnitOfWork
from .settings import Settings

T = TypeVar("T")


class FakeUnitOfWork(UnitOfWork):
    def __init__(
        self,
        repositories: Mapping[type[Any], object],
        *,
        clock: Clock | None = None,
        producer: str = "test",
        settings: Settings | None = None,
    ) -> None:
        super().__init__(cast(Any, None), outbox_table=cast(Any, None),
                         inbox_table=cast(Any, None),
                         clock=clock or ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
                         producer=producer, settings=settings)
        self._fakes = dict(repositories)
        self.events: list[Envelope[Any]] = []  # what committed transactions sent, in order
        self._pending: list[Envelope[Any]] = []
        self.commits = 0

    @property
    def session(self) -> AsyncSession:
        raise AssertionError("a use case reached for the database session: its query belongs "
                             "in a repository")

    def repository(self, kind: type[T]) -> T:
        try:
            return cast(T, self._fakes[kind])
        except KeyError:
            raise AssertionError(f"no fake {kind.__name__} was given to the unit of work") from None

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        self._pending.clear()
        self._tracked.clear()
        self._state.clear()
        self._before_commit.clear()
        self._after_commit.clear()

    async def emit(self, event: Envelope[Any]) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        await self.publish_tracked()
        for write in self._before_commit.values():
            await write()
        self._before_commit.clear()
        self.events.extend(self._pending)
        self._pending.clear()
        self.commits += 1
        self._state.clear()
        callbacks, self._after_commit = self._after_commit, {}
        for callback in callbacks.values():
            callback()

    def events_of(self, kind: type[T]) -> list[T]:
        return [event for event in self.events if isinstance(event, kind)]
