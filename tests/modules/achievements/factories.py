"""Helpers of the achievements tests: URLs, a shopper with a paid order, rows."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.modules.achievements.models import Unlock
from shoplet.modules.loyalty.models import PointsEntry
from tests.modules.orders.factories import Shopper, one_sku, pay, placed

ME = "/api/v1/me/achievements"
CELEBRATIONS = "/api/v1/me/achievements/celebrations"
SUMMARY = "/api/v1/me/achievements/summary"
CONSOLE = "/api/v1/console/achievements"
MASCOT = "/api/v1/mascot"
CONSOLE_MASCOT = "/api/v1/console/mascot"


async def paid_order(client: httpx.AsyncClient, ctx: AppContext, who: Shopper) -> str:
    """One order of a fresh SKU, paid, events delivered: its number."""
    sku_id = await one_sku(ctx)
    order = await placed(client, who, [(sku_id, 1)])
    await pay(client, ctx, who, order["order_no"])
    await drain_outbox(ctx)
    return str(order["order_no"])


async def unlock_rows(ctx: AppContext, member_id: int) -> list[Unlock]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(Unlock).where(Unlock.member_id == member_id))).all())


async def achievement_entries(ctx: AppContext, member_id: int) -> list[tuple[str, int]]:
    async with ctx.sessionmaker() as s:
        rows = await s.execute(
            select(PointsEntry.ref, PointsEntry.points).where(
                PointsEntry.member_id == member_id, PointsEntry.reason == "achievement"
            )
        )
        return [(r, p) for r, p in rows.all()]


async def count(ctx: AppContext, model: type) -> int:
    async with ctx.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


def definition_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "three_orders",
        "name": "三单达人",
        "description": "累计支付 3 笔订单",
        "rule_kind": "paid_orders",
        "threshold": 3,
        "points": 30,
        "badge_icon": "gift",
        "badge_color": "#1565C0",
        "is_enabled": True,
        "sort": 0,
    }
    body.update(overrides)
    return body


def by_code(items: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(i for i in items if i["code"] == code)
