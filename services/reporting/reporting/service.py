"""Wires the reporting service into its host."""

from __future__ import annotations

from pathlib import Path

from ocop_shared.contracts import (
    AuditRecorded,
    CatalogEntryAdded,
    CatalogEntryRemoved,
    CertificateExpired,
    CertificateExtended,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    EntityRegistered,
    EvaluationEscalated,
    FairExhibitorRegistered,
    ProductRegistered,
    ProductSubmitted,
    RecognitionDecided,
    Scored,
)
from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec

from .adapters import tables
from .entrypoints import api
from .service_layer import audit, services


def build(runtime: ServiceRuntime) -> ServiceParts:
    return ServiceParts(
        router=api.router,
        handlers={
            EntityRegistered: services.on_entity_registered,
            ProductRegistered: services.on_product_registered,
            ProductSubmitted: services.on_product_submitted,
            Scored: services.on_scored,
            EvaluationEscalated: services.on_evaluation_escalated,
            RecognitionDecided: services.on_recognition_decided,
            Certified: services.on_certified,
            CertificateRevoked: services.on_certificate_revoked,
            CertificateExpired: services.on_certificate_expired,
            CertificateSuperseded: services.on_certificate_superseded,
            CertificateExtended: services.on_certificate_extended,
            CatalogEntryAdded: services.on_catalog_entry_added,
            CatalogEntryRemoved: services.on_catalog_entry_removed,
            FairExhibitorRegistered: services.on_fair_exhibitor_registered,
            AuditRecorded: audit.on_audit_recorded,
        },
    )


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
