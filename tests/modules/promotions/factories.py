"""Plain async factories for the coupon tests (no tests here): templates through the console
API, claims through the storefront API, and direct reads of the coupon tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.promotions.models import (
    Coupon,
    CouponTemplate,
    OrderRule,
    PromotionUsage,
    Redemption,
)
from tests.modules.orders.factories import Shopper

TEMPLATES = "/api/v1/console/coupon-templates"
CENTRE = "/api/v1/coupons/centre"
MY_COUPONS = "/api/v1/me/coupons"
PREVIEW = "/api/v1/checkout/preview"
FOR_CART = "/api/v1/checkout/coupons"


def template_body(**overrides: Any) -> dict[str, Any]:
    """满100减20, 7 days from the claim, 100 of them, 1 per shopper."""
    body: dict[str, Any] = {
        "name": "满100减20",
        "kind": "threshold",
        "threshold": 10000,
        "amount": 2000,
        "valid_days": 7,
        "total_quota": 100,
        "per_shopper_limit": 1,
    }
    body.update(overrides)
    return body


async def make_template(
    client: httpx.AsyncClient, staff: dict[str, str], *, activate: bool = True, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(TEMPLATES, json=template_body(**overrides), headers=staff)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    if activate:
        response = await client.post(f"{TEMPLATES}/{body['id']}/activate", headers=staff)
        assert response.status_code == 200, response.text
        body = response.json()
    return body


async def claim(client: httpx.AsyncClient, who: Shopper, template_id: int) -> httpx.Response:
    return await client.post(f"{CENTRE}/{template_id}/claim", headers=who.headers)


async def claimed(client: httpx.AsyncClient, who: Shopper, template_id: int) -> dict[str, Any]:
    response = await claim(client, who, template_id)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def coupon_row(ctx: AppContext, coupon_id: int) -> Coupon:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(Coupon).where(Coupon.id == coupon_id))
    assert row is not None
    return row


async def template_row(ctx: AppContext, template_id: int) -> CouponTemplate:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(CouponTemplate).where(CouponTemplate.id == template_id))
    assert row is not None
    return row


async def redemption(ctx: AppContext, order_no: str) -> Redemption | None:
    async with ctx.sessionmaker() as s:
        return await s.scalar(select(Redemption).where(Redemption.order_no == order_no))


async def shift_coupon(ctx: AppContext, coupon_id: int, *, days: int) -> None:
    """Move a coupon's window ``days`` (negative: into the past)."""
    async with unit_of_work(ctx.sessionmaker) as s:
        row = await s.scalar(select(Coupon).where(Coupon.id == coupon_id))
        assert row is not None
        await s.execute(
            update(Coupon)
            .where(Coupon.id == coupon_id)
            .values(
                valid_from=row.valid_from + timedelta(days=days),
                valid_to=row.valid_to + timedelta(days=days),
            )
        )


def later(**delta: float) -> str:
    return (utcnow() + timedelta(**delta)).isoformat()


# -- store-wide promotions ---------------------------------------------------------------------

PROMOTIONS = "/api/v1/console/promotions"
POLICY = f"{PROMOTIONS}/policy"
ACTIVE = "/api/v1/promotions/active"


def promotion_body(**overrides: Any) -> dict[str, Any]:
    """满300减30 / 满500减60 on everything, from an hour ago for a week."""
    body: dict[str, Any] = {
        "name": "双12满减",
        "kind": "full_reduction",
        "starts_at": later(hours=-1),
        "ends_at": later(days=7),
        "tiers": [{"threshold": 30000, "amount": 3000}, {"threshold": 50000, "amount": 6000}],
    }
    body.update(overrides)
    return body


async def make_promotion(
    client: httpx.AsyncClient, staff: dict[str, str], *, activate: bool = True, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(PROMOTIONS, json=promotion_body(**overrides), headers=staff)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    if activate:
        response = await client.post(f"{PROMOTIONS}/{body['id']}/activate", headers=staff)
        assert response.status_code == 200, response.text
        body = response.json()
    return body


async def order_rules(ctx: AppContext, order_no: str) -> list[OrderRule]:
    async with ctx.sessionmaker() as s:
        return list(
            await s.scalars(
                select(OrderRule).where(OrderRule.order_no == order_no).order_by(OrderRule.seq)
            )
        )


async def usage(ctx: AppContext, promotion_id: int, member_id: int) -> int | None:
    async with ctx.sessionmaker() as s:
        return await s.scalar(
            select(PromotionUsage.used).where(
                PromotionUsage.promotion_id == promotion_id, PromotionUsage.member_id == member_id
            )
        )
