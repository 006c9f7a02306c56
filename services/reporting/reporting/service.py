"""Wires the reporting service into its host."""

from __future__ import annotations

from pathlib import Path

from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec

from .adapters import tables
from .entrypoints.api import build_router
from .service_layer import services


def build(runtime: ServiceRuntime) -> ServiceParts:
    return ServiceParts(router=build_router(runtime), handlers=dict(services.HANDLERS))


SPEC = ServiceSpec(
    name="reporting",
    metadata=tables.metadata,
    outbox=tables.outbox,
    inbox=tables.inbox,
    migrations=Path(__file__).parent / "migrations",
    build=build,
)
