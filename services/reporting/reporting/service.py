"""Wires the reporting service into its host."""

from __future__ import annotations

from pathlib import Path

from ocop_shared.contracts import AuditRecorded
from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec

from .adapters import tables
from .entrypoints.api import build_router
from .service_layer import audit, services


def build(runtime: ServiceRuntime) -> ServiceParts:
    return ServiceParts(router=build_router(runtime),
                        handlers={**services.HANDLERS, AuditRecorded: audit.on_audit_recorded})


SPEC = ServiceSpec(
    name="reporting",
    metadata=tables.metadata,
    outbox=tables.outbox,
    inbox=tables.inbox,
    migrations=Path(__file__).parent / "migrations",
    build=build,
    access=tables.access_grants,
    audit=tables.audit_log,
)
