"""Guardrail metrics of a gray release: 5xx rate, payment failure rate, latency p99.

``GuardrailSource`` is the port: one ``read()`` per release check, answering for the window
since the previous read. The default, ``PrometheusGuardrailSource``, reads the counters the app
already keeps in its Prometheus registry (``core.observability.Metrics``): requests by route
and status, and the latency histogram. It sees the requests of the process it runs in: right
for the embedded default (one process); with separate API and worker processes, give the
worker a source that queries the Prometheus server scraping every replica (the same protocol).
The evaluation itself (``core.guardrails``) is the one the gateway's canary uses too
(``shoplet deploy shift --guardrail-metrics``)."""

from __future__ import annotations

from typing import Protocol

from prometheus_client import CollectorRegistry

from shoplet.core.guardrails import GuardrailReading, Totals, breaches, reading_of, totals_of

__all__ = ["GuardrailReading", "GuardrailSource", "PrometheusGuardrailSource", "breaches"]


class GuardrailSource(Protocol):
    async def read(self) -> GuardrailReading: ...


class PrometheusGuardrailSource:
    """Deltas of the app's own counters between two reads."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._last = Totals()

    async def read(self) -> GuardrailReading:
        now = totals_of(self.registry.collect())
        last, self._last = self._last, now
        return reading_of(now.since(last))
