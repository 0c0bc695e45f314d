"""Prometheus metrics of the event plumbing, registered once per ``ctx.metrics`` registry."""

from __future__ import annotations

import weakref

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from shoplet.core.context import AppContext


class EventMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.published = Counter(
            "shoplet_events_published_total",
            "Outbox events put on the bus (Redis stream or in-process dispatch), by type",
            ["type"],
            registry=registry,
        )
        self.deliveries = Counter(
            "shoplet_event_deliveries_total",
            "Event deliveries to handlers by result: ok, duplicate (already processed), failed, "
            "parked (failed for the last allowed time)",
            ["handler", "result"],
            registry=registry,
        )
        self.handler_failures = Counter(
            "shoplet_event_handler_failures_total",
            "Handler runs that raised",
            ["handler"],
            registry=registry,
        )
        self.parked = Counter(
            "shoplet_events_parked_total",
            "Deliveries parked after their last allowed attempt (see core_event_retry and logs)",
            ["handler"],
            registry=registry,
        )
        self.outbox_lag = Gauge(
            "shoplet_outbox_lag_seconds",
            "Age of the oldest unpublished outbox event seen by the last relay round",
            registry=registry,
        )
        self.delivery_lag = Histogram(
            "shoplet_event_delivery_lag_seconds",
            "From publish() to the commit of the handler that processed the event",
            ["handler"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=registry,
        )
        # Read from Redis (XINFO GROUPS) every few seconds by each worker's event runtime.
        self.stream_pending = Gauge(
            "shoplet_stream_pending_entries",
            "Stream entries delivered to a handler's consumer group but not acknowledged yet",
            ["group"],
            registry=registry,
        )
        self.stream_lag = Gauge(
            "shoplet_stream_lag_entries",
            "Stream entries a handler's consumer group has not read yet (XINFO GROUPS lag)",
            ["group"],
            registry=registry,
        )
        self.stream_length = Gauge(
            "shoplet_stream_length_entries",
            "Entries kept in the event stream (trimmed near events_stream_maxlen)",
            registry=registry,
        )
        self.relay_failures = Counter(
            "shoplet_outbox_relay_failures_total",
            "Relay rounds that failed (bus or database unavailable)",
            registry=registry,
        )


_by_registry: weakref.WeakKeyDictionary[CollectorRegistry, EventMetrics] = (
    weakref.WeakKeyDictionary()
)


def event_metrics(ctx: AppContext) -> EventMetrics:
    registry = ctx.metrics.registry
    metrics = _by_registry.get(registry)
    if metrics is None:
        metrics = _by_registry[registry] = EventMetrics(registry)
    return metrics
