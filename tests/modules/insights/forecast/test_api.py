"""Forecasts over HTTP (SQLite and PostgreSQL): the ad-hoc endpoint and its refusals (400 with
the stable code, nothing changed), the daily run from paid orders (idempotent, with progress),
the replenishment list, its CSV, the promotion overlay and per-SKU settings."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.insights.forecast import service
from tests.conftest import snapshot
from tests.modules.insights.factories import Paid, add_orders, make_shop
from tests.modules.staff.conftest import bearer, token_for

FORECAST = "/api/v1/console/analytics/forecast"
BASE = "/api/v1/console/insights"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "forecaster"))


def _points(n: int, values: list[object] | None = None) -> list[dict[str, object]]:
    dates = [f"{2015 + i // 12}-{i % 12 + 1:02d}-01" for i in range(n)]
    vals = values or [100 + 10 * (i % 12) + i for i in range(n)]
    return [{"date": d, "value": v} for d, v in zip(dates, vals, strict=True)]


async def test_forecast_a_posted_series(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    body = {"series": _points(48), "season_length": 12, "horizon": 12, "calendar": False}
    response = await client.post(FORECAST, json=body, headers=staff)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["frequency"] == "monthly"
    assert data["dates"][0] == "2019-01-01"
    assert len(data["forecast"]) == len(data["lower"]) == len(data["upper"]) == 12
    assert data["baseline"]["model"] == "SeasonalNaive"
    assert data["accuracy"]["folds"] == 2  # (48 - 14) // 12: a season and two points to train
    assert set(data["candidates"]) == {"AutoETS", "AutoARIMA", "Theta"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"series": _points(20), "season_length": 12, "horizon": 6}, "insights.forecast_too_short"),
        (
            {"series": _points(48), "season_length": 12, "horizon": 30},
            "insights.forecast_horizon_too_long",
        ),
        (
            {"series": _points(3) + _points(48)[4:], "season_length": 12, "horizon": 6},
            "insights.forecast_gap",
        ),
        (
            {"series": _points(24, [1] * 5 + ["x"] + [1] * 18), "season_length": 12, "horizon": 6},
            "insights.forecast_invalid_value",
        ),
        (
            {
                "series": _points(5) + _points(5)[4:] + _points(24)[5:],
                "season_length": 12,
                "horizon": 6,
            },
            "insights.forecast_duplicate_date",
        ),
        (
            {
                "series": [{"date": "2020-02-30", "value": 1}] * 24,
                "season_length": 12,
                "horizon": 6,
            },
            "insights.forecast_invalid_date",
        ),
    ],
    ids=["short", "horizon", "gap", "non-numeric", "duplicate", "date"],
)
async def test_refusals_change_nothing(
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    body: dict[str, object],
    code: str,
) -> None:
    before = await snapshot(ctx)
    response = await client.post(FORECAST, json=body, headers=staff)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_forecast_needs_analytics_view(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = bearer(await token_for(client, ctx, "helpdesk", role="support"))
    body = {"series": _points(48), "season_length": 12, "horizon": 6}
    response = await client.post(FORECAST, json=body, headers=support)
    assert response.status_code == 403
    response = await client.put(
        f"{BASE}/replenishment/settings/1",
        json={"lead_time_days": 3, "service_level": 0.9},
        headers=support,
    )
    assert response.status_code == 403


async def _seed_sales(ctx: AppContext) -> int:
    """60 days of the costed SKU selling 2 a day (4 on Saturdays): stock 10 runs out soon."""
    shop = await make_shop(ctx)
    now = utcnow()
    orders = []
    for back in range(1, 61):
        paid_at = now - timedelta(days=back)
        quantity = 4 if (paid_at + timedelta(hours=8)).weekday() == 5 else 2
        orders.append(Paid(100 + back, paid_at, quantity=quantity))
    async with unit_of_work(ctx.sessionmaker) as s:
        await add_orders(s, shop, orders)
    return shop.costed_sku


async def test_daily_run_replenishment_and_settings(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sku_id = await _seed_sales(ctx)
    response = await client.post(f"{BASE}/forecast/runs", headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "queued"
    await service.work_open_runs(ctx)
    run = (await client.get(f"{BASE}/forecast/runs/latest", headers=staff)).json()
    assert run["status"] == "done", run
    # The shop, the category and the SKU (the uncosted SKU never sold).
    assert run["done"] == run["total"] == 3

    series = (await client.get(f"{BASE}/forecast/series/sku/{sku_id}", headers=staff)).json()
    assert len(series["history"]) == 60
    assert len(series["forecast"]) == 28
    assert sum(series["forecast"][:7]) == pytest.approx(16, abs=3)
    listed = (await client.get(f"{BASE}/forecast/series?kind=sku", headers=staff)).json()
    assert [i["ref_id"] for i in listed["items"]] == [sku_id]

    report = (await client.get(f"{BASE}/replenishment?within_days=7", headers=staff)).json()
    (row,) = report["items"]
    assert row["sku_id"] == sku_id
    assert row["available"] == 10
    assert row["lead_time_days"] == 7
    # 10 units at about 2 a day (4 on Saturdays): 4-6 days, by the weekday the run starts on.
    assert row["days_until_stockout"] <= 6
    assert row["reorder_point"] >= 16
    assert row["suggested_quantity"] == pytest.approx(row["reorder_point"] + 14 - 10, abs=8)

    exported = await client.get(f"{BASE}/replenishment/export", headers=staff)
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0]["sku_id"] == str(sku_id)
    assert rows[0]["reorder_point"] == str(row["reorder_point"])

    # A longer lead time and a higher service level raise the reorder point.
    response = await client.put(
        f"{BASE}/replenishment/settings/{sku_id}",
        json={"lead_time_days": 14, "service_level": 0.99},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert response.json()["lead_time_days"] == 14
    after = (await client.get(f"{BASE}/replenishment", headers=staff)).json()["items"][0]
    assert (after["lead_time_days"], after["service_level"]) == (14, 0.99)
    assert after["reorder_point"] > row["reorder_point"]

    # Running the day again converges: same rows, no second run.
    await client.post(f"{BASE}/forecast/runs", headers=staff)
    await service.work_open_runs(ctx)
    again = (await client.get(f"{BASE}/forecast/runs/latest", headers=staff)).json()
    assert (again["id"], again["status"]) == (run["id"], "done")

    plan = (await client.get(f"{BASE}/replenishment/plan", headers=staff)).json()
    assert len(plan["series"]["forecast"]) == 28
    assert isinstance(plan["promotions"], list)


async def test_a_setting_for_an_unknown_sku_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    before = await snapshot(ctx)
    response = await client.put(
        f"{BASE}/replenishment/settings/999999",
        json={"lead_time_days": 3, "service_level": 0.9},
        headers=staff,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "insights.forecast_invalid_setting"
    response = await client.put(
        f"{BASE}/replenishment/settings/1",
        json={"lead_time_days": 0, "service_level": 0.9},
        headers=staff,
    )
    assert response.status_code == 422
    assert await snapshot(ctx) == before
