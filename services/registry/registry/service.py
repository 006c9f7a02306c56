"""Wires the registry into its host: tables, migrations, API, event handlers."""

from __future__ import annotations

from pathlib import Path

from ocop_shared.auth import Access, VerifiedToken
from ocop_shared.contracts import (
    CertificateExpired,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    CouncilAssigned,
    EvaluationClosed,
    EvaluationOpened,
    Scored,
    topics,
)
from ocop_shared.readcache import ReadCache
from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec

from .adapters import tables
from .adapters.catalogue import PackagedCatalogue
from .adapters.places import PackagedPlaces
from .entrypoints import (  # noqa: F401  (each module's routes join the router)
    api,
    deps,
    documents,
    dossiers,
    grants,
    personal_data,
)
from .service_layer import access, services


def build(runtime: ServiceRuntime) -> ServiceParts:
    cache: ReadCache[tuple[str, frozenset[str]], Access] = runtime.read_cache(
        [tables.access_grants, tables.entities, tables.entity_members, tables.council_readers])

    async def records(token: VerifiedToken) -> Access:
        async def load() -> Access:
            async with runtime.uow() as uow:
                return await access.registry_access(uow, token)

        return await cache.get_or_load((token.subject, token.identities), load)

    runtime.guard.add_access_source(records)
    deps.wire(runtime, PackagedCatalogue(), PackagedPlaces())
    return ServiceParts(
        router=deps.router,
        handlers={
            EvaluationOpened: services.on_evaluation_opened,
            EvaluationClosed: services.on_evaluation_closed,
            Scored: services.on_scored,
            Certified: services.on_certified,
            CertificateRevoked: services.on_certificate_revoked,
            CertificateExpired: services.on_certificate_expired,
            CertificateSuperseded: services.on_certificate_superseded,
            CouncilAssigned: access.on_council_assigned,
        },
        produces=(topics.ENTITY, topics.PRODUCT, topics.ACCESS),
    )


SPEC = ServiceSpec(
    name="registry",
    metadata=tables.metadata,
    outbox=tables.outbox,
    inbox=tables.inbox,
    migrations=Path(__file__).parent / "migrations",
    build=build,
    access=None,  # the registry reads its own grants with its other records (service_layer.access)
    audit=tables.audit_log,
    owns_grants=True,
    stores_files=True,  # evidence files of dossiers
)
