"""What a service's module-level routes depend on: its runtime and the guard, found on the
application by the service's name (`build_app` puts every runtime it serves on
`app.state.runtimes`). Routes declared at module level with these dependencies can be tested
with FastAPI's `dependency_overrides`, and type-checked like any other code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from fastapi import Request

if TYPE_CHECKING:
    from ..runtime import ServiceRuntime


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
