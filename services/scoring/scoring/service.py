"""Wires the scoring service into its host."""

from __future__ import annotations

from pathlib import Path

from ocop_shared.contracts import ProductSubmitted, SubmissionWithdrawn, topics
from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec

from .adapters import tables
from .entrypoints.api import build_router
from .service_layer import evaluations


def build(runtime: ServiceRuntime) -> ServiceParts:
    return ServiceParts(
        router=build_router(runtime),
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
)
