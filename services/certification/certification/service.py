"""Wires the certification service into its host: tables, migrations, API, consumers, jobs."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from ocop_shared.contracts import (
    EvaluationClosed,
    InspectionReported,
    ProductSubmitted,
    Scored,
    SubmissionWithdrawn,
    topics,
)
from ocop_shared.contracts.envelope import Envelope
from ocop_shared.messaging.processor import Handler
from ocop_shared.runtime import ServiceParts, ServiceRuntime, ServiceSpec

from .adapters import tables
from .adapters.keystore import KeyStore
from .config import CertificationSettings
from .entrypoints import api, decisions, deps  # noqa: F401 (decisions: its routes join the router)
from .service_layer import findings, issuance
from .service_layer.context import Context
from .service_layer.documents import documents_job
from .service_layer.scheduler import scheduler_job
from .service_layer.webhooks import dispatcher_job


def build(runtime: ServiceRuntime) -> ServiceParts:
    config = CertificationSettings()
    ctx = Context(uow=runtime.uow, store=runtime.store, keys=KeyStore(config.keys_folder(runtime.settings)),
                  base_url=runtime.settings.base_url(), config=config,
                  province=runtime.settings.province_name)
    api.wire(runtime, ctx)
    # The re-rating tracker reads the registry's and the scoring service's streams in a group of
    # its own ("certification-rerating"): issuing certificates from `Scored` must not wait
    # behind the registry's much busier product stream, and a failing re-rating update must
    # never hold up issuance.
    rerating: dict[type[Envelope[Any]], Handler] = {
        ProductSubmitted: partial(issuance.on_product_submitted, ctx=ctx),
        SubmissionWithdrawn: partial(issuance.on_submission_withdrawn, ctx=ctx),
        EvaluationClosed: partial(issuance.on_evaluation_closed, ctx=ctx),
    }
    return ServiceParts(
        router=deps.router,
        handlers={
            Scored: partial(issuance.on_scored, ctx=ctx),
            InspectionReported: partial(findings.on_inspection_reported, ctx=ctx),
        },
        groups={"rerating": rerating},
        background=[scheduler_job(ctx), dispatcher_job(ctx), documents_job(ctx)],
        produces=(topics.CERTIFICATE,),
    )


SPEC = ServiceSpec(
    name="certification",
    metadata=tables.metadata,
    outbox=tables.outbox,
    inbox=tables.inbox,
    migrations=Path(__file__).parent / "migrations",
    build=build,
    access=tables.access_grants,
    audit=tables.audit_log,
    stores_files=True,  # certificate PDFs, inspection evidence
)
