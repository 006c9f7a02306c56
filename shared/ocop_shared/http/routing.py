"""What a service's module-level routes depend on: its runtime and the guard, found on the
application by the service's name (`build_app` puts every runtime it serves on
`app.state.runtimes`). Routes declared at module level with these dependencies can be tested
with FastAPI's `dependency_overrides`, and type-checked like any other code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from fastapi import Request

if TYPE_CHECKING:
    from ..runtime import ServiceRuntime

E = TypeVar("E")


@cache  # one function per service: FastAPI runs a dependency once per request by identity
def runtime_of(service: str) -> Callable[[Request], ServiceRuntime]:
    def runtime(request: Request) -> ServiceRuntime:
        found: ServiceRuntime = request.app.state.runtimes[service]
        return found

    runtime.__name__ = f"{service}_runtime"
    return runtime


@cache
def guard_of(service: str) -> Callable[[Request], Awaitable[Any]]:
    """The service's guard as a route dependency: the caller (None on public routes), or
    401/403. `check_guarded` recognises it by its name."""
    async def authorize(request: Request) -> Any:
        return await request.app.state.runtimes[service].guard.authorize(request)

    return authorize


class Edge(Generic[E]):
    """Per-runtime state a service's routes need (a read cache, a use-case context), made once by
    the service's wiring and found again by its routes: `put` at wiring, `dependency` in an
    `Annotated[..., Depends(...)]` alias."""

    def __init__(self, service: str, name: str) -> None:
        self._service, self._key = service, f"{service}.{name}"

        def edge(request: Request) -> E:
            found: E = request.app.state.runtimes[self._service].state[self._key]
            return found

        edge.__name__ = f"{service}_{name}"
        self.dependency = edge

    def put(self, runtime: ServiceRuntime, value: E) -> E:
        runtime.state[self._key] = value
        return value
