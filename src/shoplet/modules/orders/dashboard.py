"""The console's home page: ``GET /console/dashboard`` (``dashboard:read``).

Today against yesterday, a 30-day trend and the best sellers come from one call to
``orders.public.sales_summary`` over the last 30 Asia/Shanghai days (paid orders, by the day they
were paid); the low-stock list from ``inventory.public.list_low_stock``, named through
``catalog.public.get_sku_snapshots`` (SKUs no longer on sale are left out).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.schemas import ResponseModel
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory

from . import public as orders

SHANGHAI = ZoneInfo("Asia/Shanghai")
TREND_DAYS = 30
TOP_PRODUCTS = 10
LOW_STOCK_ITEMS = 20
# Inventory knows nothing of products: read further than shown, then drop SKUs not on sale.
LOW_STOCK_SCAN = 200
DEFAULT_LOW_STOCK_THRESHOLD = 10


class DayFigures(ResponseModel):
    date: date
    gmv: int = Field(description="payable totals of the orders paid that day, fen")
    orders: int
    paying_shoppers: int
    average_order_value: int = Field(description="GMV / orders, fen (0 without orders)")
    refunded: int = Field(description="refunded so far on the orders paid that day, fen")


class TrendPoint(ResponseModel):
    date: date
    gmv: int
    orders: int


class TopProduct(ResponseModel):
    product_id: int
    title: str
    units: int
    gmv: int


class LowStockItem(ResponseModel):
    sku_id: int
    product_id: int
    title: str
    spec_text: str
    image: str | None
    available: int
    on_hand: int
    reserved: int


class Dashboard(ResponseModel):
    generated_at: datetime
    timezone: str
    today: DayFigures
    yesterday: DayFigures
    trend: list[TrendPoint] = Field(description=f"the last {TREND_DAYS} days, oldest first")
    top_products: list[TopProduct] = Field(description=f"by units over {TREND_DAYS} days")
    low_stock_threshold: int
    low_stock: list[LowStockItem] = Field(description="SKUs on sale, scarcest first")


def average(total: int, count: int) -> int:
    """Rounded half up, in fen."""
    return (2 * total + count) // (2 * count) if count else 0


def _figures(day: orders.SalesDay) -> DayFigures:
    return DayFigures(
        date=day.date,
        gmv=day.gmv,
        orders=day.orders,
        paying_shoppers=day.paying_members,
        average_order_value=average(day.gmv, day.orders),
        refunded=day.refunded,
    )


async def low_stock(session: AsyncSession, *, threshold: int) -> list[LowStockItem]:
    levels = await inventory.list_low_stock(session, threshold=threshold, limit=LOW_STOCK_SCAN)
    snapshots = await catalog.get_sku_snapshots(session, [level.sku_id for level in levels])
    items = []
    for level in levels:
        sku = snapshots.get(level.sku_id)
        if sku is None or not sku.is_purchasable:
            continue
        items.append(
            LowStockItem(
                sku_id=level.sku_id,
                product_id=sku.product_id,
                title=sku.product_title,
                spec_text=sku.spec_text,
                image=sku.image,
                available=level.available,
                on_hand=level.on_hand,
                reserved=level.reserved,
            )
        )
        if len(items) == LOW_STOCK_ITEMS:
            break
    return items


async def build_dashboard(
    session: AsyncSession, *, now: datetime | None = None, threshold: int
) -> Dashboard:
    now = now or utcnow()
    today = now.astimezone(SHANGHAI).date()
    first = today - timedelta(days=TREND_DAYS - 1)
    summary = await orders.sales_summary(
        session,
        since=datetime.combine(first, time.min, SHANGHAI),
        until=datetime.combine(today + timedelta(days=1), time.min, SHANGHAI),
        top=TOP_PRODUCTS,
    )
    by_day = {day.date: day for day in summary.days}

    def on(day: date) -> orders.SalesDay:
        empty = orders.SalesDay(date=day, gmv=0, orders=0, paying_members=0, refunded=0)
        return by_day.get(day, empty)

    trend_days = [on(first + timedelta(days=n)) for n in range(TREND_DAYS)]
    return Dashboard(
        generated_at=now,
        timezone=str(SHANGHAI),
        today=_figures(on(today)),
        yesterday=_figures(on(today - timedelta(days=1))),
        trend=[TrendPoint(date=d.date, gmv=d.gmv, orders=d.orders) for d in trend_days],
        top_products=[
            TopProduct(product_id=p.product_id, title=p.title, units=p.units, gmv=p.amount)
            for p in summary.top_products
        ],
        low_stock_threshold=threshold,
        low_stock=await low_stock(session, threshold=threshold),
    )
