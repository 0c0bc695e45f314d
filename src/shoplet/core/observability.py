"""Logs, request ids and Prometheus metrics.

The middleware is plain ASGI (no ``BaseHTTPMiddleware``): it sits on every request, including the
hot catalog reads, so it stays a few attribute look-ups and one histogram observation.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from typing import Any, TextIO, cast

import orjson
import structlog
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shoplet.core import tracing

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        tracing.log_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_orjson_dumps)
        if json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=True,
    )


class _CurrentStderr:
    """Whatever ``sys.stderr`` is when a line is written, not when logging was configured.

    Loggers are cached on first use; a command run under a test runner swaps ``sys.stderr`` for a
    buffer it closes afterwards, and a cached logger bound to that buffer would then fail every
    later write (a slow-statement warning from the shared engine, say) with "I/O operation on
    closed file".
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _orjson_dumps(value: Any, **kwargs: Any) -> str:
    """The JSON log line through orjson: the access log writes one per request, and the standard
    library's encoder was a measurable share of a cached read's CPU."""
    return orjson.dumps(
        value, default=kwargs.get("default", str), option=orjson.OPT_NON_STR_KEYS
    ).decode()


class Metrics:
    """Per-app registry, so two apps in one test process do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shoplet_http_requests_total",
            "HTTP requests by route template, method, status and process role",
            ["method", "route", "status", "role"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "shoplet_http_request_duration_seconds",
            "HTTP request latency by route template and process role",
            ["method", "route", "role"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        # Conditions an operator must look at (e.g. a WeChat Pay notify that matches nothing).
        self.alerts = Counter(
            "shoplet_alerts_total",
            "Alerts by kind: events that were acknowledged but need an operator",
            ["kind"],
            registry=self.registry,
        )
        self.cache_requests = Counter(
            "shoplet_cache_requests_total",
            "Cache look-ups by namespace, level and result",
            ["namespace", "level", "result"],
            registry=self.registry,
        )


class RequestContextMiddleware:
    """Request id in, request id out (``X-Request-ID``), one access log line, metrics, and a
    server span when tracing is on."""

    def __init__(
        self, app: ASGIApp, metrics: Metrics, *, access_log: bool = True, role: str = "all"
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log
        self.role = role
        self.log = structlog.get_logger("shoplet.access")
        # prometheus-client's labels() hashes and locks on every call; the label sets are few
        # (routes x methods x statuses), so their children are looked up once and kept.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if tracing.enabled():
            await self._traced(scope, receive, send)
            return
        await self._handle(scope, receive, send)

    async def _traced(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The request in a server span, child of the caller's ``traceparent`` if it sent one."""
        parent = None
        for name, value in scope["headers"]:
            if name == b"traceparent":
                parent = value
                break
        method = scope["method"]
        with tracing.span(
            method,
            kind=SpanKind.SERVER,
            parent=parent,
            attributes={"http.request.method": method, "url.path": scope["path"]},
        ) as current:
            status = await self._handle(scope, receive, send)
            if current is not None:
                route = getattr(scope.get("route"), "path", None)
                if route:
                    current.update_name(f"{method} {route}")
                    current.set_attribute("http.route", route)
                current.set_attribute("http.response.status_code", status)
                if status >= 500:
                    tracing.mark_error(current, str(status))

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> int:
        request_id = b""
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                if _VALID_REQUEST_ID.match(value):
                    request_id = value
                break
        if not request_id:
            # 128 random bits as 32 hex digits, like uuid4().hex without building a UUID.
            request_id = os.urandom(16).hex().encode()
        rid = request_id.decode()
        structlog.contextvars.bind_contextvars(request_id=rid)
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            counter = self._counters.get((method, template, status))
            if counter is None:
                counter = self.metrics.requests.labels(method, template, str(status), self.role)
                self._counters[(method, template, status)] = counter
            counter.inc()
            histogram = self._histograms.get((method, template))
            if histogram is None:
                histogram = self.metrics.latency.labels(method, template, self.role)
                self._histograms[(method, template)] = histogram
            histogram.observe(elapsed)
            if self.access_log:
                self.log.info(
                    "request",
                    method=method,
                    path=scope["path"],
                    route=template,
                    status=status,
                    ms=round(elapsed * 1000, 2),
                )
            structlog.contextvars.unbind_contextvars("request_id")
        return status
