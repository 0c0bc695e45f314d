"""Plain async helpers for the crowdfunding tests (no tests here): campaigns through the
console API, pledges through the storefront API, direct reads of the tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.social.crowdfunding.models import CrowdfundingCampaign, Pledge
from tests.modules.orders.factories import Shopper

CROWDFUNDINGS = "/api/v1/console/crowdfundings"
SHOP = "/api/v1/crowdfundings"
WATCHED = (
    "social_crowdfunding",
    "social_pledge",
    "social_quota",
    "orders_order",
    "orders_line",
    "orders_aftersale",
    "inventory_stock",
    "inventory_reservation",
    "core_outbox_event",
)


def crowdfunding_body(sku_id: int, **overrides: Any) -> dict[str, Any]:
    now = utcnow()
    body: dict[str, Any] = {
        "title": "手冲咖啡壶 众筹首发",
        "story": "设计师联名款，达到目标即开模生产。",
        "sku_id": sku_id,
        "pledge_price": 4900,
        "target_quantity": 3,
        "per_member_limit": 2,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
    }
    body.update(overrides)
    return body


async def make_crowdfunding(
    client: httpx.AsyncClient, staff: dict[str, str], sku_id: int, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        CROWDFUNDINGS, json=crowdfunding_body(sku_id, **overrides), headers=staff
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def pledge(
    client: httpx.AsyncClient, who: Shopper, campaign_id: int, quantity: int = 1
) -> httpx.Response:
    return await client.post(
        f"{SHOP}/{campaign_id}/pledges",
        json={"address_id": who.address_id, "quantity": quantity},
        headers=who.headers,
    )


async def campaign_row(ctx: AppContext, campaign_id: int) -> CrowdfundingCampaign:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(
            select(CrowdfundingCampaign).where(CrowdfundingCampaign.id == campaign_id)
        )
    assert row is not None
    return row


async def pledge_statuses(ctx: AppContext, campaign_id: int) -> dict[str, str]:
    """order no. -> pledge status of a campaign."""
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(Pledge).where(Pledge.campaign_id == campaign_id))
        return {r.order_no: r.status for r in rows}


async def past_deadline(ctx: AppContext, campaign_id: int) -> None:
    """Move the campaign's deadline into the past (the settle job then settles it)."""
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(CrowdfundingCampaign)
            .where(CrowdfundingCampaign.id == campaign_id)
            .values(ends_at=now - timedelta(seconds=1), starts_at=now - timedelta(days=1))
        )
