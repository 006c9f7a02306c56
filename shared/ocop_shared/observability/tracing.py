"""OpenTelemetry traces: one trace from an HTTP request through the outbox, Kafka headers
(W3C `traceparent`) and every consumer. Exported over OTLP/HTTP when OCOP_OTLP_ENDPOINT is
set; otherwise spans are still created (ids in logs and headers) but not exported."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_configured = False


def configure(service: str, otlp_endpoint: str | None = None,
              processor: SpanProcessor | None = None) -> None:
    """Install the process's tracer provider once (extra processors may be added later)."""
    global _configured
    provider = trace.get_tracer_provider()
    if not _configured:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        trace.set_tracer_provider(provider)
        _configured = True
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(  # type: ignore[attr-defined]
            BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    if processor is not None:
        provider.add_span_processor(processor)  # type: ignore[attr-defined]


def tracer() -> trace.Tracer:
    return trace.get_tracer("ocop")


def traceparent_of(span: Span) -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get("traceparent")


@contextmanager
def span(name: str, kind: SpanKind, parent: str | None = None,
         attributes: Mapping[str, str] | None = None) -> Iterator[Span]:
    """A span continuing the trace of `parent` (a W3C traceparent), if any."""
    context = _propagator.extract({"traceparent": parent}) if parent else None
    with tracer().start_as_current_span(name, context=context, kind=kind,
                                        attributes=dict(attributes or {})) as current:
        yield current
