"""Plain async factories for the paid-plan (SVIP) tests: plans through the console API, purchases
through the storefront API, payments through the WeChat Pay v3 simulator, direct reads of the
plan tables and of the outbox."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.events.models import OutboxEvent
from shoplet.modules.membership.models import PlanPeriod, Subscription
from tests.modules.orders.factories import Shopper, pay

CONSOLE_PLANS = "/api/v1/console/membership/plans"
SUBSCRIPTIONS = "/api/v1/console/membership/subscriptions"
PLAN_ORDERS = "/api/v1/me/membership/plan-orders"
MY_SVIP = "/api/v1/me/membership/svip"
MY_BENEFITS = "/api/v1/me/membership/benefits"
PUBLIC_PLANS = "/api/v1/membership/plans"


def plan_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "svip-month",
        "name": "SVIP月卡",
        "price": 1990,
        "list_price": 2500,
        "months": 1,
        "is_on_sale": True,
        "sort": 1,
        "benefits": {
            "discount_permille": 950,
            "free_shipping": True,
            "free_shipping_threshold": None,
            "points_multiplier_permille": 2000,
            "coupon_template_ids": [],
            "priority_service": False,
        },
    }
    if "price" in over and "list_price" not in over:
        body["list_price"] = None
    body.update(over)
    return body


async def create_plan(
    client: httpx.AsyncClient, staff: dict[str, str], **over: Any
) -> dict[str, Any]:
    response = await client.post(CONSOLE_PLANS, json=plan_body(**over), headers=staff)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def order_plan(
    client: httpx.AsyncClient, who: Shopper, plan: dict[str, Any], *, key: str | None = None
) -> httpx.Response:
    return await client.post(
        PLAN_ORDERS,
        json={"plan_id": plan["id"], "price": plan["price"]},
        headers={**who.headers, "Idempotency-Key": key or f"svip-{uuid.uuid4().hex}"},
    )


async def bought(
    client: httpx.AsyncClient, ctx: AppContext, who: Shopper, plan: dict[str, Any]
) -> str:
    """Buy and pay a plan: the order no."""
    response = await order_plan(client, who, plan)
    assert response.status_code == 201, response.text
    order_no: str = response.json()["order_no"]
    await pay(client, ctx, who, order_no)
    return order_no


async def periods(ctx: AppContext, member_id: int) -> list[PlanPeriod]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(PlanPeriod).where(PlanPeriod.member_id == member_id).order_by(PlanPeriod.id)
        )
        return list(rows)


async def subscription(ctx: AppContext, member_id: int) -> Subscription | None:
    async with ctx.sessionmaker() as s:
        return await s.scalar(select(Subscription).where(Subscription.member_id == member_id))


async def plan_events(ctx: AppContext, event_type: str, member_id: int) -> list[dict[str, Any]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(OutboxEvent).where(OutboxEvent.type == event_type).order_by(OutboxEvent.id)
        )
        return [r.payload for r in rows if r.payload.get("member_id") == member_id]


async def get_json(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()
