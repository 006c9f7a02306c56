"""Wires the trade service into its host."""

from __future__ import annotations

from pathlib import Path

from ocop_shared.contracts import (
    CertificateExpired,
    CertificateExtended,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    topics,
)
from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec

from .adapters import tables
from .entrypoints.api import build_router
from .service_layer import services


def build(runtime: ServiceRuntime) -> ServiceParts:
    return ServiceParts(
        router=build_router(runtime),
        handlers={
            Certified: services.on_certified_event,
            CertificateRevoked: services.on_certificate_revoked,
            CertificateExpired: services.on_certificate_expired,
            CertificateExtended: services.on_certificate_extended_event,
            CertificateSuperseded: services.on_certificate_superseded,
        },
        produces=(topics.CATALOG,),
    )


SPEC = ServiceSpec(
    name="trade",
    metadata=tables.metadata,
    outbox=tables.outbox,
    inbox=tables.inbox,
    migrations=Path(__file__).parent / "migrations",
    build=build,
)
