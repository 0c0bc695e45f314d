"""Gray releases: the guardrail job advances a healthy release after its hold, rolls a breached
one back to 0 % (recording why), and refuses bad releases with nothing changed; the default
guardrail source reads the app's own Prometheus counters."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.jobs import get_job
from shoplet.core.observability import Metrics
from shoplet.modules.experiments.flags.guardrails import (
    GuardrailReading,
    PrometheusGuardrailSource,
    breaches,
)
from shoplet.modules.experiments.flags.runtime import GUARDRAILS_KEY
from shoplet.modules.experiments.flags.tasks import RELEASE_JOB
from shoplet.modules.experiments.public import flag_store
from tests.conftest import snapshot
from tests.modules.experiments.test_flags_api import FLAGS, TABLES, new_checkout, synced
from tests.modules.staff.conftest import bearer, token_for

RELEASE = {
    "variant": "on",
    "steps": [1, 5, 25, 100],
    "hold_seconds": 0,
    "guardrails": {"error_rate": 0.02, "payment_failure_rate": 0.05, "latency_p99_ms": 800},
}


class FedSource:
    """Guardrail readings the test decides."""

    def __init__(self, reading: GuardrailReading) -> None:
        self.reading = reading

    async def read(self) -> GuardrailReading:
        return self.reading


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    headers = bearer(await token_for(client, ctx, "release-operator"))
    body = new_checkout(rules=[])
    assert (await client.post(FLAGS, json=body, headers=headers)).status_code == 201
    return headers


async def run_release_job(ctx: AppContext) -> None:
    await get_job(RELEASE_JOB).func(ctx)


async def test_breach_rolls_back_automatically(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    started = await client.post(f"{FLAGS}/new_checkout/releases", json=RELEASE, headers=staff)
    assert started.status_code == 201, started.text
    assert (started.json()["percent"], started.json()["status"]) == (1, "running")
    flag = (await client.get(f"{FLAGS}/new_checkout", headers=staff)).json()
    assert flag["rules"] == [{"type": "percentage", "percent": 1, "variant": "on", "release": True}]

    ctx.extras[GUARDRAILS_KEY] = FedSource(
        GuardrailReading(
            error_rate=0.001, payment_failure_rate=0.0, latency_p99_ms=120, requests=900
        )
    )
    await run_release_job(ctx)
    step = (await client.get(f"{FLAGS}/new_checkout/releases/latest", headers=staff)).json()
    assert (step["percent"], step["step_index"], step["status"]) == (5, 1, "running")

    ctx.extras[GUARDRAILS_KEY] = FedSource(
        GuardrailReading(
            error_rate=0.08, payment_failure_rate=0.0, latency_p99_ms=120, requests=900
        )
    )
    await run_release_job(ctx)
    rolled = (await client.get(f"{FLAGS}/new_checkout/releases/latest", headers=staff)).json()
    assert (rolled["status"], rolled["percent"]) == ("rolled_back", 0)
    assert rolled["reason"] == "error_rate 0.08 > 0.02"
    flag = (await client.get(f"{FLAGS}/new_checkout", headers=staff)).json()
    assert flag["rules"][-1]["percent"] == 0
    history = (await client.get(f"{FLAGS}/new_checkout/history", headers=staff)).json()
    latest = history["items"][0]
    assert (latest["action"], latest["actor"], latest["reason"]) == (
        "release_rollback",
        "release",
        "error_rate 0.08 > 0.02",
    )
    assert latest["before"]["rules"][-1]["percent"] == 5
    # Every process serves the rollback: nobody gets the new checkout any more.
    await synced(ctx)
    from shoplet.modules.experiments.public import FlagContext

    served = [
        flag_store(ctx).evaluate("new_checkout", FlagContext(unit=f"u{i}")) for i in range(500)
    ]
    assert all(r is not None and r.value is False for r in served)
    # A second run changes nothing (the release is over).
    before = await snapshot(ctx, *TABLES)
    await run_release_job(ctx)
    assert await snapshot(ctx, *TABLES) == before


async def test_hold_then_complete(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    body = {**RELEASE, "steps": [50, 100], "hold_seconds": 3600}
    assert (
        await client.post(f"{FLAGS}/new_checkout/releases", json=body, headers=staff)
    ).is_success
    ctx.extras[GUARDRAILS_KEY] = FedSource(GuardrailReading(requests=0))
    before = await snapshot(ctx, *TABLES)
    await run_release_job(ctx)  # healthy but still holding
    assert await snapshot(ctx, *TABLES) == before
    from sqlalchemy import update

    from shoplet.core.db import utcnow
    from shoplet.modules.experiments.flags.models import FlagRelease

    async with ctx.sessionmaker() as session:
        await session.execute(
            update(FlagRelease).values(step_started_at=utcnow() - timedelta(hours=2))
        )
        await session.commit()
    await run_release_job(ctx)
    assert (await client.get(f"{FLAGS}/new_checkout/releases/latest", headers=staff)).json()[
        "percent"
    ] == 100
    async with ctx.sessionmaker() as session:
        await session.execute(
            update(FlagRelease).values(step_started_at=utcnow() - timedelta(hours=2))
        )
        await session.commit()
    await run_release_job(ctx)
    done = (await client.get(f"{FLAGS}/new_checkout/releases/latest", headers=staff)).json()
    assert (done["status"], done["percent"]) == ("completed", 100)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"variant": "beta"}, 400, "experiments.flag_unknown_variant"),
        ({"steps": [5, 1]}, 400, "experiments.release_invalid"),
        ({"steps": [0, 50]}, 400, "experiments.release_invalid"),
        ({"steps": [5, 120]}, 400, "experiments.flag_invalid_percentage"),
        ({"guardrails": {}}, 400, "experiments.release_invalid"),
        ({"guardrails": {"error_rate": -1}}, 400, "experiments.release_invalid"),
        ({"hold_seconds": -5}, 422, "request.invalid"),
    ],
)
async def test_refused_releases_change_nothing(  # noqa: PLR0917
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    change: dict[str, object],
    status: int,
    code: str,
) -> None:
    before = await snapshot(ctx, *TABLES)
    response = await client.post(
        f"{FLAGS}/new_checkout/releases", json={**RELEASE, **change}, headers=staff
    )
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert await snapshot(ctx, *TABLES) == before


async def test_one_release_at_a_time(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    assert (
        await client.post(f"{FLAGS}/new_checkout/releases", json=RELEASE, headers=staff)
    ).is_success
    before = await snapshot(ctx, *TABLES)
    again = await client.post(f"{FLAGS}/new_checkout/releases", json=RELEASE, headers=staff)
    assert (again.status_code, again.json()["code"]) == (409, "experiments.release_running")
    assert await snapshot(ctx, *TABLES) == before


def test_breaches() -> None:
    limits = {"error_rate": 0.02, "payment_failure_rate": None, "latency_p99_ms": 800.0}
    assert breaches(GuardrailReading(error_rate=0.01, latency_p99_ms=900), limits) == [
        "latency_p99_ms 900 > 800"
    ]
    assert breaches(GuardrailReading(payment_failure_rate=0.9), limits) == []
    assert breaches(GuardrailReading(), limits) == []


async def test_prometheus_source_reads_the_apps_counters() -> None:
    metrics = Metrics()
    source = PrometheusGuardrailSource(metrics.registry)
    assert await source.read() == GuardrailReading(requests=0)
    for status, n in (("200", 90), ("500", 10)):
        metrics.requests.labels("GET", "/api/v1/products", status, "all").inc(n)
    metrics.requests.labels("POST", "/api/v1/payments/{order_id}/prepay", "200", "all").inc(8)
    metrics.requests.labels("POST", "/api/v1/payments/{order_id}/prepay", "409", "all").inc(2)
    for _ in range(98):
        metrics.latency.labels("GET", "/api/v1/products", "all").observe(0.004)
    for _ in range(12):
        metrics.latency.labels("GET", "/api/v1/products", "all").observe(0.9)
    reading = await source.read()
    assert reading.requests == 110
    assert reading.error_rate == pytest.approx(10 / 110)
    assert reading.payment_failure_rate == pytest.approx(0.2)
    assert reading.latency_p99_ms == 1000.0
    # The next read covers only what happened since.
    metrics.requests.labels("GET", "/api/v1/products", "200", "all").inc(50)
    later = await source.read()
    assert (later.requests, later.error_rate, later.payment_failure_rate) == (50, 0.0, None)
    assert later.latency_p99_ms is None
