"""Guardrail metrics of a gray release: 5xx rate, payment failure rate, latency p99.

``GuardrailSource`` is the port: one ``read()`` per release check, answering for the window
since the previous read. The default, ``PrometheusGuardrailSource``, reads the counters the app
already keeps in its Prometheus registry (``core.observability.Metrics``): requests by route
and status, and the latency histogram. It sees the requests of the process it runs in: right
for the embedded default (one process); with separate API and worker processes, give the
worker a source that queries the Prometheus server scraping every replica (the same protocol)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import CollectorRegistry

REQUESTS = "shoplet_http_requests"
LATENCY = "shoplet_http_request_duration_seconds"
# Payment calls: routes under the payments module (prepay, notify) and checkout's pay step.
PAYMENT_ROUTE_MARKERS = ("/payments", "/pay")
# A refused payment is a 4xx other than "who are you" and "not found", or any 5xx.
NOT_FAILURES = frozenset({"401", "403", "404"})


@dataclass(frozen=True, slots=True)
class GuardrailReading:
    """Rates in 0..1 and p99 in milliseconds; None when the window saw no such request."""

    error_rate: float | None = None
    payment_failure_rate: float | None = None
    latency_p99_ms: float | None = None
    requests: int = 0


class GuardrailSource(Protocol):
    async def read(self) -> GuardrailReading: ...


def breaches(reading: GuardrailReading, limits: Mapping[str, float | None]) -> list[str]:
    """Each limit the reading is above, as ``"error_rate 0.08 > 0.02"``."""
    out = []
    for name in ("error_rate", "payment_failure_rate", "latency_p99_ms"):
        limit = limits.get(name)
        value: float | None = getattr(reading, name)
        if limit is not None and value is not None and value > limit:
            out.append(f"{name} {value:.4g} > {limit:g}")
    return out


@dataclass
class _Totals:
    requests: float = 0.0
    errors: float = 0.0
    payments: float = 0.0
    payment_failures: float = 0.0
    # histogram upper bound -> cumulative count
    buckets: dict[float, float] | None = None


class PrometheusGuardrailSource:
    """Deltas of the app's own counters between two reads."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._last = _Totals(buckets={})

    def _totals(self) -> _Totals:
        buckets: dict[float, float] = {}
        totals = _Totals(buckets=buckets)
        for metric in self.registry.collect():
            if metric.name == REQUESTS:
                for sample in metric.samples:
                    if not sample.name.endswith("_total"):
                        continue
                    status = sample.labels.get("status", "")
                    totals.requests += sample.value
                    if status.startswith("5"):
                        totals.errors += sample.value
                    route = sample.labels.get("route", "")
                    if any(m in route for m in PAYMENT_ROUTE_MARKERS):
                        totals.payments += sample.value
                        if status[:1] in ("4", "5") and status not in NOT_FAILURES:
                            totals.payment_failures += sample.value
            elif metric.name == LATENCY:
                for sample in metric.samples:
                    if sample.name.endswith("_bucket"):
                        bound = float(sample.labels["le"])
                        buckets[bound] = buckets.get(bound, 0.0) + sample.value
        return totals

    async def read(self) -> GuardrailReading:
        now = self._totals()
        last, self._last = self._last, now
        requests = now.requests - last.requests
        payments = now.payments - last.payments
        return GuardrailReading(
            error_rate=(now.errors - last.errors) / requests if requests > 0 else None,
            payment_failure_rate=(
                (now.payment_failures - last.payment_failures) / payments if payments > 0 else None
            ),
            latency_p99_ms=_p99_ms(now.buckets or {}, last.buckets or {}),
            requests=round(requests),
        )


def _p99_ms(now: dict[float, float], last: dict[float, float]) -> float | None:
    """The upper bound of the bucket holding the 99th percentile of the window (ms)."""
    deltas = sorted((bound, count - last.get(bound, 0.0)) for bound, count in now.items())
    if not deltas or deltas[-1][1] <= 0:
        return None
    target = 0.99 * deltas[-1][1]
    for bound, cumulative in deltas:
        if cumulative >= target:
            # Beyond the last finite bucket: slower than anything measured, above any limit.
            return bound * 1000
    return None
