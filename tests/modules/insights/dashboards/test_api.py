"""The three-level dashboards over HTTP (SQLite and PostgreSQL): tiles against the period
before, drilling shop → category → product with the filters kept; bad levels are a 400;
permissions (dashboard:read, money tiles with orders:read)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.catalog.models import Sku
from tests.modules.insights.factories import Paid, add_orders, make_shop
from tests.modules.staff.conftest import bearer, token_for

BASE = "/api/v1/console/insights/dashboards"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "dash-operator"))


async def test_drill_down_from_the_shop_to_a_product(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    shop = await make_shop(ctx)
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        product_id = await s.scalar(select(Sku.product_id).where(Sku.id == shop.costed_sku))
        await add_orders(
            s,
            shop,
            [
                Paid(member_id=1, paid_at=now - timedelta(minutes=5), quantity=2),
                Paid(member_id=2, paid_at=now - timedelta(minutes=3), quantity=1, uncosted=1),
                # The period before (yesterday at the same time with days=1).
                Paid(member_id=3, paid_at=now - timedelta(days=1, minutes=10), quantity=1),
            ],
        )
    response = await client.get(f"{BASE}/shop", params={"days": 1}, headers=staff)
    assert response.status_code == 200, response.text
    top = response.json()
    tiles = {t["code"]: t for t in top["tiles"]}
    assert set(tiles) == {"gmv", "orders", "aov", "units", "buyers", "refunds"}
    assert tiles["orders"]["value"] == 2
    assert tiles["units"]["value"] == 4
    assert tiles["buyers"]["value"] == 2
    assert tiles["gmv"]["value"] == 2 * 10000 + 10000 + 5000
    assert tiles["aov"]["value"] == round(35000 / 2)
    [category] = top["rows"]
    assert category["name"] == "服饰"

    response = await client.get(
        f"{BASE}/category", params={"days": 1, "category_id": category["id"]}, headers=staff
    )
    assert response.status_code == 200, response.text
    mid = response.json()
    assert (mid["title"], mid["category_id"]) == ("服饰", category["id"])
    assert "refunds" not in {t["code"] for t in mid["tiles"]}
    [product] = mid["rows"]
    assert product["id"] == product_id
    assert product["units"] == 4

    response = await client.get(
        f"{BASE}/product",
        params={"days": 1, "category_id": category["id"], "product_id": product_id},
        headers=staff,
    )
    leaf = response.json()
    assert (leaf["product_id"], leaf["category_id"], leaf["rows"]) == (
        product_id,
        category["id"],
        [],
    )
    assert {t["code"]: t["value"] for t in leaf["tiles"]}["orders"] == 2


async def test_bad_levels_and_permissions(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    for path, params, status in (
        ("category", {}, 400),
        ("product", {"category_id": 1}, 400),
        ("region", {}, 422),
        ("shop", {"days": 0}, 422),
        ("shop", {"days": 91}, 422),
    ):
        response = await client.get(f"{BASE}/{path}", params=params, headers=staff)
        assert response.status_code == status, (path, response.text)
        if status == 400:
            assert response.json()["code"] == "insights.dashboard_invalid"
    support = bearer(await token_for(client, ctx, "dash-support", role="support"))
    assert (await client.get(f"{BASE}/shop", headers=support)).status_code == 403
    assert (await client.get(f"{BASE}/shop")).status_code == 401
