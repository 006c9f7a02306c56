"""Metrics and traces, on the embedded platform."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from helpers import as_role, run_chain, running_platform, submit_product, tax_code, wait_until
from ocop_shared.auth import Role
from ocop_shared.observability import tracing
from ocop_shared.settings import Settings

SPANS = InMemorySpanExporter()
tracing.configure("ocop-tests", processor=SimpleSpanProcessor(SPANS))


async def test_metrics_count_requests_and_events(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, metrics_interval_seconds=0.2)
    async with running_platform(settings) as (client, _):
        ids = await submit_product(client, settings, registration_no=tax_code(901))
        office = await as_role(client, Role.PROVINCE_OFFICE)

        async def evaluated() -> bool:
            body = (await client.get(f"/registry/products/{ids['product_id']}",
                                     headers=office)).json()
            return body["status"] == "under_evaluation"

        await wait_until(evaluated, what="the evaluation to open")

        async def sampled() -> str | None:
            text = (await client.get("/metrics")).text
            return text if 'ocop_outbox_backlog{service="registry"}' in text else None

        text = await wait_until(sampled, what="the metrics sampler")
    lines = text.splitlines()

    def value(*parts: str) -> float:
        found = [line for line in lines if all(part in line for part in parts)
                 and not line.startswith("#")]
        assert found, parts
        return float(found[0].rsplit(" ", 1)[1])

    assert value("ocop_http_request_duration_seconds_count", 'route="/registry/entities"',
                 'method="POST"', 'status="201"') >= 1
    assert value("ocop_events_published_total", 'service="registry"',
                 'type="ProductSubmitted"') >= 1
    assert value("ocop_events_consumed_total", 'service="scoring"', 'type="ProductSubmitted"',
                 'outcome="processed"') >= 1
    assert value("ocop_event_handler_duration_seconds_count", 'service="scoring"') >= 1
    assert value('ocop_consumer_lag{', 'service="scoring"') >= 0


async def test_one_trace_runs_from_the_request_through_the_bus_to_the_consumer(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    SPANS.clear()
    async with running_platform(settings) as (client, _):
        ids = await submit_product(client, settings, registration_no=tax_code(902))
        office = await as_role(client, Role.PROVINCE_OFFICE)

        async def opened() -> bool:
            body = (await client.get(f"/registry/products/{ids['product_id']}",
                                     headers=office)).json()
            return body["status"] == "under_evaluation"

        await wait_until(opened, what="the evaluation to open")
    spans = SPANS.get_finished_spans()
    # (FastAPI adds its own route span under ours: both belong to the request's trace.)
    form03 = {s.context.trace_id for s in spans
              if s.name == "PUT /registry/dossiers/{dossier_id}/form-03"}
    assert len(form03) == 1
    consumed = [s for s in spans if s.name == "consume ProductSubmitted"]
    assert consumed, [s.name for s in spans]
    trace_id = form03.pop()
    assert {s.context.trace_id for s in consumed} == {trace_id}
    # ...and on to the registry hearing that the evaluation opened.
    opened_spans = [s for s in spans if s.name == "consume EvaluationOpened"]
    assert opened_spans and opened_spans[0].context.trace_id == trace_id


async def test_submission_certificate_and_catalog_entry_share_one_trace(tmp_path: Path) -> None:
    """The council's result comes in a later request, yet it continues the submission's
    trace (and correlation id), so one trace shows a product from dossier to shop shelf."""
    settings = Settings(data_dir=tmp_path)
    SPANS.clear()
    async with running_platform(settings) as (client, _):
        ids = await run_chain(client, settings, registration_no=tax_code(903))

        async def listed() -> bool:
            body = (await client.get("/trade/catalogs/province")).json()
            return any(e["product_id"] == ids["product_id"] for e in body["entries"])

        await wait_until(listed, what="the catalog entry")
    spans = SPANS.get_finished_spans()
    submission = {s.context.trace_id for s in spans
                  if s.name == "PUT /registry/dossiers/{dossier_id}/form-03"}
    certified = {s.context.trace_id for s in spans if s.name == "consume Scored"
                 and s.attributes and s.attributes.get("ocop.consumer") == "certification"}
    catalogued = {s.context.trace_id for s in spans if s.name == "consume Certified"
                  and s.attributes and s.attributes.get("ocop.consumer") == "trade"}
    assert len(submission) == 1
    assert certified == submission
    assert catalogued == submission
