"""The store level of 经营看板 and the campaign drill of 运营看板 (SQLite and PostgreSQL): orders
recorded against stores (pickup, same-city, scan-to-buy) and placed by group buys, bargains,
crowdfunding, live sessions and coupons, read through the owning modules' public subqueries. A
city's stores plus 线上 add up to the city; a channel's campaigns add up to the channel; every
order counts once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import JSON, Boolean, DateTime, String, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.insights.dashboards.boards import _with_ratios
from shoplet.modules.insights.dashboards.schemas import DrillRow
from shoplet.modules.insights.forecast.service import day_start, shop_day
from shoplet.modules.live.models import LiveSale, LiveSession
from shoplet.modules.orders.models import Order
from shoplet.modules.social.bargain.models import Bargain, BargainCampaign
from shoplet.modules.social.models import (
    CrowdfundingCampaign,
    GroupCampaign,
    GroupMember,
    Pledge,
)
from shoplet.modules.stores.models import Store, StoreBooking, StoreOrder, StoreService, StoreSlot
from tests.modules.insights.factories import Paid, add_orders, make_shop
from tests.modules.staff.conftest import bearer, token_for

MANAGEMENT = "/api/v1/console/insights/boards/management"
OPERATIONS = "/api/v1/console/insights/boards/operations"
UNIT = 10000  # fen per unit of the factory's costed SKU
COUPON = 2000  # the factory's coupon takes 20 yuan off

# (member, quantity, region, source, store: (name, method) | None, play, coupon)
# play: ("flash", ref) | ("groupbuy" | "bargain" | "crowdfunding" | "live", campaign name)
ORDERS: list[tuple[int, int, str, str, tuple[str, str] | None, tuple[str, str] | None, bool]] = [
    (1, 1, "440106", "cart", ("天河店", "pickup"), None, False),
    (2, 2, "440106", "cart", ("天河店", "same_city"), ("live", "周五直播"), False),
    (1, 1, "440104", "buy_now", ("越秀店", "scan"), None, True),
    (3, 3, "440106", "cart", None, ("live", "周五直播"), True),
    (3, 1, "440106", "cart", None, None, True),
    (4, 1, "440106", "cart", None, None, False),
    (4, 1, "440305", "cart", ("天河店", "pickup"), None, False),
    (5, 1, "440106", "groupbuy", None, ("groupbuy", "三人团 T 恤"), False),
    (6, 2, "440106", "groupbuy", None, ("groupbuy", "三人团 T 恤"), False),
    (5, 1, "440106", "bargain", None, ("bargain", "砍价 T 恤"), False),
    (7, 1, "440305", "crowdfunding", None, ("crowdfunding", "众筹新款"), False),
    (8, 1, "440106", "flashsale", None, ("flash", "flash:9:11"), False),
]


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "drill-operator"))


def _filled(model: Any, now: datetime, **values: Any) -> dict[str, Any]:
    """``values`` and a plain value for every other required column of ``model`` (a test
    row: only the columns the drill reads matter)."""
    out = dict(values)
    for column in model.__table__.columns:
        if column.primary_key or column.name in out or column.nullable:
            continue
        if column.default is not None or column.server_default is not None:
            continue
        kind = getattr(column.type, "impl", column.type)  # a TypeDecorator's own type
        if isinstance(kind, DateTime):
            out[column.name] = now
        elif isinstance(kind, JSON):
            out[column.name] = []
        elif isinstance(kind, Boolean):
            out[column.name] = False
        elif isinstance(kind, String):
            out[column.name] = f"{column.name}-{len(out)}"[: kind.length or 20]
        else:
            out[column.name] = 1
    return out


async def _add(session: AsyncSession, model: Any, now: datetime, **values: Any) -> int:
    row_id = await session.scalar(
        insert(model).values(**_filled(model, now, **values)).returning(model.id)
    )
    assert row_id is not None
    return int(row_id)


async def _campaigns(session: AsyncSession, now: datetime, sku_id: int) -> dict[str, int]:
    window = {"starts_at": now - timedelta(days=9), "ends_at": now + timedelta(days=9)}
    return {
        "groupbuy": await _add(
            session,
            GroupCampaign,
            now,
            title="三人团 T 恤",
            sku_id=sku_id,
            status="active",
            group_size=3,
            group_price=UNIT,
            time_limit_seconds=3600,
            per_member_limit=2,
            max_groups=10,
            groups_opened=1,
            auto_fill_min=1,
            **window,
        ),
        "bargain": await _add(
            session,
            BargainCampaign,
            now,
            title="砍价 T 恤",
            sku_id=sku_id,
            status="active",
            start_price=UNIT,
            floor_price=1,
            time_limit_seconds=3600,
            new_user_bonus_pct=100,
            per_member_limit=1,
            subsidy_spent=0,
            budget=UNIT,
            **window,
        ),
        "crowdfunding": await _add(
            session,
            CrowdfundingCampaign,
            now,
            title="众筹新款",
            sku_id=sku_id,
            status="active",
            pledge_price=UNIT,
            target_quantity=10,
            max_quantity=20,
            per_member_limit=2,
            claimed_units=1,
            pledged_units=1,
            **window,
        ),
        "live": await _add(
            session,
            LiveSession,
            now,
            title="周五直播",
            anchor_name="小林",
            scheduled_at=now,
            provider="pushpull",
            stream_name="s-1",
        ),
    }


async def _seed(ctx: AppContext) -> tuple[str, dict[str, int]]:
    """The orders above two days ago with their stores, plays and coupons; the range as query
    parameters and the ids of the stores and campaigns by name/kind."""
    shop = await make_shop(ctx)
    now = utcnow()
    ids: dict[str, int] = {}
    async with unit_of_work(ctx.sessionmaker) as s:
        paid = [
            Paid(m, now - timedelta(days=2), quantity=q, coupon_discount=COUPON if coupon else 0)
            for m, q, _, _, _, _, coupon in ORDERS
        ]
        numbers = await add_orders(s, shop, paid)
        for name in ("天河店", "越秀店"):
            ids[name] = await _add(
                s, Store, now, name=name, lat_e6=23000000, lng_e6=113000000, hours=[]
            )
        ids |= await _campaigns(s, now, shop.costed_sku)
        for i, (number, (member, _, region, source, store, play, _)) in enumerate(
            zip(numbers, ORDERS, strict=True)
        ):
            ref = play[1] if play and play[0] == "flash" else None
            await s.execute(
                update(Order)
                .where(Order.order_no == number)
                .values(region_code=region, source=source, stock_source_ref=ref)
            )
            if store is not None:
                await _add(
                    s,
                    StoreOrder,
                    now,
                    order_no=number,
                    store_id=ids[store[0]],
                    member_id=member,
                    method=store[1],
                    status="picked_up",
                    code=None,
                )
            kind = play[0] if play else None
            link = {"order_no": number, "member_id": member}
            if kind == "groupbuy":
                group = {"group_id": 1, "campaign_id": ids["groupbuy"], "status": "succeeded"}
                await _add(s, GroupMember, now, **link, **group)
            elif kind == "bargain":
                await _add(
                    s,
                    Bargain,
                    now,
                    **link,
                    share_id=f"b{i}",
                    campaign_id=ids["bargain"],
                    status="paid",
                    start_price=UNIT,
                    floor_price=1,
                    current_price=UNIT,
                    helpers=0,
                )
            elif kind == "crowdfunding":
                pledge = {"campaign_id": ids["crowdfunding"], "status": "paid", "quantity": 1}
                await _add(s, Pledge, now, **link, **pledge)
            elif kind == "live":
                await _add(s, LiveSale, now, **link, session_id=ids["live"])
    today = shop_day(now)
    return f"start={today - timedelta(days=6)}&end={today}", ids


def _tiles(board: dict[str, Any]) -> dict[str, Any]:
    return {t["code"]: t["value"] for t in board["tiles"]}


def _add_up(board: dict[str, Any]) -> None:
    tiles = _tiles(board)
    rows = board["rows"]
    assert sum(r["orders"] for r in rows) == tiles["orders"]
    assert sum(r["gmv"] for r in rows) == tiles["gmv"]
    assert round(sum(r["share"] for r in rows)) == 100


async def test_store_level_under_a_city_adds_up_with_online(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    span, ids = await _seed(ctx)
    province = (await client.get(f"{MANAGEMENT}?{span}&region=440000", headers=staff)).json()
    [guangzhou] = [r for r in province["rows"] if r["key"] == "440100"]

    response = await client.get(f"{MANAGEMENT}?{span}&region=440100", headers=staff)
    assert response.status_code == 200, response.text
    city = response.json()
    assert (city["drill"], city["title"]) == ("store", "广东省 / 广州市")
    tianhe, yuexiu = str(ids["天河店"]), str(ids["越秀店"])
    # 天河店: 1 + 2 units; 越秀店: 1 unit less the coupon; online: the other seven orders.
    online_gmv = (3 + 1 + 1 + 1 + 2 + 1 + 1) * UNIT - 2 * COUPON
    assert [(r["key"], r["name"], r["orders"], r["buyers"], r["gmv"]) for r in city["rows"]] == [
        ("online", "线上", 7, 5, online_gmv),
        (tianhe, "天河店", 2, 2, 3 * UNIT),
        (yuexiu, "越秀店", 1, 1, UNIT - COUPON),
    ]
    rows = {r["key"]: r for r in city["rows"]}
    assert rows[tianhe]["aov"] == round(3 * UNIT / 2)
    assert rows[tianhe]["share"] == round(100 * 3 * UNIT / guangzhou["gmv"], 1)
    assert all(r["kind"] is None for r in city["rows"])
    # The stores plus online are the city's figures, and the city row of its province.
    _add_up(city)
    assert (_tiles(city)["orders"], _tiles(city)["gmv"]) == (guangzhou["orders"], guangzhou["gmv"])

    # The same filters as the other levels: a channel narrows the stores too.
    scan = await client.get(f"{MANAGEMENT}?{span}&region=440100&channel=buy_now", headers=staff)
    assert [(r["key"], r["orders"]) for r in scan.json()["rows"]] == [(yuexiu, 1)]
    # 天河店's order delivered in 深圳 counts under 深圳.
    shenzhen = (await client.get(f"{MANAGEMENT}?{span}&region=440300", headers=staff)).json()
    assert sorted((r["key"], r["orders"]) for r in shenzhen["rows"]) == sorted(
        [("online", 1), (tianhe, 1)]
    )
    _add_up(shenzhen)


async def test_campaign_drill_lists_every_kind_once_per_order(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    span, ids = await _seed(ctx)
    sources = (await client.get(f"{OPERATIONS}?{span}", headers=staff)).json()
    orders_of = {r["key"]: r["orders"] for r in sources["rows"]}
    assert orders_of == {
        "cart": 6,
        "buy_now": 1,
        "groupbuy": 2,
        "bargain": 1,
        "crowdfunding": 1,
        "flashsale": 1,
    }

    def rows(board: dict[str, Any]) -> list[tuple[Any, ...]]:
        keys = ("key", "kind", "kind_label", "name", "orders")
        return [tuple(r[k] for k in keys) for r in board["rows"]]

    cart = (await client.get(f"{OPERATIONS}?{span}&channel=cart", headers=staff)).json()
    assert cart["drill"] == "campaign"
    # The live session's coupon order counts for the session only.
    assert rows(cart) == [
        (f"live:{ids['live']}", "live", "直播", "周五直播", 2),
        ("none", "none", "无活动", "无活动", 3),
        (f"coupon:{cart_template(cart)}", "coupon", "优惠券", "满100减20", 1),
    ]
    live = cart["rows"][0]
    assert (live["gmv"], live["buyers"], live["aov"]) == (5 * UNIT - COUPON, 2, 24000)
    _add_up(cart)

    groupbuy = (await client.get(f"{OPERATIONS}?{span}&channel=groupbuy", headers=staff)).json()
    assert rows(groupbuy) == [(f"groupbuy:{ids['groupbuy']}", "groupbuy", "拼团", "三人团 T 恤", 2)]
    assert groupbuy["rows"][0]["buyers"] == 2
    _add_up(groupbuy)
    for channel, kind, label, name in (
        ("bargain", "bargain", "砍价", "砍价 T 恤"),
        ("crowdfunding", "crowdfunding", "众筹", "众筹新款"),
    ):
        board = (await client.get(f"{OPERATIONS}?{span}&channel={channel}", headers=staff)).json()
        assert rows(board) == [(f"{kind}:{ids[kind]}", kind, label, name, 1)]
        _add_up(board)
    flash = (await client.get(f"{OPERATIONS}?{span}&channel=flashsale", headers=staff)).json()
    assert rows(flash) == [("flashsale:9", "flashsale", "秒杀", "秒杀活动 #9", 1)]

    # Region and channel together: 深圳 has no cart order of a campaign.
    both = await client.get(f"{OPERATIONS}?{span}&channel=cart&region=440300", headers=staff)
    assert rows(both.json()) == [("none", "none", "无活动", "无活动", 1)]


def cart_template(board: dict[str, Any]) -> str:
    [key] = [r["key"] for r in board["rows"] if r["kind"] == "coupon"]
    return str(key).split(":")[1]


async def _waiting_at(ctx: AppContext, store_id: int) -> None:
    """An awaited pickup, and three bookings of a slot today (one cancelled, one checked in),
    plus one of a slot tomorrow."""
    now = utcnow()
    today = day_start(shop_day(now))
    async with unit_of_work(ctx.sessionmaker) as s:
        await _add(
            s,
            StoreOrder,
            now,
            order_no="AWAITED-1",
            store_id=store_id,
            member_id=1,
            method="pickup",
            status="awaiting",
            code="123456",
        )
        service = await _add(s, StoreService, now, store_id=store_id, name="试衣", duration_min=30)
        slots = [
            await _add(
                s,
                StoreSlot,
                now,
                service_id=service,
                store_id=store_id,
                starts_at=at,
                capacity=10,
                booked=0,
            )
            for at in (today + timedelta(hours=10), today + timedelta(days=1, hours=10))
        ]
        for member, status, slot in (
            (1, "booked", slots[0]),
            (2, "checked_in", slots[0]),
            (3, "cancelled", slots[0]),
            (4, "booked", slots[1]),
        ):
            booking = {"slot_id": slot, "store_id": store_id, "member_id": member}
            await _add(s, StoreBooking, now, **booking, status=status)


async def test_a_store_board_has_its_orders_by_method_and_what_waits_there(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    span, ids = await _seed(ctx)
    tianhe = ids["天河店"]
    await _waiting_at(ctx, tianhe)
    city = (await client.get(f"{MANAGEMENT}?{span}&region=440100", headers=staff)).json()
    [row] = [r for r in city["rows"] if r["key"] == str(tianhe)]

    response = await client.get(f"{MANAGEMENT}?{span}&region=440100&store={tianhe}", headers=staff)
    assert response.status_code == 200, response.text
    board = response.json()
    assert (board["drill"], board["title"]) == ("method", "广东省 / 广州市 · 天河店")
    # A signup has no store: no 新会员数 on a store's board.
    assert [t["code"] for t in board["tiles"]] == ["gmv", "orders", "aov", "repeat_rate"]
    assert (_tiles(board)["orders"], _tiles(board)["gmv"]) == (row["orders"], row["gmv"])
    assert [(r["key"], r["name"], r["orders"], r["gmv"]) for r in board["rows"]] == [
        ("same_city", "同城配送", 1, 2 * UNIT),
        ("pickup", "到店自提", 1, UNIT),
    ]
    _add_up(board)
    card = board["store"]
    assert (card["id"], card["name"]) == (tianhe, "天河店")
    assert (card["pickups_awaiting"], card["bookings_today"], card["checked_in_today"]) == (1, 2, 1)

    # Without the city: every order of the store, wherever it was delivered (深圳's pickup too).
    anywhere = (await client.get(f"{MANAGEMENT}?{span}&store={tianhe}", headers=staff)).json()
    assert anywhere["title"] == "全国 · 天河店"
    assert [(r["key"], r["orders"]) for r in anywhere["rows"]] == [
        ("pickup", 2),
        ("same_city", 1),
    ]
    _add_up(anywhere)
    # The other filters narrow it as on every level.
    none = await client.get(f"{MANAGEMENT}?{span}&store={tianhe}&channel=buy_now", headers=staff)
    assert (none.json()["rows"], _tiles(none.json())["orders"]) == ([], 0)


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("store=999999", 404, "stores.not_found"),
        ("store=0", 422, None),
        ("store=天河店", 422, None),
        ("store=99999999999999999999", 422, None),
    ],
)
async def test_a_store_board_refuses_what_it_cannot_show(
    client: httpx.AsyncClient, staff: dict[str, str], query: str, status: int, code: str | None
) -> None:
    response = await client.get(f"{MANAGEMENT}?{query}", headers=staff)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if code is not None:
        assert response.json()["code"] == code


def test_without_money_rows_keep_counts_only() -> None:
    rows = [DrillRow(key="1", name="天河店", gmv=30000, orders=2, buyers=2)]
    assert _with_ratios(rows, 60000, may_see_money=True)[0].model_dump(
        include={"gmv", "aov", "share"}
    ) == {"gmv": 30000, "aov": 15000, "share": 50.0}
    assert _with_ratios(rows, 60000, may_see_money=False)[0].model_dump(
        include={"gmv", "aov", "share", "orders"}
    ) == {"gmv": 0, "aov": None, "share": None, "orders": 2}
    assert _with_ratios(rows, 0, may_see_money=True)[0].share is None


@pytest.mark.parametrize(
    ("url", "query", "status"),
    [
        (MANAGEMENT, "region=440199", 400),  # no such city
        (MANAGEMENT, "region=440106", 400),  # a district: the store level is under a city
        (MANAGEMENT, "region=440100&channel=Cart!", 400),
        (OPERATIONS, "channel=groupbuy&start=2026-03-02&end=2026-03-01", 400),
        (MANAGEMENT, "region=4401", 422),
        (OPERATIONS, "channel=" + "x" * 21, 422),
    ],
)
async def test_bad_drill_input_is_refused(
    client: httpx.AsyncClient, staff: dict[str, str], url: str, query: str, status: int
) -> None:
    response = await client.get(f"{url}?{query}", headers=staff)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if status == 400:
        assert response.json()["code"] == "insights.dashboard_invalid"
