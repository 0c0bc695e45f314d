"""Plain async helpers for the group-buy tests (no tests here): campaigns through the console
API, groups through the storefront API, payments through the WeChat Pay simulator, direct
reads of the tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import drain_outbox
from shoplet.modules.payments import public as payments
from shoplet.modules.social.models import Group, GroupMember
from tests.modules.orders.factories import Shopper, simulator

CAMPAIGNS = "/api/v1/console/group-buys"
GROUPS_ADMIN = "/api/v1/console/group-buy-groups"
SHOP = "/api/v1/group-buys"
SOCIAL_TABLES = ("social_campaign", "social_group", "social_member")
WATCHED = (
    *SOCIAL_TABLES,
    "orders_order",
    "orders_line",
    "inventory_stock",
    "inventory_reservation",
    "core_outbox_event",
)


def campaign_body(sku_id: int, **overrides: Any) -> dict[str, Any]:
    now = utcnow()
    body: dict[str, Any] = {
        "title": "三人团 纯棉T恤",
        "sku_id": sku_id,
        "group_size": 3,
        "group_price": 3900,
        "time_limit_seconds": 86400,
        "per_member_limit": 2,
        "max_groups": 100,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
    }
    body.update(overrides)
    return body


async def make_campaign(
    client: httpx.AsyncClient, staff: dict[str, str], sku_id: int, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(CAMPAIGNS, json=campaign_body(sku_id, **overrides), headers=staff)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def open_group(client: httpx.AsyncClient, who: Shopper, campaign_id: int) -> httpx.Response:
    return await client.post(
        f"{SHOP}/{campaign_id}/groups", json={"address_id": who.address_id}, headers=who.headers
    )


async def join_group(client: httpx.AsyncClient, who: Shopper, share_id: str) -> httpx.Response:
    return await client.post(
        f"{SHOP}/groups/{share_id}/join", json={"address_id": who.address_id}, headers=who.headers
    )


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def group_row(ctx: AppContext, share_id: str) -> Group:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(Group).where(Group.share_id == share_id))
    assert row is not None
    return row


async def seat_statuses(ctx: AppContext, share_id: str) -> dict[str, str]:
    """order no. -> seat status of a group."""
    group = await group_row(ctx, share_id)
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(GroupMember).where(GroupMember.group_id == group.id))
        return {r.order_no: r.status for r in rows}


async def past_deadline(ctx: AppContext, share_id: str) -> None:
    """Move the group's deadline into the past (the job then fails it)."""
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Group)
            .where(Group.share_id == share_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


async def refunds(ctx: AppContext, order_no: str) -> list[payments.RefundInfo]:
    async with ctx.sessionmaker() as s:
        return await payments.refunds_for_order(s, order_no)


async def complete_refunds(app: FastAPI, ctx: AppContext, order_nos: list[str]) -> None:
    """WeChat finishes each order's refund: the signed refund notify reaches the app (204)."""
    await payments.settle(ctx)  # the refunds reach WeChat (PROCESSING)
    for order_no in order_nos:
        for refund in await refunds(ctx, order_no):
            delivery = await simulator(app).complete_refund(refund.refund_no)
            assert delivery is not None
            assert delivery.status_code == 204, delivery.response_text
    await payments.settle(ctx)
    await drain_outbox(ctx)
