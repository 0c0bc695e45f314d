"""Plain async factories for the membership tests (no tests here): growth through the public
API in its own transaction, and direct reads of the membership tables and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events.models import OutboxEvent
from shoplet.modules.membership import public as membership
from shoplet.modules.membership.models import Account, GrowthEntry, Notice

TIERS = "/api/v1/membership/tiers"
MY_CARD = "/api/v1/me/membership"
MY_GROWTH = "/api/v1/me/growth"
CONSOLE = "/api/v1/console/membership"


def member_url(member_id: int) -> str:
    return f"/api/v1/console/members/{member_id}/membership"


async def grow(
    ctx: AppContext,
    member_id: int,
    amount: int,
    ref: str,
    *,
    reason: str = "review",
    now: datetime | None = None,
) -> membership.GrowthResult:
    async with unit_of_work(ctx.sessionmaker) as s:
        return await membership.add_growth(s, member_id, amount, reason, ref, now=now)


async def account(ctx: AppContext, member_id: int) -> Account | None:
    async with ctx.sessionmaker() as s:
        return await s.scalar(select(Account).where(Account.member_id == member_id))


async def entries(ctx: AppContext, member_id: int) -> list[tuple[int, str, str]]:
    """(amount, reason, ref) of the member's ledger, oldest first."""
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(GrowthEntry).where(GrowthEntry.member_id == member_id).order_by(GrowthEntry.id)
        )
        return [(r.amount, r.reason, r.ref) for r in rows]


async def notices(ctx: AppContext, member_id: int) -> list[tuple[str, int, int, str]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(Notice).where(Notice.member_id == member_id).order_by(Notice.id)
        )
        return [(n.kind, n.from_level, n.to_level, n.message) for n in rows]


async def tier_events(ctx: AppContext, member_id: int) -> list[dict[str, Any]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.type == membership.TIER_CHANGED)
            .order_by(OutboxEvent.id)
        )
        return [r.payload for r in rows if r.payload["member_id"] == member_id]


def tier_body(**changes: Any) -> dict[str, Any]:
    """The default table as the console sends it, with ``changes`` {level: {field: value}}."""
    tiers: list[dict[str, Any]] = [
        {"level": 0, "code": "V0", "name": "普通会员", "threshold": 0, "keep_threshold": 0},
        {"level": 1, "code": "V1", "name": "白银会员", "threshold": 500, "keep_threshold": 200},
        {"level": 2, "code": "V2", "name": "黄金会员", "threshold": 2000, "keep_threshold": 800},
        {
            "level": 3,
            "code": "V3",
            "name": "铂金会员",
            "threshold": 6000,
            "keep_threshold": 2500,
            "benefits": {"discount_permille": 960, "free_shipping": True},
        },
        {"level": 4, "code": "V4", "name": "钻石会员", "threshold": 15000, "keep_threshold": 6000},
    ]
    for level, fields in changes.items():
        tiers[int(level[1:])].update(fields)
    return {"tiers": tiers}
