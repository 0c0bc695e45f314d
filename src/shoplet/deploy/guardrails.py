"""The canary's guardrails: each step of ``shoplet deploy shift`` is judged on the new colour's
own metrics, with the evaluation gray releases use (``core.guardrails``).

``ScrapedMetrics`` reads the Prometheus text of the new colour's replicas (their ``/metrics``,
with ``SHOPLET_METRICS_TOKEN`` as a bearer token when set) and sums them; ``StepGuardrails``
takes a reading right after a step is in force, holds, takes another, and judges the window:
a breached limit, too little traffic to judge, or a replica whose metrics cannot be read is a
reason to take the new colour out (``traffic.shift`` then moves everything back to the old
colour)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families

from shoplet.core.guardrails import GuardrailReading, Totals, breaches, reading_of, totals_of


class MetricsUnreadable(Exception):
    """A replica's metrics could not be fetched or parsed."""


@dataclass
class ScrapedMetrics:
    """The summed totals of several ``/metrics`` pages (one per replica of a colour)."""

    urls: Sequence[str]
    token: str | None = None
    timeout: float = 5.0
    client: httpx.Client | None = None

    def totals(self) -> dict[str, Totals]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        client = self.client or httpx.Client(timeout=self.timeout)
        try:
            return {url: self._one(client, url, headers) for url in self.urls}
        finally:
            if self.client is None:
                client.close()

    @staticmethod
    def _one(client: httpx.Client, url: str, headers: Mapping[str, str]) -> Totals:
        try:
            response = client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise MetricsUnreadable(f"{url}: {exc.__class__.__name__}") from None
        if response.status_code != 200:
            raise MetricsUnreadable(f"{url} answered {response.status_code}")
        try:
            return totals_of(text_string_to_metric_families(response.text))
        except ValueError as exc:
            raise MetricsUnreadable(f"{url} is not Prometheus text: {exc}") from None


def window(earlier: Mapping[str, Totals], later: Mapping[str, Totals]) -> GuardrailReading:
    """The reading of what each replica counted between two scrapes (restarts counted as
    Prometheus counts them), summed over the replicas."""
    total = Totals()
    for url, now in later.items():
        total = total + now.since(earlier.get(url, Totals()))
    return reading_of(total)


@dataclass
class StepGuardrails:
    """Judge one canary step: hold ``hold`` seconds, then read the window; with fewer than
    ``min_requests`` requests on the new colour, keep holding (one more second at a time, the
    window still from the step's start) up to ``max_wait`` seconds in all."""

    metrics: ScrapedMetrics
    limits: Mapping[str, float | None]
    hold: float = 0.0
    min_requests: int = 20
    max_wait: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    readings: list[GuardrailReading] = field(default_factory=list)

    def __call__(self) -> str | None:
        """None when the step is healthy, else why it is not."""
        try:
            start = self.metrics.totals()
            began = self.clock()
            self.sleep(self.hold)
            while True:
                reading = window(start, self.metrics.totals())
                if reading.requests >= self.min_requests:
                    break
                waited = self.clock() - began
                if waited >= self.max_wait:
                    self.readings.append(reading)
                    return (
                        f"only {reading.requests} requests reached the new colour in "
                        f"{waited:.0f} s; the guardrails need {self.min_requests}"
                    )
                self.sleep(min(1.0, self.max_wait - waited))
        except MetricsUnreadable as exc:
            return f"metrics unreadable: {exc}"
        self.readings.append(reading)
        broken = breaches(reading, self.limits)
        if broken:
            return f"guardrails breached over {reading.requests} requests: " + ", ".join(broken)
        return None


def describe(reading: GuardrailReading) -> str:
    """One line for the operator: ``requests=412 error_rate=0 payment_failure_rate=- p99=25ms``."""

    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.4g}"

    p99 = "-" if reading.latency_p99_ms is None else f"{reading.latency_p99_ms:g}ms"
    return (
        f"requests={reading.requests} error_rate={rate(reading.error_rate)} "
        f"payment_failure_rate={rate(reading.payment_failure_rate)} p99={p99}"
    )
