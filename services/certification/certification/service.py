"""Wires the certification service into its host."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from ocop_shared.contracts import Scored, topics
from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec

from .adapters import tables
from .entrypoints.api import build_router
from .service_layer import services


def build(runtime: ServiceRuntime) -> ServiceParts:
    return ServiceParts(
        router=build_router(runtime),
        handlers={Scored: partial(services.on_scored, base_url=runtime.settings.base_url())},
        produces=(topics.CERTIFICATE,),
    )


SPEC = ServiceSpec(
    name="certification",
    metadata=tables.metadata,
    outbox=tables.outbox,
    inbox=tables.inbox,
    migrations=Path(__file__).parent / "migrations",
    build=build,
)
