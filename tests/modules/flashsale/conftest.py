"""Flash-sale test factories: SKUs, shoppers (real WeChat login + address), campaigns made live
by moving their window, buy tokens, and read-outs of orders, holds and counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.catalog import public as catalog
from shoplet.modules.flashsale import service
from shoplet.modules.flashsale.config import FlashSaleSettings, use_settings
from shoplet.modules.flashsale.models import Campaign, Ticket
from shoplet.modules.flashsale.runtime import runtime_of
from shoplet.modules.flashsale.schemas import CampaignCreate, CampaignItemCreate
from shoplet.modules.inventory import public as inventory
from shoplet.modules.orders.models import Order

ADDRESS: dict[str, Any] = {
    "recipient": "李秒杀",
    "phone": "13912345678",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "region_code": "440305",
    "detail": "科技园南区深南大道10000号",
    "postal_code": "518057",
}


@pytest.fixture
def flash(ctx: AppContext) -> FlashSaleSettings:
    """Test settings: consumers never block waiting for entries; dead consumers' entries are
    claimed after 300 ms; generous IP limits (every test client shares one address)."""
    return use_settings(ctx, consume_block_ms=0, claim_idle_ms=300, settle_grace_seconds=0)


@dataclass(frozen=True)
class Sku:
    product_id: int
    sku_id: int
    price: int


@dataclass(frozen=True)
class Shopper:
    id: int
    headers: dict[str, str]


async def make_sku(
    ctx: AppContext, *, price: int = 19900, stock: int = 100, title: str = "秒杀耳机"
) -> Sku:
    async with unit_of_work(ctx.sessionmaker) as s:
        category = await catalog.create_category(
            s, catalog.CategoryCreate(name=f"分类{title}{price}")
        )
        product = await catalog.create_product(
            s,
            catalog.ProductCreate(
                category_id=category.id,
                title=title,
                images=["/media/products/0123456789abcdef0123.jpg"],
                status="on_sale",
                skus=[
                    catalog.SkuCreate(
                        specs=[catalog.SpecValue(name="颜色", value="白")],
                        price=price,
                        stock=stock,
                        weight_grams=300,
                    )
                ],
            ),
            actor="test",
        )
    return Sku(product.id, product.skus[0].id, price)


async def shopper(client: httpx.AsyncClient, name: str, *, address: bool = True) -> Shopper:
    response = await client.post("/api/v1/auth/wechat-login", json={"code": f"test-{name}"})
    assert response.status_code == 200, response.text
    body = response.json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    if address:
        created = await client.post("/api/v1/me/addresses", json=ADDRESS, headers=headers)
        assert created.status_code == 201, created.text
    return Shopper(body["member"]["id"], headers)


async def make_campaign(
    ctx: AppContext,
    skus: list[Sku],
    *,
    stock: int = 5,
    limit: int = 1,
    flash_price: int = 990,
    starts_in: timedelta = timedelta(hours=1),
    duration: timedelta = timedelta(hours=1),
    payment_timeout: int = 900,
    free_shipping: bool = True,
) -> int:
    starts_at = utcnow() + starts_in
    body = CampaignCreate(
        title="限时秒杀",
        starts_at=starts_at,
        ends_at=starts_at + duration,
        payment_timeout_seconds=payment_timeout,
        free_shipping=free_shipping,
        items=[
            CampaignItemCreate(
                sku_id=sku.sku_id, flash_price=flash_price, stock=stock, per_shopper_limit=limit
            )
            for sku in skus
        ],
    )
    async with unit_of_work(ctx.sessionmaker) as s:
        created = await service.create_campaign(s, body, actor="staff:1")
    return created.id


async def move_window(
    ctx: AppContext, campaign_id: int, *, starts_in: timedelta, ends_in: timedelta
) -> None:
    """Arrange time: put the campaign's window relative to now, then let the warm-up job load
    (or refresh) it."""
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(starts_at=now + starts_in, ends_at=now + ends_in)
        )
    await run_job(ctx, "flashsale.warm_up")


async def go_live(
    ctx: AppContext, campaign_id: int, *, ends_in: timedelta = timedelta(hours=1)
) -> None:
    await move_window(ctx, campaign_id, starts_in=timedelta(seconds=-2), ends_in=ends_in)


async def end_now(ctx: AppContext, campaign_id: int) -> None:
    await move_window(
        ctx, campaign_id, starts_in=timedelta(hours=-1), ends_in=timedelta(seconds=-2)
    )


def buy_token(ctx: AppContext, campaign_id: int, member_id: int, *, ttl: int = 600) -> str:
    return runtime_of(ctx).tokens.issue(
        campaign_id=campaign_id,
        member_id=member_id,
        expires_at=(utcnow() + timedelta(seconds=ttl)).timestamp(),
    )


async def buy(
    client: httpx.AsyncClient,
    who: Shopper,
    campaign_id: int,
    sku: Sku,
    token: str,
    *,
    quantity: int = 1,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/flash-sales/{campaign_id}/buy",
        json={"sku_id": sku.sku_id, "quantity": quantity, "token": token},
        headers=who.headers,
    )


async def consume(ctx: AppContext) -> None:
    await run_job(ctx, "flashsale.consume")


async def flash_orders(ctx: AppContext) -> list[Order]:
    async with ctx.sessionmaker() as s:
        rows = await s.execute(select(Order).where(Order.source == "flashsale").order_by(Order.id))
        return list(rows.scalars())


async def tickets(ctx: AppContext) -> list[Ticket]:
    async with ctx.sessionmaker() as s:
        return list((await s.execute(select(Ticket).order_by(Ticket.id))).scalars())


async def held(ctx: AppContext, campaign_id: int, sku: Sku) -> int:
    async with ctx.sessionmaker() as s:
        return await inventory.held_quantity(
            s, ref=service.hold_ref(campaign_id, sku.sku_id), sku_id=sku.sku_id
        )


async def level(ctx: AppContext, sku: Sku) -> tuple[int, int, int]:
    async with ctx.sessionmaker() as s:
        found = (await inventory.get_levels(s, [sku.sku_id]))[sku.sku_id]
    return found.on_hand, found.reserved, found.available


async def remaining(ctx: AppContext, campaign_id: int) -> dict[int, int]:
    return await runtime_of(ctx).store.remaining(campaign_id)


async def order_count(ctx: AppContext) -> int:
    async with ctx.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(Order))).scalar_one())
