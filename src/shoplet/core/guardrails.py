"""Guardrail metrics of a release: 5xx rate, payment failure rate, latency p99.

One evaluation for both kinds of release: a feature flag's gray release (experiments' release
job reads the app's own registry) and a canary of a new colour at the gateway (``shoplet deploy
shift`` scrapes the new colour's ``/metrics``). Both read the same Prometheus families the app
exports (``core.observability.Metrics``): ``shoplet_http_requests_total`` by route and status,
and the ``shoplet_http_request_duration_seconds`` histogram, as ``Totals`` at two instants;
``reading_between`` turns two of them into the window's rates and ``breaches`` names the limits
the window broke."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prometheus_client import Metric

REQUESTS = "shoplet_http_requests"
LATENCY = "shoplet_http_request_duration_seconds"
GUARDRAILS = ("error_rate", "payment_failure_rate", "latency_p99_ms")
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


def breaches(reading: GuardrailReading, limits: Mapping[str, float | None]) -> list[str]:
    """Each limit the reading is above, as ``"error_rate 0.08 > 0.02"``."""
    out = []
    for name in GUARDRAILS:
        limit = limits.get(name)
        value: float | None = getattr(reading, name)
        if limit is not None and value is not None and value > limit:
            out.append(f"{name} {value:.4g} > {limit:g}")
    return out


@dataclass
class Totals:
    """Cumulative counts at one instant (counters only grow, except when a process restarts)."""

    requests: float = 0.0
    errors: float = 0.0
    payments: float = 0.0
    payment_failures: float = 0.0
    # histogram upper bound -> cumulative count
    buckets: dict[float, float] = field(default_factory=dict)

    def __add__(self, other: Totals) -> Totals:
        bounds = self.buckets.keys() | other.buckets.keys()
        return Totals(
            requests=self.requests + other.requests,
            errors=self.errors + other.errors,
            payments=self.payments + other.payments,
            payment_failures=self.payment_failures + other.payment_failures,
            buckets={b: self.buckets.get(b, 0.0) + other.buckets.get(b, 0.0) for b in bounds},
        )

    def since(self, earlier: Totals) -> Totals:
        """What was counted after ``earlier``. A process that restarted in between (its
        requests counter went down) counts from zero, as Prometheus's ``increase`` does."""
        if self.requests < earlier.requests:
            return self
        return Totals(
            requests=self.requests - earlier.requests,
            errors=self.errors - earlier.errors,
            payments=self.payments - earlier.payments,
            payment_failures=self.payment_failures - earlier.payment_failures,
            buckets={b: n - earlier.buckets.get(b, 0.0) for b, n in self.buckets.items()},
        )


def totals_of(families: Iterable[Metric]) -> Totals:
    """Totals of metric families: a registry's ``collect()`` or a parsed ``/metrics`` page."""
    totals = Totals()
    for metric in families:
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
                    totals.buckets[bound] = totals.buckets.get(bound, 0.0) + sample.value
    return totals


def reading_of(window: Totals) -> GuardrailReading:
    """The guardrails of what a window counted (``later.since(earlier)``)."""
    requests = window.requests
    payments = window.payments
    return GuardrailReading(
        error_rate=window.errors / requests if requests > 0 else None,
        payment_failure_rate=window.payment_failures / payments if payments > 0 else None,
        latency_p99_ms=p99_ms(window.buckets),
        requests=round(requests),
    )


def p99_ms(buckets: Mapping[float, float]) -> float | None:
    """The upper bound of the bucket holding the 99th percentile of a window (ms)."""
    cumulative = sorted(buckets.items())
    if not cumulative or cumulative[-1][1] <= 0:
        return None
    target = 0.99 * cumulative[-1][1]
    for bound, count in cumulative:
        if count >= target:
            # Beyond the last finite bucket: slower than anything measured, above any limit.
            return bound * 1000
    return None
