"""Wires the scoring service into its host."""

from __future__ import annotations

from pathlib import Path

from ocop_shared.auth import Access, Role, VerifiedToken
from ocop_shared.contracts import ProductSubmitted, SubmissionWithdrawn, topics
from ocop_shared.readcache import ReadCache
from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec

from .adapters import tables
from .adapters.repository import ScoringRepository
from .entrypoints import api, deps, files  # noqa: F401  (each module's routes join the router)
from .entrypoints import evaluations as evaluation_routes  # noqa: F401
from .service_layer import evaluations


def build(runtime: ServiceRuntime) -> ServiceParts:
    seats: ReadCache[frozenset[str], Access] = runtime.read_cache([tables.councils, tables.council_members])

    async def seat_roles(token: VerifiedToken) -> Access:
        """A seat on a council that has not ended makes a council member (its chair, a chair)."""
        async def load() -> Access:
            async with runtime.uow() as uow:
                found = await uow.repository(ScoringRepository).seat_roles(token.identities)
            roles = {Role.COUNCIL_MEMBER} if found else set()
            if "chair" in found:
                roles.add(Role.COUNCIL_CHAIR)
            return Access(roles=frozenset(roles))

        return await seats.get_or_load(token.identities, load)

    runtime.guard.add_access_source(seat_roles)
    return ServiceParts(
        router=deps.router,
        handlers={ProductSubmitted: evaluations.on_product_submitted,
                  SubmissionWithdrawn: evaluations.on_submission_withdrawn},
        produces=(topics.EVALUATION,),
    )


SPEC = ServiceSpec(
    name="scoring",
    metadata=tables.metadata,
    outbox=tables.outbox,
    inbox=tables.inbox,
    migrations=Path(__file__).parent / "migrations",
    build=build,
    access=tables.access_grants,
    audit=tables.audit_log,
)
