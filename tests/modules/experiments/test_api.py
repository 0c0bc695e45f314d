"""The calculator over HTTP (SQLite and PostgreSQL): the response shape, Holm when more than two
arms, revenue by Welch, SRM blocking the verdict, the sample size; each refused input → 400 with
a stable code and nothing written; 403 for a staff member without ``experiments:manage``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.modules.experiments import stats
from tests.conftest import snapshot
from tests.modules.staff.conftest import bearer, token_for

ANALYZE = "/api/v1/console/experiments/analyze"
SAMPLE_SIZE = "/api/v1/console/experiments/sample-size"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "exp-operator"))


def arm(name: str, visitors: int, conversions: int, **extra: Any) -> dict[str, Any]:
    return {"name": name, "visitors": visitors, "conversions": conversions, **extra}


async def test_two_arms(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    body = {
        "arms": [arm("对照", 10_000, 1_000), arm("新版", 10_000, 1_120)],
        "expected_split": [0.5, 0.5],
    }
    response = await client.post(ANALYZE, json=body, headers=staff)
    assert response.status_code == 200, response.text
    out = response.json()
    assert [a["name"] for a in out["arms"]] == ["对照", "新版"]
    assert out["arms"][1]["rate"] == 0.112
    assert set(out["arms"][0]) == {
        "name",
        "visitors",
        "conversions",
        "rate",
        "ci_low",
        "ci_high",
        "prob_best",
        "expected_loss",
        "revenue",
    }
    (comparison,) = out["comparisons"]
    z = stats.two_proportion_ztest(1_120, 10_000, 1_000, 10_000)
    assert (comparison["arm"], comparison["baseline"]) == ("新版", "对照")
    assert comparison["z"] == pytest.approx(z.z, abs=1e-12)
    assert comparison["p_value"] == comparison["p_adjusted"] == pytest.approx(z.p_value)
    assert comparison["relative_lift"] == pytest.approx(0.12)
    assert comparison["ci_low"] < 0.12 < comparison["ci_high"]
    assert comparison["sequential"]["p_value"] > comparison["p_value"]
    assert comparison["revenue"] is None
    assert out["chi2"]["dof"] == 1
    assert out["chi2"]["statistic"] == pytest.approx(z.z**2)
    assert out["srm"] == {"chi2": 0.0, "p_value": 1.0, "detected": False}
    assert (out["verdict"], out["verdict_status"]) == ("新版", "winner")
    assert out["arms"][1]["prob_best"] > 0.99
    assert out["samples"] == 200_000
    # Peeked at: the always-valid p decides, and it is not yet small enough.
    sequential = await client.post(ANALYZE, json={**body, "decision": "sequential"}, headers=staff)
    assert (sequential.json()["verdict"], sequential.json()["verdict_status"]) == (None, "none")


async def test_three_arms_holm_and_revenue(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    arms = [
        arm("A", 5_000, 500, revenue_sum=250_000.0, revenue_sum_squares=80_000_000.0),
        arm("B", 5_000, 560, revenue_sum=270_000.0, revenue_sum_squares=90_000_000.0),
        arm("C", 5_000, 505, revenue_sum=248_000.0, revenue_sum_squares=79_000_000.0),
    ]
    response = await client.post(ANALYZE, json={"arms": arms}, headers=staff)
    assert response.status_code == 200, response.text
    out = response.json()
    raw = [c["p_value"] for c in out["comparisons"]]
    assert [c["p_adjusted"] for c in out["comparisons"]] == pytest.approx(
        stats.adjust_p_values(raw, "holm")
    )
    assert out["chi2"]["dof"] == 2
    assert out["arms"][0]["revenue"]["mean"] == 50.0
    revenue = out["comparisons"][0]["revenue"]
    assert revenue["diff"] == pytest.approx(4.0)
    assert revenue["ci_low"] < 4.0 < revenue["ci_high"]
    assert 0 < revenue["p_value"] <= revenue["p_adjusted"] <= 1


async def test_srm_blocks_the_verdict(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    body = {
        "arms": [arm("A", 10_000, 1_000), arm("B", 10_700, 1_400)],
        "expected_split": [0.5, 0.5],
    }
    out = (await client.post(ANALYZE, json=body, headers=staff)).json()
    assert out["srm"]["detected"] is True
    assert out["srm"]["p_value"] < 0.001
    assert out["comparisons"][0]["p_adjusted"] < 0.001  # significant, yet no verdict
    assert (out["verdict"], out["verdict_status"]) == (None, "blocked")
    assert "sample ratio mismatch" in out["verdict_reason"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"arms": [arm("A", 100, 10)]}, "experiments.invalid_arms"),
        ({"arms": []}, "experiments.invalid_arms"),
        ({"arms": [arm("A", 100, 10), arm("B", 100, 101)]}, "experiments.invalid_arms"),
        ({"arms": [arm("A", 100, 10), arm("B", 100, -1)]}, "experiments.invalid_arms"),
        ({"arms": [arm("A", -100, 10), arm("B", 100, 1)]}, "experiments.invalid_arms"),
        ({"arms": [arm("A", 0, 0), arm("B", 100, 1)]}, "experiments.invalid_arms"),
        ({"arms": [arm("A", 100, 10), arm("A", 100, 1)]}, "experiments.invalid_arms"),
        (
            {"arms": [arm("A", 100, 10), arm("B", 100, 1)], "expected_split": [0.5, 0.6]},
            "experiments.invalid_split",
        ),
        (
            {"arms": [arm("A", 100, 10), arm("B", 100, 1)], "expected_split": [1.0]},
            "experiments.invalid_split",
        ),
        (
            {"arms": [arm("A", 100, 10), arm("B", 100, 1)], "expected_split": [1.2, -0.2]},
            "experiments.invalid_split",
        ),
        (
            {"arms": [arm("A", 100, 10, revenue_sum=5.0), arm("B", 100, 1)]},
            "experiments.invalid_revenue",
        ),
        (
            {
                "arms": [
                    arm("A", 100, 10, revenue_sum=500.0, revenue_sum_squares=10.0),
                    arm("B", 100, 1, revenue_sum=5.0, revenue_sum_squares=10.0),
                ]
            },
            "experiments.invalid_revenue",
        ),
    ],
)
async def test_invalid_input_is_400_and_writes_nothing(
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    body: dict[str, Any],
    code: str,
) -> None:
    before = await snapshot(ctx)
    response = await client.post(ANALYZE, json=body, headers=staff)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert await snapshot(ctx) == before


async def test_sample_size(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    body = {
        "baseline_rate": 0.1,
        "minimum_detectable_lift": 0.1,
        "alpha": 0.05,
        "power": 0.8,
        "arms": 2,
    }
    response = await client.post(SAMPLE_SIZE, json=body, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["visitors_per_arm"] == 14_745
    assert response.json()["total_visitors"] == 29_490
    three = (await client.post(SAMPLE_SIZE, json={**body, "arms": 3}, headers=staff)).json()
    assert three["alpha_per_comparison"] == 0.025
    assert three["visitors_per_arm"] > 14_745
    for bad in (
        {"baseline_rate": 0.0},
        {"minimum_detectable_lift": 9.0},
        {"power": 1.0},
        {"arms": 1},
        {"minimum_detectable_lift": 1e-300},  # rounds to the baseline: no sample detects it
        {"minimum_detectable_lift": 1e-12, "alpha": 1e-300},
    ):
        refused = await client.post(SAMPLE_SIZE, json={**body, **bad}, headers=staff)
        assert refused.status_code == 400, bad
        assert refused.json()["code"] == "experiments.invalid_parameters"


async def test_permission(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = bearer(await token_for(client, ctx, "exp-support", role="support"))
    body = {"arms": [arm("A", 100, 10), arm("B", 100, 12)]}
    response = await client.post(ANALYZE, json=body, headers=support)
    assert response.status_code == 403
    assert response.json()["code"] == "console.permission_denied"
    sized = await client.post(
        SAMPLE_SIZE, json={"baseline_rate": 0.1, "minimum_detectable_lift": 0.1}, headers=support
    )
    assert sized.status_code == 403
    assert (await client.post(ANALYZE, json=body)).status_code == 401
