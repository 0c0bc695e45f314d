"""一线看板 (the frontline board): what staff on shift act on now — goods orders to ship, the
after-sales queue, sold-out and nearly sold-out SKUs, alerts not yet resolved. Each tile is a
count and the few entries to act on first, each linking to the console page that handles it.

Every figure comes from another module's ``public.py`` (orders, inventory, catalog) or from
the alerts beside this package. A tile is shown only to staff whose role handles it, so
support staff (orders, after-sales, products) see theirs and not the alerts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import one_snapshot, utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.insights.alerts import repository as alerts
from shoplet.modules.insights.alerts.metrics import METRICS
from shoplet.modules.inventory import public as inventory
from shoplet.modules.orders import public as orders

from .schemas import BoardItem, BoardTile, FrontlineBoard

ITEMS = 5
LOW_STOCK_THRESHOLD = 10
# Inventory knows nothing of products: read further than shown, then drop SKUs not on sale.
STOCK_SCAN = 100
POLL_SECONDS = 15

AFTERSALE_KINDS = {"refund_only": "仅退款", "return_refund": "退货退款"}
AFTERSALE_STATUS = {
    "requested": "待审核",
    "approved": "已同意",
    "awaiting_return": "待买家退货",
    "returned": "买家已退货",
    "refunding": "退款中",
}
INCIDENT_STATUS = {"open": "告警中", "acknowledged": "已确认"}


@dataclass(frozen=True, slots=True)
class TileSpec:
    code: str
    name: str
    unit: str
    permission: str
    link: str
    read: Callable[[AsyncSession], Awaitable[tuple[int, list[BoardItem]]]]


async def _to_ship(session: AsyncSession) -> tuple[int, list[BoardItem]]:
    count, oldest = await orders.orders_to_ship(session, limit=ITEMS)
    return count, [
        BoardItem(
            key=o.order_no,
            label=o.order_no,
            detail="待发货",
            amount=o.payable_total,
            at=o.paid_at,
            link=f"/orders/{o.order_no}",
        )
        for o in oldest
    ]


async def _aftersales(session: AsyncSession) -> tuple[int, list[BoardItem]]:
    count, oldest = await orders.open_aftersales(session, limit=ITEMS)
    return count, [
        BoardItem(
            key=a.aftersale_no,
            label=a.aftersale_no,
            detail=" · ".join(
                (AFTERSALE_KINDS.get(a.kind, a.kind), AFTERSALE_STATUS.get(a.status, a.status))
            ),
            amount=a.amount,
            at=a.created_at,
            link=f"/orders/{a.order_no}",
        )
        for a in oldest
    ]


async def _stock_items(
    session: AsyncSession, levels: list[inventory.StockLevel]
) -> list[BoardItem]:
    snapshots = await catalog.get_sku_snapshots(session, [level.sku_id for level in levels])
    items: list[BoardItem] = []
    for level in levels:
        sku = snapshots.get(level.sku_id)
        if sku is None or not sku.is_purchasable:
            continue
        items.append(
            BoardItem(
                key=str(level.sku_id),
                label=sku.product_title,
                detail=" · ".join(filter(None, (sku.spec_text, f"可售 {level.available} 件"))),
                quantity=level.available,
                link=f"/products/{sku.product_id}",
            )
        )
        if len(items) == ITEMS:
            break
    return items


async def _stock_outs(session: AsyncSession) -> tuple[int, list[BoardItem]]:
    count = await inventory.count_out_of_stock(session)
    if not count:
        return 0, []
    levels = await inventory.list_low_stock(session, threshold=0, limit=STOCK_SCAN)
    return count, await _stock_items(session, levels)


async def _low_stock(session: AsyncSession) -> tuple[int, list[BoardItem]]:
    count = await inventory.count_low_stock(session, threshold=LOW_STOCK_THRESHOLD)
    if not count:
        return 0, []
    levels = await inventory.list_low_stock(
        session, threshold=LOW_STOCK_THRESHOLD, above=0, limit=STOCK_SCAN
    )
    return count, await _stock_items(session, levels)


async def _alerts(session: AsyncSession) -> tuple[int, list[BoardItem]]:
    count, newest = await alerts.unresolved_incidents(session, ITEMS)
    return count, [
        BoardItem(
            key=str(incident_id),
            label=name,
            detail=(
                f"{METRICS[metric].name if metric in METRICS else metric} · "
                f"{INCIDENT_STATUS.get(status, status)}"
            ),
            at=opened_at,
            link="/alerts",
        )
        for incident_id, name, metric, status, opened_at in newest
    ]


TILES: tuple[TileSpec, ...] = (
    TileSpec("to_ship", "待发货订单", "单", "orders:read", "/orders?status=paid", _to_ship),
    TileSpec("aftersales", "售后待处理", "单", "aftersales:handle", "/aftersales", _aftersales),
    TileSpec("stock_outs", "售罄 SKU", "个", "products:read", "/products", _stock_outs),
    TileSpec(
        "low_stock",
        f"库存告急（≤{LOW_STOCK_THRESHOLD} 件）",
        "个",
        "products:read",
        "/products",
        _low_stock,
    ),
    TileSpec("alerts", "未恢复告警", "条", "insights:alerts", "/alerts", _alerts),
)
FRONTLINE_PERMISSIONS = frozenset(t.permission for t in TILES)


def may_see(permissions: Collection[str]) -> bool:
    """Whether the role sees at least one tile of the board."""
    return any(p in permissions for p in FRONTLINE_PERMISSIONS)


async def frontline_board(
    session: AsyncSession, permissions: Collection[str], *, now: datetime | None = None
) -> FrontlineBoard:
    """The tiles ``permissions`` allow, all read from one snapshot (a tile's count agrees with
    its list while orders are paid meanwhile); ``session`` must not have read anything yet."""
    await one_snapshot(session)
    tiles: list[BoardTile] = []
    for spec in TILES:
        if spec.permission not in permissions:
            continue
        value, items = await spec.read(session)
        tiles.append(
            BoardTile(
                code=spec.code,
                name=spec.name,
                unit=spec.unit,
                value=value,
                link=spec.link,
                items=items,
            )
        )
    return FrontlineBoard(generated_at=now or utcnow(), tiles=tiles, refresh_seconds=POLL_SECONDS)
