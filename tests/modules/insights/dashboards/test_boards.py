"""经营看板 and 运营看板 over HTTP (SQLite and PostgreSQL): orders paid in two provinces (one of
them in two cities) and through two sources; every drill level's rows sum to the parent's tiles,
the previous period is compared, the repeat-purchase rate and new members counted, the
stock-risk tile read from the replenishment forecast; bad filters refused with the stable code."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.insights.forecast.models import ForecastSeries
from shoplet.modules.insights.forecast.service import shop_day
from shoplet.modules.members.models import Member
from shoplet.modules.orders.models import Order
from tests.modules.insights.factories import Paid, add_orders, make_shop
from tests.modules.staff.conftest import bearer, token_for

MANAGEMENT = "/api/v1/console/insights/boards/management"
OPERATIONS = "/api/v1/console/insights/boards/operations"

# (member, quantity, region, source, campaign ref)
CURRENT = [
    (1, 1, "110101", "cart", None),
    (1, 1, "110105", "cart", None),
    (2, 2, "110101", "buy_now", None),
    (3, 1, "440106", "flashsale", "flash:7:11"),
    (4, 3, "440106", "flashsale", "flash:7:12"),
    (3, 1, "440305", "cart", None),
]
UNIT = 10000  # fen per unit of the factory's costed SKU


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "board-operator"))


async def _seed(ctx: AppContext) -> tuple[str, int]:
    """The orders above two days ago, one more ten days ago (the previous period); the range
    as query parameters and the costed SKU."""
    shop = await make_shop(ctx)
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        numbers = await add_orders(
            s,
            shop,
            [Paid(m, now - timedelta(days=2), quantity=q) for m, q, *_ in CURRENT]
            + [Paid(5, now - timedelta(days=10))],
        )
        for number, (_, _, region, source, ref) in zip(numbers, CURRENT, strict=False):
            await s.execute(
                update(Order)
                .where(Order.order_no == number)
                .values(region_code=region, source=source, stock_source_ref=ref)
            )
    today = shop_day(now)
    return f"start={today - timedelta(days=6)}&end={today}", shop.costed_sku


def _tiles(board: dict[str, object]) -> dict[str, tuple[object, object]]:
    tiles = board["tiles"]
    assert isinstance(tiles, list)
    return {t["code"]: (t["value"], t["previous"]) for t in tiles}


def _sums_match(board: dict[str, object]) -> None:
    tiles = _tiles(board)
    rows = board["rows"]
    assert isinstance(rows, list)
    assert sum(r["orders"] for r in rows) == tiles["orders"][0]
    assert sum(r["gmv"] for r in rows) == tiles["gmv"][0]


async def test_management_board_region_drill(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    span, _ = await _seed(ctx)
    before = (await client.get(f"{MANAGEMENT}?{span}", headers=staff)).json()
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        at = now - timedelta(days=1)
        for _ in range(2):
            row = {"nickname": "新会员", "created_at": at, "last_login_at": at}
            await s.execute(insert(Member).values(**row))

    response = await client.get(f"{MANAGEMENT}?{span}", headers=staff)
    assert response.status_code == 200, response.text
    board = response.json()
    assert (board["kind"], board["drill"], board["title"]) == ("management", "province", "全国")
    tiles = _tiles(board)
    assert list(tiles) == ["gmv", "orders", "aov", "new_members", "repeat_rate"]
    assert tiles["orders"] == (6, 1)
    assert tiles["gmv"] == (9 * UNIT, UNIT)
    assert tiles["aov"] == (round(9 * UNIT / 6), UNIT)
    assert tiles["new_members"][0] == _tiles(before)["new_members"][0] + 2
    assert tiles["repeat_rate"] == (50.0, 0.0)  # members 1 and 3 of 1-4
    assert [(r["key"], r["name"], r["orders"]) for r in board["rows"]] == [
        ("440000", "广东省", 3),
        ("110000", "北京市", 3),
    ]
    _sums_match(board)

    province = (await client.get(f"{MANAGEMENT}?{span}&region=440000", headers=staff)).json()
    assert (province["drill"], province["title"]) == ("city", "广东省")
    assert _tiles(province)["orders"] == (3, 0)
    assert _tiles(province)["repeat_rate"] == (50.0, None)  # member 3 bought in both cities
    assert [(r["key"], r["name"], r["orders"]) for r in province["rows"]] == [
        ("440100", "广州市", 2),
        ("440300", "深圳市", 1),
    ]
    _sums_match(province)
    beijing = (await client.get(f"{MANAGEMENT}?{span}&region=110000", headers=staff)).json()
    assert [(r["key"], r["orders"], r["gmv"]) for r in beijing["rows"]] == [("110100", 3, 4 * UNIT)]
    _sums_match(beijing)

    # No order of the city went through a store: the store level is 线上 alone.
    city = (await client.get(f"{MANAGEMENT}?{span}&region=440100", headers=staff)).json()
    assert (city["drill"], city["title"]) == ("store", "广东省 / 广州市")
    assert [(r["key"], r["name"], r["orders"], r["share"]) for r in city["rows"]] == [
        ("online", "线上", 2, 100.0)
    ]
    assert _tiles(city)["gmv"][0] == 4 * UNIT
    _sums_match(city)

    # A channel narrows the management board too.
    flash = (await client.get(f"{MANAGEMENT}?{span}&channel=flashsale", headers=staff)).json()
    assert _tiles(flash)["orders"][0] == 2
    _sums_match(flash)


async def test_operations_board_channel_drill_and_stock_risk(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    span, sku_id = await _seed(ctx)
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            insert(ForecastSeries).values(
                kind="sku",
                ref_id=sku_id,
                run_id=1,
                start_day=shop_day(now) - timedelta(days=60),
                history=[4.0] * 60,
                forecast=[4.0] * 28,
                lower=[3.0] * 28,
                upper=[5.0] * 28,
                model="AutoETS",
                method="statsforecast",
                sigma=1.0,
                accuracy={},
                computed_at=now,
            )
        )

    response = await client.get(f"{OPERATIONS}?{span}", headers=staff)
    assert response.status_code == 200, response.text
    board = response.json()
    assert (board["kind"], board["drill"], board["stock_days"]) == ("operations", "source", 7)
    tiles = _tiles(board)
    assert list(tiles) == ["gmv", "orders", "aov", "buyers", "stock_risk"]
    assert tiles["buyers"] == (4, 1)
    assert tiles["stock_risk"] == (1, None)
    [risk] = board["stock_risk"]
    assert risk["sku_id"] == sku_id
    assert risk["available"] == 10
    assert risk["days_until_stockout"] <= 3
    assert [(r["key"], r["name"], r["orders"]) for r in board["rows"]] == [
        ("flashsale", "秒杀", 2),
        ("cart", "购物车", 3),
        ("buy_now", "立即购买", 1),
    ]
    _sums_match(board)

    flash = (await client.get(f"{OPERATIONS}?{span}&channel=flashsale", headers=staff)).json()
    assert flash["drill"] == "campaign"
    assert [(r["key"], r["name"], r["orders"], r["gmv"]) for r in flash["rows"]] == [
        ("flashsale:7", "秒杀活动 #7", 2, 4 * UNIT)
    ]
    _sums_match(flash)
    cart = (await client.get(f"{OPERATIONS}?{span}&channel=cart", headers=staff)).json()
    assert [(r["key"], r["name"], r["orders"]) for r in cart["rows"]] == [("none", "无活动", 3)]
    _sums_match(cart)
    # Region and channel together.
    both = await client.get(f"{OPERATIONS}?{span}&channel=cart&region=110000", headers=staff)
    assert _tiles(both.json())["orders"][0] == 2
    # A shorter horizon leaves out a SKU running out later.
    later = await client.get(f"{OPERATIONS}?{span}&stock_days=1", headers=staff)
    assert _tiles(later.json())["stock_risk"][0] == 0


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("region=999999", 400, "insights.dashboard_invalid"),
        ("start=2026-03-02&end=2026-03-01", 400, "insights.dashboard_invalid"),
        ("start=2020-01-01&end=2026-01-01", 400, "insights.dashboard_invalid"),
        ("start=2999-01-01&end=2999-01-02", 400, "insights.dashboard_invalid"),
        ("channel=Bad-Channel", 400, "insights.dashboard_invalid"),
        ("region=11", 422, None),
        ("stock_days=0", 422, None),
    ],
)
async def test_bad_filters(
    client: httpx.AsyncClient, staff: dict[str, str], query: str, status: int, code: str | None
) -> None:
    response = await client.get(f"{OPERATIONS}?{query}", headers=staff)
    assert response.status_code == status, response.text
    if code:
        assert response.json()["code"] == code


async def test_permissions(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = bearer(await token_for(client, ctx, "board-support", role="support"))
    for url in (MANAGEMENT, OPERATIONS):
        assert (await client.get(url)).status_code == 401
        assert (await client.get(url, headers=support)).status_code == 403
