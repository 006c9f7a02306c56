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
from .config import TradeSettings
from .entrypoints import api, deps, tills, webhooks  # noqa: F401  (each module's routes join the router)
from .service_layer import projection
from .service_layer.webhooks import dispatcher_job


def build(runtime: ServiceRuntime) -> ServiceParts:
    config = TradeSettings()
    edge = tills.wire(runtime, config.catalog_recheck_seconds)
    return ServiceParts(
        router=deps.router,
        handlers={
            Certified: projection.on_certified_event,
            CertificateRevoked: projection.on_certificate_revoked,
            CertificateExpired: projection.on_certificate_expired,
            CertificateExtended: projection.on_certificate_extended_event,
            CertificateSuperseded: projection.on_certificate_superseded,
        },
        background=[dispatcher_job(runtime.uow, config), *edge.jobs(runtime)],
        produces=(topics.CATALOG, topics.FAIR),
        prepare_batch=projection.prepare_batch,
    )


SPEC = ServiceSpec(
    name="trade",
    metadata=tables.metadata,
    outbox=tables.outbox,
    inbox=tables.inbox,
    migrations=Path(__file__).parent / "migrations",
    build=build,
    access=tables.access_grants,
    audit=tables.audit_log,
)
