"""OpenTelemetry traces: off unless an OTLP endpoint is configured.

Off (the default), nothing is patched and the hot path pays one module-global check per request
(``enabled()``), no span objects, no context look-ups. On (``SHOPLET_OTLP_ENDPOINT`` or the
standard ``OTEL_EXPORTER_OTLP_ENDPOINT``), spans go to an OTLP/HTTP collector in batches:

- ``http.server``: one per request, from ``RequestContextMiddleware``, named by route template;
  an incoming W3C ``traceparent`` header is the parent (the gateway, a mini program, a partner);
- PostgreSQL/SQLite: one per statement (``shoplet.core.dbwatch`` listeners on the engine);
- Redis: one per command or pipeline (opentelemetry-instrumentation-redis);
- outside HTTP calls (WeChat Pay v3, the simulator's notifies): one client span per call, with
  ``traceparent`` sent along (opentelemetry-instrumentation-httpx on those clients);
- events: ``publish()`` stores the caller's ``traceparent`` on the outbox row, the relay's
  ``outbox publish`` span carries it onto the stream entry, and the handler's span in the
  worker continues the same trace.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    import httpx
    from opentelemetry.sdk.trace import TracerProvider

    from shoplet.core.settings import Settings

TRACEPARENT = "traceparent"
TRACEPARENT_MAX = 100

_propagator = TraceContextTextMapPropagator()


class _State:
    tracer: Tracer | None = None
    provider: TracerProvider | None = None
    # The provider was built by ``setup`` (shut down on ``uninstall``), not handed in.
    owned = False


_state = _State()


def enabled() -> bool:
    return _state.tracer is not None


def tracer() -> Tracer:
    """The Shoplet tracer; only call when ``enabled()``."""
    assert _state.tracer is not None  # noqa: S101
    return _state.tracer


def otlp_endpoint(settings: Settings) -> str | None:
    return settings.otlp_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None


def setup(settings: Settings, *, service: str | None = None) -> bool:
    """Start exporting when an OTLP endpoint is configured; return whether tracing is on.

    Once per process: a second app in the same process (tests, the embedded worker) shares the
    provider. ``install`` (tests) takes precedence.
    """
    if _state.tracer is not None:
        return True
    endpoint = otlp_endpoint(settings)
    if not endpoint:
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    from shoplet import __version__

    resource = Resource.create(
        {
            "service.name": service or f"shoplet-{settings.role}",
            "service.version": __version__,
            "deployment.environment.name": settings.env,
        }
    )
    provider = TracerProvider(
        resource=resource, sampler=ParentBased(TraceIdRatioBased(settings.trace_sample_ratio))
    )
    # The standard endpoint variable names the collector's base; the exporter wants the path.
    url = endpoint.rstrip("/")
    if not url.endswith("/v1/traces"):
        url += "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    install(provider)
    _state.owned = True
    return True


def install(provider: TracerProvider) -> None:
    """Trace with ``provider`` (``setup`` builds one; tests pass one with an in-memory exporter)."""
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    _state.provider = provider
    _state.tracer = provider.get_tracer("shoplet")
    RedisInstrumentor().instrument(tracer_provider=provider)


def uninstall() -> None:
    """Stop tracing (tests; shutdown flushes what the batch exporter still holds)."""
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    if _state.tracer is None:
        return
    RedisInstrumentor().uninstrument()
    if _state.owned and _state.provider is not None:
        _state.provider.shutdown()
    _state.tracer = _state.provider = None
    _state.owned = False


def instrument_http(client: httpx.AsyncClient) -> None:
    """Client spans for ``client``'s calls, with ``traceparent`` sent along (when on)."""
    if _state.provider is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=_state.provider)


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, to store or send along; None when off."""
    if _state.tracer is None:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(TRACEPARENT)


def start_producer_spans(name: str, rows: list[tuple[str, str | None]]) -> list[Span]:
    """One ``PRODUCER`` span per ``(event type, stored traceparent)``, started, not current."""
    assert _state.tracer is not None  # noqa: S101
    return [
        _state.tracer.start_span(
            f"{name} {event_type}",
            context=parent_context(parent),
            kind=SpanKind.PRODUCER,
            attributes={"messaging.operation.type": "send", "messaging.destination.name": name},
        )
        for event_type, parent in rows
    ]


def traceparent_of(current: Span) -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(current))
    return carrier.get(TRACEPARENT)


def inject(headers: MutableMapping[str, str]) -> None:
    """Add ``traceparent`` for the current span to outgoing ``headers`` (when on)."""
    if _state.tracer is not None:
        _propagator.inject(headers)


def parent_context(traceparent: str | bytes | None) -> Context | None:
    """The remote parent named by a ``traceparent`` value; None when absent or malformed."""
    if not traceparent:
        return None
    if isinstance(traceparent, bytes):
        traceparent = traceparent.decode("latin-1")
    if len(traceparent) > TRACEPARENT_MAX:
        return None
    context = _propagator.extract({TRACEPARENT: traceparent})
    if not trace.get_current_span(context).get_span_context().is_valid:
        return None
    return context


@contextmanager
def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: str | bytes | None = None,
    attributes: dict[str, Any] | None = None,
) -> Iterator[Span | None]:
    """A span around a block when tracing is on (else yields None and costs one check).

    ``parent``: a stored ``traceparent`` to continue (an outbox row, a stream entry); without
    it the span is a child of the current one.
    """
    if _state.tracer is None:
        yield None
        return
    with _state.tracer.start_as_current_span(
        name, context=parent_context(parent), kind=kind, attributes=attributes
    ) as current:
        yield current


def log_ids(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: ``trace_id``/``span_id`` of the current span on every log line."""
    if _state.tracer is None:
        return event
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event


def mark_error(current: Span, error: BaseException | str) -> None:
    if isinstance(error, BaseException):
        current.record_exception(error)
        current.set_status(Status(StatusCode.ERROR, type(error).__name__))
    else:
        current.set_status(Status(StatusCode.ERROR, error))
