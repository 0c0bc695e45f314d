"""The canary's guardrails on a real nginx: ``shoplet deploy shift --guardrail-metrics`` judges
each step on the new colour's own ``/metrics`` (5xx rate, payment failures, p99, the evaluation
gray releases use) while shoppers' traffic flows, and takes a failing colour back to 0 %."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shoplet.core.guardrails import GuardrailReading, Totals
from shoplet.deploy import gateway, guardrails, traffic
from tests.deploy.load import AsyncioLoad
from tests.deploy.nginx import Gateway, Upstreams, shoplet

NAMES = ("api-blue", "api-green", "api-failing", "edge-blue", "edge-green")


@pytest.fixture(scope="module")
def upstreams() -> Iterator[Upstreams]:
    up = Upstreams(*NAMES)
    yield up
    up.stop()


def _gateway(up: Upstreams, tmp: Path, green_api: str) -> Gateway:
    return Gateway(
        tmp,
        gateway.Gateway(
            servers={
                "api": {"blue": [up.address("api-blue")], "green": [up.address(green_api)]},
                "edge": {"blue": [up.address("edge-blue")], "green": [up.address("edge-green")]},
            },
            traffic_file=tmp / "unused",
            state_dir=tmp / "unused",
        ),
    )


def _metrics(up: Upstreams, *names: str) -> list[str]:
    return [
        arg for n in names for arg in ("--guardrail-metrics", f"http://{up.address(n)}/metrics")
    ]


def _shift(gw: Gateway, *args: str) -> tuple[int, str, str]:
    done = shoplet(
        "deploy",
        "shift",
        "--traffic-file",
        str(gw.traffic_file),
        "--to",
        "green",
        "--nginx",
        gw.command_line,
        *args,
    )
    return done.exit_code, done.stdout, done.stderr


async def test_a_canary_whose_new_colour_answers_5xx_is_rolled_back_to_0(
    upstreams: Upstreams, tmp_path: Path
) -> None:
    gw = _gateway(upstreams, tmp_path, "api-failing")
    try:
        await gw.wait_for("blue=100 green=0")
        shoppers = AsyncioLoad(
            "127.0.0.1", gw.port, "/api/v1/products", 4, keepalive=True, limit=30
        )
        code, out, err = await asyncio.to_thread(
            _shift,
            gw,
            "--steps",
            "10,50,100",
            "--pause",
            "0.3",
            *_metrics(upstreams, "api-failing", "edge-green"),
            "--max-error-rate",
            "0.02",
            "--max-p99-ms",
            "1000",
            "--min-requests",
            "5",
            "--max-wait",
            "10",
        )
        await shoppers.stop()
        assert code == 1, (out, err)
        lines = out.strip().splitlines()
        assert lines[0] == "traffic blue=90 green=10"
        assert lines[1].startswith("guardrails requests=")
        assert len(lines) == 2  # never reached 50 %
        assert "check failed at blue=90 green=10: guardrails breached" in err
        assert "error_rate" in err
        assert "rolled back to blue=100 green=0" in err
        assert traffic.read_traffic(gw.traffic_file) == traffic.Traffic(0)
        await gw.wait_for("blue=100 green=0")
        async with httpx.AsyncClient(base_url=gw.base_url) as client:
            after = [await client.get("/api/v1/products") for _ in range(20)]
        assert {(r.status_code, r.json()["name"]) for r in after} == {(200, "api-blue")}
    finally:
        gw.stop()


async def test_a_healthy_canary_passes_every_step(upstreams: Upstreams, tmp_path: Path) -> None:
    gw = _gateway(upstreams, tmp_path, "api-green")
    try:
        await gw.wait_for("blue=100 green=0")
        shoppers = AsyncioLoad(
            "127.0.0.1", gw.port, "/api/v1/products", 4, keepalive=True, limit=30
        )
        code, out, err = await asyncio.to_thread(
            _shift,
            gw,
            "--steps",
            "10,100",
            "--pause",
            "0.2",
            *_metrics(upstreams, "api-green", "edge-green"),
            "--max-error-rate",
            "0.02",
            "--max-payment-failure-rate",
            "0.05",
            "--min-requests",
            "5",
            "--max-wait",
            "10",
        )
        result = await shoppers.stop()
        assert code == 0, (out, err)
        lines = out.strip().splitlines()
        assert lines[0::2] == ["traffic blue=90 green=10", "traffic blue=0 green=100"]
        assert all(line.startswith("guardrails requests=") for line in lines[1::2])
        assert "error_rate=0 " in lines[1]
        assert result.non_2xx == 0
        await gw.wait_for("blue=0 green=100")
    finally:
        gw.stop()


def test_guardrail_options_are_checked_before_anything_moves(tmp_path: Path) -> None:
    path = tmp_path / "traffic.conf"
    path.write_text(traffic.render_traffic(traffic.Traffic(0)))
    before = path.read_text()
    no_limit = shoplet(
        "deploy", "shift", "--traffic-file", str(path), "--to", "green",
        "--guardrail-metrics", "http://127.0.0.1:9/metrics",
    )  # fmt: skip
    assert no_limit.exit_code == 2
    assert "at least one of --max-error-rate" in _words(no_limit.output)
    no_metrics = shoplet(
        "deploy", "shift", "--traffic-file", str(path), "--to", "green", "--max-p99-ms", "500"
    )  # fmt: skip
    assert no_metrics.exit_code == 2
    assert "need --guardrail-metrics" in _words(no_metrics.output)
    assert path.read_text() == before


def _words(output: str) -> str:
    """Typer's error box, as one line of words."""
    return " ".join(w for w in output.split() if w not in {"│", "╭─", "╰─"})


class FakeMetrics(guardrails.ScrapedMetrics):
    """Totals the test decides, one per scrape; an exception is raised instead."""

    def __init__(self, *scrapes: dict[str, Totals] | Exception) -> None:
        super().__init__(urls=())
        self.scrapes = list(scrapes)

    def totals(self) -> dict[str, Totals]:
        scrape = self.scrapes.pop(0)
        if isinstance(scrape, Exception):
            raise scrape
        return scrape


def _step(metrics: guardrails.ScrapedMetrics, **kwargs: float) -> guardrails.StepGuardrails:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    return guardrails.StepGuardrails(
        metrics,
        {"error_rate": 0.02},
        hold=5,
        min_requests=int(kwargs.pop("min_requests", 20)),
        max_wait=kwargs.pop("max_wait", 7),
        sleep=sleep,
        clock=lambda: now[0],
    )


def test_a_step_waits_for_enough_requests_then_gives_up() -> None:
    few = {"a": Totals(requests=3)}
    judge = _step(FakeMetrics({"a": Totals()}, few, few, few))
    assert judge() == "only 3 requests reached the new colour in 7 s; the guardrails need 20"
    enough = _step(FakeMetrics({"a": Totals()}, few, {"a": Totals(requests=30, errors=1)}))
    assert enough() == "guardrails breached over 30 requests: error_rate 0.03333 > 0.02"


def test_replicas_are_summed_and_a_restart_counts_from_zero() -> None:
    before = {"a": Totals(requests=100, errors=0), "b": Totals(requests=50, errors=5)}
    # b restarted: its counters start again from 0 (10 requests, 0 errors since).
    after = {"a": Totals(requests=190, errors=1, buckets={0.1: 90.0, float("inf"): 90.0}),
             "b": Totals(requests=10, buckets={0.1: 9.0, float("inf"): 10.0})}  # fmt: skip
    reading = guardrails.window(before, after)
    assert reading == GuardrailReading(
        error_rate=0.01, payment_failure_rate=None, latency_p99_ms=100.0, requests=100
    )


def test_unreadable_metrics_fail_the_step() -> None:
    judge = _step(FakeMetrics(guardrails.MetricsUnreadable("http://g:9100/metrics answered 401")))
    assert judge() == "metrics unreadable: http://g:9100/metrics answered 401"
    with httpx.Client() as client:
        page = guardrails.ScrapedMetrics(["http://127.0.0.1:9/metrics"], client=client)
        with pytest.raises(guardrails.MetricsUnreadable, match="ConnectError"):
            page.totals()
