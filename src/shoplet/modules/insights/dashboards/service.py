"""Three levels of one dashboard — the shop (总览), a category (品类), a product (商品) — each
with the period's tiles against the same length of time just before, and the next level's rows
to drill into. A period is the shop's last ``days`` days up to now (today so far with
``days=1``); the previous one ends the same time before, so a live tile compares like with like.
Money tiles need ``orders:read`` beside ``dashboard:read``."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.insights.forecast.service import day_start, shop_day

from . import repository
from .errors import DashboardInvalid
from .repository import Totals
from .schemas import DashboardRow, DashboardTile, Level, SalesDashboard

MONEY_PERMISSION = "orders:read"
REFRESH_SECONDS = 15
TILES: dict[str, tuple[str, str, bool]] = {
    # code: (name, unit, money)
    "gmv": ("销售额 GMV", "分", True),
    "orders": ("支付订单数", "单", False),
    "aov": ("客单价", "分", True),
    "units": ("销量", "件", False),
    "buyers": ("购买人数", "人", False),
    "refunds": ("退款金额", "分", True),
}


def _values(t: Totals | None, refunds: int | None) -> dict[str, float | None]:
    gmv = t.gmv if t else 0
    count = t.orders if t else 0
    return {
        "gmv": gmv,
        "orders": count,
        "aov": round(gmv / count) if count else None,
        "units": t.units if t else 0,
        "buyers": t.buyers if t else 0,
        "refunds": refunds,
    }


async def _category_names(session: AsyncSession) -> dict[int, str]:
    names: dict[int, str] = {}
    for top in await catalog.list_categories(session):
        names[top.id] = top.name
        for child in top.children:
            names[child.id] = f"{top.name} / {child.name}"
    return names


async def dashboard(
    session: AsyncSession,
    level: Level,
    *,
    days: int,
    category_id: int | None,
    product_id: int | None,
    permissions: Collection[str],
    now: datetime | None = None,
) -> SalesDashboard:
    now = now or utcnow()
    if level == "category" and category_id is None:
        raise DashboardInvalid("The category level needs category_id")
    if level == "product" and product_id is None:
        raise DashboardInvalid("The product level needs product_id")
    since = day_start(shop_day(now) - timedelta(days=days - 1))
    span = now - since
    previous = (since - span, since)
    kept_category = category_id if level != "shop" else None
    kept_product = product_id if level == "product" else None
    current = await repository.totals(
        session, since, now, group=None, category_id=kept_category, product_id=kept_product
    )
    before = await repository.totals(
        session, *previous, group=None, category_id=kept_category, product_id=kept_product
    )
    refunds = await repository.refunded(session, since, now) if level == "shop" else None
    refunds_before = await repository.refunded(session, *previous) if level == "shop" else None
    values = _values(current[0] if current else None, refunds)
    earlier = _values(before[0] if before else None, refunds_before)
    may_see_money = MONEY_PERMISSION in permissions
    tiles = [
        DashboardTile(code=code, name=name, unit=unit, value=values[code], previous=earlier[code])
        for code, (name, unit, money) in TILES.items()
        if (may_see_money or not money) and not (code == "refunds" and level != "shop")
    ]
    names = await _category_names(session)
    rows: list[DashboardRow] = []
    if level != "product":
        group: repository.Group = "category" if level == "shop" else "product"
        found = await repository.totals(
            session, since, now, group=group, category_id=kept_category, product_id=kept_product
        )
        rows = [
            DashboardRow(
                id=t.key,
                name=(names.get(t.key, "未分类") if t.key is not None else "未分类")
                if group == "category"
                else t.name,
                gmv=t.gmv if may_see_money else 0,
                orders=t.orders,
                units=t.units,
                buyers=t.buyers,
            )
            for t in found
        ]
        rows.sort(key=lambda r: (-r.gmv, -r.units, r.id or 0))
    title = "全店"
    if level == "category" and category_id is not None:
        title = names.get(category_id, f"品类 {category_id}")
    if level == "product":
        found_rows = await repository.totals(
            session, since, now, group="product", product_id=product_id
        )
        title = found_rows[0].name if found_rows else f"商品 {product_id}"
    return SalesDashboard(
        level=level,
        days=days,
        category_id=kept_category,
        product_id=kept_product,
        title=title,
        since=since,
        until=now,
        tiles=tiles,
        rows=rows,
        refresh_seconds=REFRESH_SECONDS,
    )
