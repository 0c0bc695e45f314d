"""OpenTelemetry traces: one checkout is one trace, from the API through PostgreSQL, Redis, the
WeChat Pay v3 simulator, the outbox and the stream to the event handlers; off by default."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from shoplet.core import tracing
from shoplet.core.context import AppContext
from shoplet.core.events import publish
from shoplet.core.events.models import OutboxEvent
from shoplet.core.observability import configure_logging
from shoplet.modules.payments import public as payments
from tests.modules.members.conftest import ADDRESS, bearer, wechat_login
from tests.modules.orders.factories import product

API = "/api/v1"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.uninstall()


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    # Tracing is installed before the app starts when the test asks for it (the WeChat Pay
    # client is instrumented as the app starts).
    if "spans" in request.fixturenames:
        request.getfixturevalue("spans")
    return {}


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _in_trace(exporter: InMemorySpanExporter, trace_id: int) -> list[ReadableSpan]:
    return [
        span
        for span in exporter.get_finished_spans()
        if span.context is not None and span.context.trace_id == trace_id
    ]


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        span = by_id[parent.span_id]
        names.append(span.name)
        parent = span.parent
    return names


async def test_one_checkout_is_one_trace_from_the_api_to_the_worker(
    spans: InMemorySpanExporter, client: httpx.AsyncClient, ctx: AppContext, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("the whole path (PostgreSQL, Redis streams) runs on PostgreSQL and Redis")
    _, [tee] = await product(ctx, (5900, 20))
    tokens = await wechat_login(client, "traced-shopper")
    me = bearer(tokens)
    address = await ok(await client.post(f"{API}/me/addresses", json=ADDRESS, headers=me), 201)
    await ok(
        await client.post(f"{API}/cart/lines", json={"sku_id": tee, "quantity": 1}, headers=me)
    )

    # The mini program (or the gateway) starts the trace; every call carries its traceparent.
    with tracing.tracer().start_as_current_span("checkout") as root:
        headers = dict(me)
        tracing.inject(headers)
        order = await ok(
            await client.post(
                f"{API}/orders",
                json={"address_id": address["id"]},
                headers={**headers, "Idempotency-Key": "traced-order-1"},
            ),
            201,
        )
        payment = await ok(
            await client.post(
                f"{API}/orders/{order['order_no']}/pay",
                json={"channel": "wechat_jsapi"},
                headers=headers,
            )
        )
        paid = await ok(
            await client.post(
                "/_sim/wechatpay/pay", json={"prepay_id": payment["prepay_id"]}, headers=headers
            )
        )
        assert paid["notify"]["status_code"] == 204
    # The worker's side: relay the outbox onto the stream, consume it, run the handlers.
    await payments.settle(ctx)
    detail = await ok(await client.get(f"{API}/orders/{order['order_no']}", headers=me))
    assert detail["status"] == "paid"

    trace = _in_trace(spans, root.get_span_context().trace_id)
    names = {span.name for span in trace}
    by_id = {span.context.span_id: span for span in trace if span.context is not None}
    server = {span.name for span in trace if span.kind == SpanKind.SERVER}
    assert {"POST /orders", "POST /orders/{order_no}/pay"} <= server, server
    # The simulator's notify reached the shop inside the same trace.
    assert any("notif" in name for name in server), server
    systems = {
        span.attributes.get("db.system.name") or span.attributes.get("db.system")
        for span in trace
        if span.attributes
    }
    assert {"postgresql", "redis"} <= systems, systems
    # The WeChat Pay v3 call to the simulator: a client span with the simulator's host.
    pay_calls = [
        span
        for span in trace
        if span.kind == SpanKind.CLIENT
        and "wechatpay.simulator" in str(dict(span.attributes or {}).values())
    ]
    assert pay_calls, names
    assert any(name.startswith("outbox publish payment.") for name in names), names
    handlers = [span for span in trace if span.kind == SpanKind.CONSUMER]
    assert any(span.name == "event orders.mark_paid" for span in handlers), names
    # A handler's span descends from the publish span, which descends from the request.
    mark_paid = next(span for span in handlers if span.name == "event orders.mark_paid")
    chain = _ancestors(mark_paid, by_id)
    assert chain[0].startswith("outbox publish payment."), chain
    assert chain[-1] == "checkout", chain
    # The handler's own statements are in its span.
    assert any(
        span.parent is not None and span.parent.span_id == mark_paid.context.span_id
        for span in trace
        if span.kind == SpanKind.CLIENT and span.context is not None
    )


async def test_published_events_keep_the_traceparent(
    spans: InMemorySpanExporter, ctx: AppContext
) -> None:
    with tracing.tracer().start_as_current_span("job") as current:
        async with ctx.sessionmaker() as session, session.begin():
            await publish(session, "test.traced", {"n": 1})
    async with ctx.sessionmaker() as session:
        stored = await session.scalar(
            select(OutboxEvent.trace_context).where(OutboxEvent.type == "test.traced")
        )
    context = current.get_span_context()
    flags = int(context.trace_flags)
    assert stored == f"00-{context.trace_id:032x}-{context.span_id:016x}-{flags:02x}"


async def test_tracing_is_off_by_default(ctx: AppContext, client: httpx.AsyncClient) -> None:
    assert not tracing.enabled()
    assert tracing.current_traceparent() is None
    async with ctx.sessionmaker() as session, session.begin():
        await publish(session, "test.untraced", {"n": 1})
    async with ctx.sessionmaker() as session:
        stored = await session.scalar(
            select(OutboxEvent.trace_context).where(OutboxEvent.type == "test.untraced")
        )
    assert stored is None
    assert (await client.get("/healthz")).status_code == 200


def test_log_lines_carry_the_trace_and_span_ids(
    spans: InMemorySpanExporter, capsys: pytest.CaptureFixture[str]
) -> None:
    import structlog

    configure_logging("INFO", json=True)
    try:
        with tracing.tracer().start_as_current_span("logged") as current:
            structlog.get_logger("test").info("hello")
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        context = current.get_span_context()
        assert (line["trace_id"], line["span_id"]) == (
            f"{context.trace_id:032x}",
            f"{context.span_id:016x}",
        )
    finally:
        configure_logging("WARNING", json=False)


def test_a_malformed_traceparent_starts_a_new_trace() -> None:
    assert tracing.parent_context("00-zz-01") is None
    assert tracing.parent_context("x" * 500) is None
    assert tracing.parent_context(None) is None
    valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert tracing.parent_context(valid) is not None


def test_spans_go_to_the_configured_otlp_endpoint(tmp_path: Any) -> None:
    """A stand-in collector on a free port receives the spans as OTLP/HTTP protobuf."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    from shoplet.core.settings import Settings

    received: list[tuple[str, bytes]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = Settings(
            env="test", data_dir=tmp_path, otlp_endpoint=f"http://127.0.0.1:{server.server_port}"
        )
        assert tracing.setup(settings, service="shoplet-test")
        with tracing.span("exported"):
            pass
        tracing.uninstall()  # flushes the batch
    finally:
        tracing.uninstall()
        server.shutdown()
        server.server_close()
    [(path, body)] = received
    assert path == "/v1/traces"
    request = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = request.resource_spans
    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert attributes["service.name"] == "shoplet-test"
    assert [s.name for s in resource_spans.scope_spans[0].spans] == ["exported"]
    assert not tracing.enabled()
