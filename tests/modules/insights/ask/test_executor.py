"""The executor's exact values on seeded orders, on SQLite and PostgreSQL: every metric, the
dimensions (day buckets in Asia/Shanghai, region groups, provinces, categories, products,
channels), filters, rankings and comparisons, through ``service.ask`` with a fixed clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.insights.ask import service
from shoplet.modules.staff.public import PERMISSIONS, StaffIdentity
from tests.modules.insights.ask.factories import (
    Line,
    Placed,
    Store,
    add_members,
    add_orders,
    make_store,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 5, 11, 0, tzinfo=SH)  # a Saturday; 上周 = 2026-11-23..29
OWNER = StaffIdentity(1, "owner", "owner", PERMISSIONS["owner"])


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


async def _seed(ctx: AppContext) -> Store:
    store = await make_store(ctx)
    tee = lambda n: Line(store.tee, n, 9900 * n, "纯棉T恤")  # noqa: E731
    dress = Line(store.dress, 1, 19900, "碎花连衣裙")
    phone = Line(store.phone, 1, 199900, "拍照手机")
    async with unit_of_work(ctx.sessionmaker) as s:
        await add_orders(
            s,
            [
                Placed(1, [tee(2)], sh(2026, 11, 24, 10)),
                Placed(1, [dress], sh(2026, 11, 26, 23, 30), "330106", "groupbuy", refunded=19900),
                # Monday 00:10 in Shanghai is still Sunday in UTC: 上周 all the same.
                Placed(2, [phone], sh(2026, 11, 23, 0, 10), "440305", shipping=1000),
                Placed(3, [tee(1)], sh(2026, 11, 29, 23, 59), "110101", "flashsale"),
                # Monday 00:00:30 in Shanghai (Sunday in UTC): this week, not 上周.
                Placed(2, [tee(3)], sh(2026, 11, 30, 0, 0, 30), "440305"),
                Placed(4, [tee(1)], None, created_at=sh(2026, 11, 27, 9)),
                Placed(5, [tee(1)], sh(2025, 11, 26, 12)),  # 去年同期
            ],
            store.sku,
        )
        await add_members(s, [sh(2026, 11, 24, 8), sh(2026, 11, 28, 8), sh(2026, 12, 1, 8)])
    return store


async def _ask(ctx: AppContext, question: str) -> dict[str, Any]:
    async with ctx.sessionmaker() as s:
        answer = await service.ask(s, OWNER, question, NOW)
    assert answer.query is not None, answer.message
    return answer.model_dump(mode="json")


async def test_single_figures(ctx: AppContext) -> None:
    await _seed(ctx)
    expected = {
        "上周销售额": 250500,
        "上周订单数": 4,
        "上周客单价": 62625,
        "上周销量": 5,
        "上周下单人数": 3,
        "上周复购率": 333,
        "上周退款率": 250,
        "上周退款金额": 19900,
        "上周支付转化率": 833,  # 6 placed in the week, 5 of them paid by now
        "上周新会员数": 2,
        "本月新会员数": 1,
        "上周服饰的销售额": 19800 + 9900 + 19900,  # 女装 is under 服饰
        "上周女装销量": 1,
        "上周华东地区营业额": 19800 + 19900,
        "上周广东的订单数": 1,
        "上周杭州的成交额": 19900,
        "上周拼团订单数": 1,
        "2026年11月订单数": 5,
        "11月23日的订单数": 1,
        "11月30日到12月5日订单数": 1,
    }
    for question, value in expected.items():
        answer = await _ask(ctx, question)
        assert answer["chart"]["type"] == "number", question
        assert answer["rows"] == [[value]], question


async def test_rankings_and_splits(ctx: AppContext) -> None:
    await _seed(ctx)
    answer = await _ask(ctx, "上周华东地区哪个品类销售额最高")
    assert answer["rows"] == [["女装", 19900], ["服饰", 19800]]
    assert answer["chart"] == {
        "type": "bar",
        "x": "category",
        "y": ["gmv"],
        "group": None,
        "unit": "fen",
        "value": None,
        "previous": None,
        "delta_permille": None,
    }
    assert answer["description"] == "销售额 · 按品类 · 2026-11-23至2026-11-29 · 华东 · 前10"
    assert (await _ask(ctx, "上周哪个商品卖得最好"))["rows"] == [
        ["纯棉T恤", 3],
        ["拍照手机", 1],
        ["碎花连衣裙", 1],
    ]
    assert (await _ask(ctx, "上周各地区订单数排名"))["rows"] == [
        ["华东", 2],
        ["华北", 1],
        ["华南", 1],
    ]
    assert (await _ask(ctx, "上周各省销售额排名"))["rows"] == [
        ["广东省", 200900],
        ["浙江省", 19900],
        ["上海市", 19800],
        ["北京市", 9900],
    ]
    assert (await _ask(ctx, "上周各渠道订单数"))["rows"] == [
        ["购物车", 2],
        ["拼团", 1],
        ["秒杀", 1],
    ]
    assert (await _ask(ctx, "上周各城市客单价"))["rows"] == [
        ["深圳市", 200900],
        ["杭州市", 19900],
        ["上海市", 19800],
        ["北京市", 9900],
    ]
    assert (await _ask(ctx, "上周各会员等级订单数"))["rows"][0][1] == 4


async def test_time_series_in_shanghai_days(ctx: AppContext) -> None:
    await _seed(ctx)
    answer = await _ask(ctx, "上周每天的订单数")
    assert answer["chart"]["type"] == "line"
    assert answer["rows"] == [
        ["2026-11-23", 1],
        ["2026-11-24", 1],
        ["2026-11-25", 0],
        ["2026-11-26", 1],
        ["2026-11-27", 0],
        ["2026-11-28", 0],
        ["2026-11-29", 1],
    ]
    weekly = await _ask(ctx, "11月16日到12月5日每周的销售额")
    assert weekly["rows"] == [
        ["2026-11-16", 0],
        ["2026-11-23", 250500],
        ["2026-11-30", 29700],
    ]
    monthly = await _ask(ctx, "今年每月退款率")
    assert monthly["rows"][-2:] == [["2026-11", 200], ["2026-12", None]]


async def test_comparisons(ctx: AppContext) -> None:
    await _seed(ctx)
    answer = await _ask(ctx, "上周销售额同比")
    assert answer["rows"] == [[250500, 9900, 24303]]
    assert answer["chart"]["delta_permille"] == 24303
    assert answer["description"].endswith("同比 2025-11-23至2025-11-29")
    ring = await _ask(ctx, "上周订单数环比")
    assert ring["rows"] == [[4, 0, None]]
