"""经营看板 (the management board) and 运营看板 (the operations board): a date range's tiles
against the same length of time just before it, from whole paid orders
(``orders.public.order_facts``), filtered by region and channel, with a drill whose rows sum
to the tiles.

- 经营看板: GMV, paid orders, average order value, new members, repeat-purchase rate; drill by
  region, province → city (the delivery district) → store: the stores that handled the city's
  orders (pickup, same-city, scan-to-buy, as ``stores.public.store_order_facts`` records them)
  and 线上 for the orders no store handled, so the level sums to the city. A store's own board
  (``store``) has the store's orders only (no new members: a signup has no store), rows by
  the way they reached the shopper (自提, 同城配送, 扫码购; they sum to the store), and the
  store's card: what waits there today (``stores.public.store_card``).
- 运营看板: GMV, paid orders, average order value, buyers, SKUs at stock risk; drill by channel,
  order source → campaign (``repository.campaign_totals``: each order counts once, for its
  flash sale, group buy, bargain or crowdfunding, else its live session, else its coupon, else
  无活动), and the SKUs the replenishment forecast sees running out within ``stock_days`` days.

Every drill row carries its average order value and its share of the parent's GMV.

A range is shop days ``start``..``end`` (inclusive), cut at now when it reaches today; the
previous period is as long and ends where this one starts. Money needs ``orders:read`` beside
``dashboard:read``. New members count the whole shop (a signup has no region or channel)."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.insights.forecast import service as forecast
from shoplet.modules.insights.forecast.service import day_start, shop_day
from shoplet.modules.members import public as members
from shoplet.modules.stores import public as stores

from . import repository
from .errors import DashboardInvalid
from .repository import KeyedTotals, OrderTotals
from .schemas import BusinessBoard, CampaignKind, DashboardTile, DrillLevel, DrillRow, StockRisk

MONEY_PERMISSION = "orders:read"
REFRESH_SECONDS = 15
MAX_DAYS = 366
DEFAULT_DAYS = 7
STOCK_RISK_ITEMS = 20
SOURCE_LABELS = {
    "cart": "购物车",
    "buy_now": "立即购买",
    "flashsale": "秒杀",
    "groupbuy": "拼团",
}
# The kinds of campaign an order is attributed to (frontends/shared BOARD_CAMPAIGN_KIND_LABELS).
CAMPAIGN_KIND_LABELS: dict[CampaignKind, str] = {
    "flashsale": "秒杀",
    "groupbuy": "拼团",
    "bargain": "砍价",
    "crowdfunding": "众筹",
    "live": "直播",
    "coupon": "优惠券",
    "none": "无活动",
}
NO_CAMPAIGN = "none"
ONLINE = "online"
ONLINE_NAME = "线上"
CHANNEL_PATTERN = re.compile(r"^[a-z_]{1,20}$")
_FLASH_REF = re.compile(r"^flash:(\d+):")

Kind = Literal["management", "operations"]
# code: (name, unit, money)
MANAGEMENT_TILES: dict[str, tuple[str, str, bool]] = {
    "gmv": ("销售额 GMV", "分", True),
    "orders": ("支付订单数", "单", False),
    "aov": ("客单价", "分", True),
    "new_members": ("新会员数", "人", False),
    "repeat_rate": ("复购率", "%", False),
}
STORE_TILES = {code: spec for code, spec in MANAGEMENT_TILES.items() if code != "new_members"}
# frontends/shared STORE_METHOD_LABELS
METHOD_LABELS: dict[str, str] = {"pickup": "到店自提", "same_city": "同城配送", "scan": "扫码购"}
OPERATIONS_TILES: dict[str, tuple[str, str, bool]] = {
    "gmv": ("销售额 GMV", "分", True),
    "orders": ("支付订单数", "单", False),
    "aov": ("客单价", "分", True),
    "buyers": ("购买人数", "人", False),
    "stock_risk": ("缺货风险 SKU", "个", False),
}


def period(
    start: date | None, end: date | None, now: datetime
) -> tuple[date, date, datetime, datetime]:
    """(start, end, since, until) of the range; 400 ``insights.dashboard_invalid`` for an
    empty, future or too long one."""
    today = shop_day(now)
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise DashboardInvalid("start is after end")
    if start > today:
        raise DashboardInvalid("The range starts in the future")
    if (end - start).days + 1 > MAX_DAYS:
        raise DashboardInvalid(f"The range is longer than {MAX_DAYS} days")
    since = day_start(start)
    return start, end, since, min(day_start(end + timedelta(days=1)), now)


def region_prefix(code: str | None) -> tuple[str | None, str]:
    """(the prefix of district codes, the name) of a province or city code; 400 otherwise."""
    if not code:
        return None, "全国"
    tree = members.region_tree()
    province = tree.province(code)
    if province is not None:
        return code[:2], province.name
    city = tree.city(code)
    if city is not None:
        parent = tree.province(city.parent) if city.parent else None
        return code[:4], f"{parent.name} / {city.name}" if parent else city.name
    raise DashboardInvalid(f"Unknown region {code!r} (a province or city code)")


def _rate(t: OrderTotals | None) -> float | None:
    if t is None or not t.buyers:
        return None
    return round(100 * t.repeat_buyers / t.buyers, 1)


def _values(t: OrderTotals | None) -> dict[str, float | None]:
    gmv = t.gmv if t else 0
    count = t.orders if t else 0
    return {
        "gmv": gmv,
        "orders": count,
        "aov": round(gmv / count) if count else None,
        "buyers": t.buyers if t else 0,
        "repeat_rate": _rate(t),
    }


def _region_rows(found: list[OrderTotals], level: Literal["province", "city"]) -> list[DrillRow]:
    tree = members.region_tree()
    rows = []
    for t in found:
        code = (t.key or "").ljust(6, "0")
        region = tree.province(code) if level == "province" else tree.city(code)
        rows.append(
            DrillRow(
                key=code,
                name=region.name if region else f"未知地区 {code}",
                gmv=t.gmv,
                orders=t.orders,
                buyers=t.buyers,
            )
        )
    return rows


def _source_rows(found: list[OrderTotals]) -> list[DrillRow]:
    return [
        DrillRow(
            key=t.key or "",
            name=SOURCE_LABELS.get(t.key or "", t.key or "未知来源"),
            gmv=t.gmv,
            orders=t.orders,
            buyers=t.buyers,
        )
        for t in found
    ]


def _method_rows(found: list[KeyedTotals]) -> list[DrillRow]:
    return [
        DrillRow(
            key=str(t.keys[0]),
            name=METHOD_LABELS.get(str(t.keys[0]), str(t.keys[0])),
            gmv=t.gmv,
            orders=t.orders,
            buyers=t.buyers,
        )
        for t in found
    ]


def _store_rows(found: list[KeyedTotals]) -> list[DrillRow]:
    """A row per store, and 线上 (key ``online``) for the orders no store handled."""
    return [
        DrillRow(
            key=ONLINE if t.keys[0] is None else str(t.keys[0]),
            name=ONLINE_NAME if t.keys[0] is None else t.name or f"门店 #{t.keys[0]}",
            gmv=t.gmv,
            orders=t.orders,
            buyers=t.buyers,
        )
        for t in found
    ]


def _campaign_rows(found: list[KeyedTotals]) -> list[DrillRow]:
    """A row per campaign, keyed ``<kind>:<id>`` (``none`` for no campaign). A flash sale's
    refs (``flash:<campaign>:<sku>``) are merged into its campaign with buyers summed per ref,
    so a shopper buying two SKUs of one flash sale counts twice there."""
    by_key: dict[str, DrillRow] = {}
    for t in found:
        kind: CampaignKind = t.keys[0] if t.keys[0] in CAMPAIGN_KIND_LABELS else "none"
        campaign: str | None = None if t.keys[1] is None else str(t.keys[1])
        if kind == "flashsale":
            match = _FLASH_REF.match(t.keys[2] or "")
            campaign = match.group(1) if match else None
        if campaign is None:
            kind = "none"
        label = CAMPAIGN_KIND_LABELS[kind]
        key = NO_CAMPAIGN if kind == "none" else f"{kind}:{campaign}"
        row = by_key.get(key)
        if row is None:
            by_key[key] = DrillRow(
                key=key,
                name=label if kind == "none" else t.name or f"{label}活动 #{campaign}",
                gmv=t.gmv,
                orders=t.orders,
                buyers=t.buyers,
                kind=kind,
                kind_label=label,
            )
        else:
            by_key[key] = row.model_copy(
                update={
                    "gmv": row.gmv + t.gmv,
                    "orders": row.orders + t.orders,
                    "buyers": row.buyers + t.buyers,
                }
            )
    return list(by_key.values())


def _with_ratios(rows: list[DrillRow], total_gmv: int, may_see_money: bool) -> list[DrillRow]:
    """Each row's average order value and share of the parent's GMV; without money, GMV 0 and
    neither ratio."""
    if not may_see_money:
        return [row.model_copy(update={"gmv": 0, "aov": None, "share": None}) for row in rows]
    return [
        row.model_copy(
            update={
                "aov": round(row.gmv / row.orders) if row.orders else None,
                "share": round(100 * row.gmv / total_gmv, 1) if total_gmv else None,
            }
        )
        for row in rows
    ]


async def _stock_risk(session: AsyncSession, days: int) -> list[StockRisk]:
    report = await forecast.replenishment_list(session, within_days=days)
    return [
        StockRisk(
            sku_id=r.sku_id,
            product_id=r.product_id,
            name=r.name,
            spec_text=r.spec_text,
            available=r.available,
            days_until_stockout=r.days_until_stockout or 0,
            suggested_quantity=r.suggested_quantity,
        )
        for r in report.items
    ]


def _title(region_name: str, channel: str | None, card: stores.StoreCard | None) -> str:
    """全国, 广东省 / 深圳市, then the channel's or the store's name after ``·``."""
    parts = [region_name]
    if channel is not None:
        parts.append(SOURCE_LABELS.get(channel, channel))
    if card is not None:
        parts.append(card.name)
    return " · ".join(parts)


async def board(
    session: AsyncSession,
    kind: Kind,
    *,
    start: date | None,
    end: date | None,
    region: str | None,
    channel: str | None,
    store: int | None = None,
    stock_days: int = 7,
    permissions: Collection[str],
    now: datetime | None = None,
) -> BusinessBoard:
    now = now or utcnow()
    start, end, since, until = period(start, end, now)
    previous = (since - (until - since), since)
    prefix, region_name = region_prefix(region)
    if channel is not None and not CHANNEL_PATTERN.match(channel):
        raise DashboardInvalid(f"Unknown channel {channel!r}")
    card = await stores.store_card(session, store, now=now) if store is not None else None

    async def totals(
        since: datetime, until: datetime, group: repository.BoardGroup | None = None
    ) -> list[OrderTotals]:
        return await repository.order_totals(
            session, since, until, region=prefix, channel=channel, store_id=store, group=group
        )

    current = await totals(since, until)
    before = await totals(*previous)
    values = _values(current[0] if current else None)
    earlier = _values(before[0] if before else None)
    risk: list[StockRisk] = []
    drill: DrillLevel
    filters = {"region": prefix, "channel": channel}
    if card is not None:
        specs = STORE_TILES
        drill = "method"
        rows = _method_rows(
            await repository.method_totals(session, since, until, **filters, store_id=card.id)
        )
    elif kind == "management":
        specs = MANAGEMENT_TILES
        values["new_members"] = await repository.new_members(session, since, until)
        earlier["new_members"] = await repository.new_members(session, *previous)
        if prefix is None or len(prefix) == 2:
            drill = "province" if prefix is None else "city"
            rows = _region_rows(await totals(since, until, drill), drill)
        else:
            drill = "store"
            rows = _store_rows(await repository.store_totals(session, since, until, **filters))
    else:
        specs = OPERATIONS_TILES
        risk = await _stock_risk(session, stock_days)
        values["stock_risk"], earlier["stock_risk"] = len(risk), None
        if channel is None:
            drill = "source"
            rows = _source_rows(await totals(since, until, "source"))
        else:
            drill = "campaign"
            found = await repository.campaign_totals(session, since, until, **filters)
            rows = _campaign_rows(found)
    may_see_money = MONEY_PERMISSION in permissions
    tiles = [
        DashboardTile(code=code, name=name, unit=unit, value=values[code], previous=earlier[code])
        for code, (name, unit, money) in specs.items()
        if may_see_money or not money
    ]
    rows = _with_ratios(rows, int(values["gmv"] or 0), may_see_money)
    rows.sort(key=lambda r: (-r.gmv, -r.orders, r.key))
    return BusinessBoard(
        kind=kind,
        start=start,
        end=end,
        since=since,
        until=until,
        region=region or None,
        channel=channel,
        drill=drill,
        title=_title(region_name, channel, card),
        tiles=tiles,
        rows=rows,
        stock_days=stock_days if kind == "operations" else None,
        stock_risk=risk[:STOCK_RISK_ITEMS],
        store=card,
        refresh_seconds=REFRESH_SECONDS,
    )
