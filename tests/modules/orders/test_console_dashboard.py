from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.orders.dashboard import build_dashboard
from tests.conftest import snapshot
from tests.modules.orders.console_factories import make_sku, paid_order, place_order
from tests.modules.staff.conftest import bearer, token_for

API = "/api/v1/console"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def zero_day(day: str) -> dict[str, object]:
    return {
        "date": day,
        "gmv": 0,
        "orders": 0,
        "paying_shoppers": 0,
        "average_order_value": 0,
        "refunded": 0,
    }


async def test_dashboard_counts_paid_orders_today_and_lists_low_stock(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    tee = await make_sku(ctx, title="纯棉圆领T恤", price=4990, stock=100)
    mug = await make_sku(ctx, title="陶瓷马克杯", price=2500, stock=12)
    hidden = await make_sku(ctx, title="下架商品", price=100, stock=0, status="off_sale")
    today = utcnow().astimezone(SHANGHAI).date()
    yesterday = today - timedelta(days=1)

    empty = await client.get(f"{API}/dashboard", headers=bearer(olivia))

    assert empty.status_code == 200, empty.text
    body = empty.json()
    assert body["timezone"] == "Asia/Shanghai"
    assert body["today"] == zero_day(today.isoformat())
    assert body["yesterday"] == zero_day(yesterday.isoformat())
    assert len(body["trend"]) == 30
    assert body["trend"][0]["date"] == (today - timedelta(days=29)).isoformat()
    assert body["trend"][-1] == {"date": today.isoformat(), "gmv": 0, "orders": 0}
    assert body["top_products"] == []
    # The off-sale SKU at 0 is not the merchant's worry; nothing on sale is low yet.
    assert body["low_stock_threshold"] == 10
    assert body["low_stock"] == []

    await paid_order(app, ctx, tee, member_id=1001, quantity=2)
    await paid_order(app, ctx, mug, member_id=1001, quantity=3)
    await paid_order(app, ctx, tee, member_id=1002, extra=mug)
    await place_order(ctx, tee, member_id=1003)  # not paid: not in the figures

    after = (await client.get(f"{API}/dashboard", headers=bearer(olivia))).json()

    gmv = 2 * 4990 + 3 * 2500 + 4990 + 2500
    assert after["today"] == {
        "date": today.isoformat(),
        "gmv": gmv,
        "orders": 3,
        "paying_shoppers": 2,
        "average_order_value": round(gmv / 3),
        "refunded": 0,
    }
    assert after["yesterday"] == zero_day(yesterday.isoformat())
    assert after["trend"][-1] == {"date": today.isoformat(), "gmv": gmv, "orders": 3}
    assert sum(point["gmv"] for point in after["trend"]) == gmv
    assert after["top_products"] == [
        {"product_id": mug.product_id, "title": "陶瓷马克杯", "units": 4, "gmv": 4 * 2500},
        {"product_id": tee.product_id, "title": "纯棉圆领T恤", "units": 3, "gmv": 3 * 4990},
    ]
    # The mug has 12 - 4 sold = 8 left; the tee 100 - 3 sold - 1 held = 96.
    assert [
        (i["sku_id"], i["title"], i["available"], i["on_hand"], i["reserved"])
        for i in after["low_stock"]
    ] == [(mug.sku_id, "陶瓷马克杯", 8, 8, 0)]
    assert hidden.sku_id not in {i["sku_id"] for i in after["low_stock"]}
    wider = await client.get(f"{API}/dashboard?low_stock_threshold=96", headers=bearer(olivia))
    assert [i["sku_id"] for i in wider.json()["low_stock"]] == [mug.sku_id, tee.sku_id]

    # Seen from tomorrow, today's sales are yesterday's.
    async with ctx.sessionmaker() as s:
        tomorrow = await build_dashboard(s, now=utcnow() + timedelta(days=1), threshold=10)
    assert tomorrow.yesterday.gmv == gmv
    assert tomorrow.yesterday.orders == 3
    assert tomorrow.today.gmv == 0
    assert tomorrow.trend[-2].gmv == gmv

    # A withdrawn product drops off the low-stock list.
    async with ctx.sessionmaker() as s:
        await catalog.set_product_status(s, mug.product_id, "off_sale", actor="test")
        await s.commit()
    later = (await client.get(f"{API}/dashboard", headers=bearer(olivia))).json()
    assert later["low_stock"] == []


async def test_dashboard_is_for_owners_and_operators(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sam = await token_for(client, ctx, "sam", role="support")
    oscar = await token_for(client, ctx, "oscar", role="owner")
    olivia = await token_for(client, ctx, "olivia", role="operator")
    before = await snapshot(ctx)

    denied = await client.get(f"{API}/dashboard", headers=bearer(sam))
    assert denied.status_code == 403
    assert denied.json()["code"] == "console.permission_denied"
    anonymous = await client.get(f"{API}/dashboard")
    assert anonymous.status_code == 401
    for bad in ("-1", "x", "100001"):
        response = await client.get(
            f"{API}/dashboard?low_stock_threshold={bad}", headers=bearer(olivia)
        )
        assert response.status_code == 422
        assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before

    assert (await client.get(f"{API}/dashboard", headers=bearer(oscar))).status_code == 200
