"""The benefit cost model over HTTP on seeded orders (SQLite and PostgreSQL): each order placed
in the tier its member held when paying, the period and the previous one, costs by benefit,
margin, retention and ROI; the projection of an unsaved tier table; refusals that change
nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.membership.models import Tier
from tests.modules.insights.factories import (
    COSTS,
    SIMULATE,
    Paid,
    add_growth,
    add_orders,
    add_points,
    grant_plan,
    make_shop,
)
from tests.modules.membership.factories import CONSOLE, tier_body
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "member-operator"))


async def _seed(ctx: AppContext) -> datetime:
    """V0: members 101 and 202 (202 reached V1 only after paying), 102 only before the period;
    V2: 201 with a promotion, a coupon and free shipping; SVIP: 301 (a paid grant)."""
    now = utcnow()
    shop = await make_shop(ctx)
    current, before, long_ago = (
        now - timedelta(days=5),
        now - timedelta(days=40),
        now - timedelta(days=100),
    )
    async with unit_of_work(ctx.sessionmaker) as s:
        await add_growth(s, 201, 2500, now - timedelta(days=200))
        await add_growth(s, 202, 600, now - timedelta(days=3))
        await grant_plan(s, 301, 3, now + timedelta(days=10))
        await add_points(s, "earn", 1000, now - timedelta(days=100))
        await add_points(s, "spend", -325, now - timedelta(days=50))
        await add_orders(
            s,
            shop,
            [
                Paid(101, current, points=100),
                Paid(202, current),
                Paid(101, before),
                Paid(102, before),
                Paid(101, long_ago),
                Paid(
                    201,
                    current,
                    quantity=2,
                    uncosted=1,
                    shipping_fee=800,
                    promotion_saving=1000,
                    coupon_discount=2000,
                    coupon_shipping=800,
                    points=200,
                ),
                Paid(301, current),
            ],
        )
    return now


def _rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in report["rows"]}


async def test_the_report_per_tier(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await _seed(ctx)

    response = await client.get(COSTS, params={"days": 30}, headers=staff)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["redemption_permille"] == 250  # 325 spent of 1000 + 100 + 200 issued
    rows = _rows(report)
    assert list(rows) == ["V0", "V1", "V2", "V3", "V4", "SVIP"]
    v0, v2, plan = rows["V0"], rows["V2"], rows["SVIP"]
    assert {k: v0[k] for k in ("members", "orders", "gmv", "gross_margin", "total_cost")} == {
        "members": 2,
        "orders": 2,
        "gmv": 20000,
        "gross_margin": 14000,
        "total_cost": 25,  # 100 points × 25 % spent × ¥0.01
    }
    assert (v0["margin_per_member"], v0["incremental_margin"]) == (7000, 0)
    assert v0["retention_permille"] == 500  # 101 came back, 102 did not
    assert {
        k: v2[k]
        for k in (
            "members",
            "orders",
            "gmv",
            "gross_margin",
            "promotion_cost",
            "coupon_cost",
            "shipping_cost",
            "points_cost",
            "total_cost",
            "cost_ratio_permille",
            "incremental_margin",
            "roi_permille",
            "retention_permille",
            "lines_without_cost",
        )
    } == {
        "members": 1,
        "orders": 1,
        "gmv": 22000,
        "gross_margin": 16000,
        "promotion_cost": 1000,
        "coupon_cost": 2000,
        "shipping_cost": 800,
        "points_cost": 50,
        "total_cost": 3850,
        "cost_ratio_permille": 175,
        "incremental_margin": 9000,
        "roi_permille": 2338,
        "retention_permille": None,
        "lines_without_cost": 1,
    }
    assert (plan["members"], plan["orders"], plan["gmv"], plan["incremental_margin"]) == (
        1,
        1,
        10000,
        0,
    )
    assert rows["V1"]["orders"] == 0
    totals = report["totals"]
    assert (totals["orders"], totals["gmv"], totals["total_cost"]) == (4, 52000, 3875)
    assert totals["incremental_margin"] == 9000


async def test_a_custom_period_and_the_one_before(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    now = await _seed(ctx)
    local = (now + timedelta(hours=8)).date()
    since, until = local - timedelta(days=59), local - timedelta(days=20)

    response = await client.get(
        COSTS, params={"since": since.isoformat(), "until": until.isoformat()}, headers=staff
    )

    assert response.status_code == 200, response.text
    rows = _rows(response.json())
    assert (rows["V0"]["members"], rows["V0"]["orders"]) == (2, 2)  # 101 and 102, 40 days ago
    assert rows["V0"]["retention_permille"] is None  # nobody ordered in the 40 days before
    assert rows["V2"]["orders"] == 0


async def test_no_orders_no_figures(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    response = await client.get(COSTS, headers=staff)

    assert response.status_code == 200, response.text
    report = response.json()
    assert [r["orders"] for r in report["rows"]] == [0, 0, 0, 0, 0]
    assert report["totals"]["cost_ratio_permille"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-01-01"},
        {"days": 30, "since": "2026-01-01", "until": "2026-01-02"},
        {"since": "2026-02-01", "until": "2026-01-01"},
        {"since": "2024-01-01", "until": "2026-01-01"},
        {"since": "2026-01-01", "until": "2099-01-01"},
    ],
)
async def test_a_bad_period_is_refused(
    client: httpx.AsyncClient, staff: dict[str, str], params: dict[str, Any]
) -> None:
    response = await client.get(COSTS, params=params, headers=staff)

    assert response.status_code == 400
    assert response.json()["code"] == "insights.invalid_period"


async def test_the_report_needs_membership_manage(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    support = bearer(await token_for(client, ctx, "helpdesk", role="support"))
    assert (await client.get(COSTS, headers=support)).status_code == 403
    assert (await client.get(COSTS)).status_code == 401


async def _tier_rows(ctx: AppContext) -> int:
    async with ctx.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(Tier)) or 0)


async def test_the_projection_of_a_draft_table(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await _seed(ctx)
    saved = await client.put(f"{CONSOLE}/tiers", json=tier_body(), headers=staff)
    assert saved.status_code == 200, saved.text
    draft = tier_body(V0={"benefits": {"discount_permille": 990}})

    response = await client.post(SIMULATE, json={"tiers": draft, "days": 30}, headers=staff)

    assert response.status_code == 200, response.text
    projection = response.json()
    assert projection["orders"] == 4
    by_code = {t["code"]: t for t in projection["tiers"]}
    v0 = by_code["V0"]
    assert (v0["current"]["orders"], v0["current"]["discount"]) == (2, 0)
    assert (v0["draft"]["orders"], v0["draft"]["discount"]) == (2, 200)  # 1 % of ¥100, twice
    assert v0["change"] == 200
    assert [t["change"] for t in projection["tiers"] if t["code"] != "V0"] == [0, 0, 0, 0]
    assert projection["change"] == 200
    # nothing saved: the table in force is still the one saved above
    tiers = (await client.get(f"{CONSOLE}/tiers", headers=staff)).json()
    assert tiers[0]["benefits"]["discount_permille"] == 1000


async def test_an_invalid_draft_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    draft = tier_body(V1={"threshold": 0})

    response = await client.post(SIMULATE, json={"tiers": draft}, headers=staff)

    assert response.status_code == 400
    assert response.json()["code"] == "membership.invalid_tiers"
    assert await _tier_rows(ctx) == 0


@pytest.mark.parametrize(
    "body", [{"tiers": {"tiers": []}}, {"days": 30}, {"tiers": tier_body(), "days": 0}]
)
async def test_a_malformed_projection_request_is_refused(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], body: dict[str, Any]
) -> None:
    response = await client.post(SIMULATE, json=body, headers=staff)

    assert 400 <= response.status_code < 500
    assert await _tier_rows(ctx) == 0
