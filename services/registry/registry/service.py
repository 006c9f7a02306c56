"""Wires the registry into its host: tables, migrations, API, event handlers."""

from __future__ import annotations

from pathlib import Path

from ocop_shared.contracts import (
    CertificateExpired,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    EvaluationClosed,
    EvaluationOpened,
    Scored,
    topics,
)
from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec

from .adapters import tables
from .adapters.catalogue import PackagedCatalogue
from .adapters.places import PackagedPlaces
from .entrypoints.api import build_router
from .service_layer import services


def build(runtime: ServiceRuntime) -> ServiceParts:
    return ServiceParts(
        router=build_router(runtime, PackagedCatalogue(), PackagedPlaces(),
                            max_upload_bytes=runtime.settings.max_upload_bytes),
        handlers={
            EvaluationOpened: services.on_evaluation_opened,
            EvaluationClosed: services.on_evaluation_closed,
            Scored: services.on_scored,
            Certified: services.on_certified,
            CertificateRevoked: services.on_certificate_revoked,
            CertificateExpired: services.on_certificate_expired,
            CertificateSuperseded: services.on_certificate_superseded,
        },
        produces=(topics.ENTITY, topics.PRODUCT),
    )


SPEC = ServiceSpec(
    name="registry",
    metadata=tables.metadata,
    outbox=tables.outbox,
    inbox=tables.inbox,
    migrations=Path(__file__).parent / "migrations",
    build=build,
)
