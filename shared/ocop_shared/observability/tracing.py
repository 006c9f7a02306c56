"""OpenTelemetry traces: one trace from an HTTP request through the outbox, Kafka headers
(W3C `traceparent`) and every consumer. Exported over OTLP/HTTP when OCOP_OTLP_ENDPOINT is
set; otherwise only the spans' ids are made (the traceparent events carry, so a service
that does export continues the trace), not spans that nothing would receive."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_configured = False
_tracer: trace.Tracer | None = None  # looked up once: get_tracer builds a new Tracer each call
_exported = False  # a span processor is installed
_ids = RandomIdGenerator()


def configure(service: str, otlp_endpoint: str | None = None,
              processor: SpanProcessor | None = None) -> None:
    """Install the process's tracer provider once (extra processors may be added later)."""
    global _configured, _tracer, _exported
    provider = trace.get_tracer_provider()
    if not _configured:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        trace.set_tracer_provider(provider)
        _configured = True
        _tracer = provider.get_tracer("ocop")
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(  # type: ignore[attr-defined]
            BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
        _exported = True
    if processor is not None:
        provider.add_span_processor(processor)  # type: ignore[attr-defined]
        _exported = True


def tracer() -> trace.Tracer:
    return _tracer if _tracer is not None else trace.get_tracer("ocop")


def exported() -> bool:
    """Spans are recorded (a processor is installed); otherwise spans only carry ids."""
    return _exported


def traceparent_of(span: Span) -> str | None:
    """The W3C traceparent of `span` (what the propagator would inject, formatted directly)."""
    context = span.get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


def span(name: str, kind: SpanKind, parent: str | None = None,
         attributes: Mapping[str, str] | None = None) -> AbstractContextManager[Span]:
    """A span continuing the trace of `parent` (a W3C traceparent), if any."""
    context = _propagator.extract({"traceparent": parent}) if parent else None
    if not _exported:  # recording a span costs a good share of a small request
        return nullcontext(_ids_only(context))
    return tracer().start_as_current_span(name, context=context, kind=kind,
                                          attributes=dict(attributes or {}))


def _ids_only(context: Context | None) -> Span:
    parent = trace.get_current_span(context).get_span_context()
    if parent.is_valid:
        return NonRecordingSpan(SpanContext(parent.trace_id, _ids.generate_span_id(), is_remote=False,
                                            trace_flags=parent.trace_flags))
    return NonRecordingSpan(SpanContext(_ids.generate_trace_id(), _ids.generate_span_id(), is_remote=False,
                                        trace_flags=TraceFlags(TraceFlags.SAMPLED)))
