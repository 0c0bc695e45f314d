"""Plain async helpers for the bargain tests (no tests here): campaigns through the console
API, bargains and cuts through the storefront API, direct reads of the tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.social.bargain.models import Bargain, BargainCampaign
from tests.modules.orders.factories import Shopper

CAMPAIGNS = "/api/v1/console/bargains"
SHOP = "/api/v1/bargains"
BARGAIN_TABLES = (
    "social_bargain_campaign",
    "social_bargain",
    "social_bargain_cut",
    "social_bargain_quota",
)
WATCHED = (*BARGAIN_TABLES, "orders_order", "inventory_stock", "core_outbox_event")


def campaign_body(sku_id: int, **overrides: Any) -> dict[str, Any]:
    now = utcnow()
    body: dict[str, Any] = {
        "title": "砍价 纯棉T恤",
        "sku_id": sku_id,
        "floor_price": 1900,
        "helpers_needed": 3,
        "time_limit_seconds": 86400,
        "per_member_limit": 1,
        "max_bargains": 100,
        "budget": 100_000,
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


async def start(client: httpx.AsyncClient, who: Shopper, campaign_id: int) -> httpx.Response:
    return await client.post(SHOP, json={"campaign_id": campaign_id}, headers=who.headers)


async def cut(
    client: httpx.AsyncClient, who: Shopper, share_id: str, device_id: str | None = None
) -> httpx.Response:
    body = {"device_id": device_id} if device_id else {}
    return await client.post(f"{SHOP}/{share_id}/cuts", json=body, headers=who.headers)


async def buy(client: httpx.AsyncClient, who: Shopper, share_id: str) -> httpx.Response:
    return await client.post(
        f"{SHOP}/{share_id}/order", json={"address_id": who.address_id}, headers=who.headers
    )


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, str(response.json().get("code"))


async def bargain_row(ctx: AppContext, share_id: str) -> Bargain:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(Bargain).where(Bargain.share_id == share_id))
    assert row is not None
    return row


async def campaign_row(ctx: AppContext, campaign_id: int) -> BargainCampaign:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(BargainCampaign).where(BargainCampaign.id == campaign_id))
    assert row is not None
    return row


async def past_deadline(ctx: AppContext, share_id: str) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Bargain)
            .where(Bargain.share_id == share_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
