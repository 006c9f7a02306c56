"""Who is acting in the current request: set by the guard, read when a unit of work commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    subject: str
    name: str
    roles: tuple[str, ...]
    client_address: str | None
    action: str  # "POST /registry/dossiers/{dossier_id}/filing"
    path_params: dict[str, str] = field(default_factory=dict)


_actor: ContextVar[Actor | None] = ContextVar("ocop_actor", default=None)


def current_actor() -> Actor | None:
    return _actor.get()


def set_actor(actor: Actor | None) -> None:
    _actor.set(actor)


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Name who acts for work done outside a request (an administrator's command)."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)
