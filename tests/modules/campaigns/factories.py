"""Factories of the campaign tests: dormant profiles written directly, a coupon template, the
staff headers and the campaign routes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.analytics.profiles.models import Profile
from shoplet.modules.campaigns.models import CampaignTouch
from shoplet.modules.promotions.models import Coupon
from tests.modules.promotions.factories import make_template
from tests.modules.staff.conftest import bearer, token_for

CAMPAIGNS = "/api/v1/console/campaigns"


async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "olivia", role="operator"))


async def dormant(
    ctx: AppContext, member_ids: list[int], *, days: int = 120, rfm_class: str = "important_retain"
) -> None:
    """Profiles of buyers whose last purchase was ``days`` ago (重要挽留客户 by default)."""
    last = utcnow() - timedelta(days=days)
    async with unit_of_work(ctx.sessionmaker) as session:
        for member_id in member_ids:
            session.add(
                Profile(
                    member_id=member_id,
                    order_count=2,
                    spend=20000,
                    last_purchase_at=last,
                    first_purchase_at=last - timedelta(days=200),
                    rfm_class=rfm_class,
                    computed_at=utcnow(),
                )
            )


async def coupon(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> int:
    body = await make_template(
        client, headers, total_quota=10_000, per_shopper_limit=5, **overrides
    )
    return int(body["id"])


def body(**overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": "沉睡唤醒",
        "audience_kind": "dormant",
        "audience_value": "90",
        "holdout_percent": 20,
        "cap_days": 7,
        "start_at": past(20).isoformat(),
    }
    out.update(overrides)
    return out


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    response = await client.post(CAMPAIGNS, json=body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


async def start(client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int) -> None:
    response = await client.post(f"{CAMPAIGNS}/{campaign_id}/start", headers=headers)
    assert response.status_code == 200, response.text


async def touches(ctx: AppContext, campaign_id: int | None = None) -> list[CampaignTouch]:
    async with ctx.sessionmaker() as s:
        query = select(CampaignTouch).order_by(CampaignTouch.id)
        if campaign_id is not None:
            query = query.where(CampaignTouch.campaign_id == campaign_id)
        return list(await s.scalars(query))


async def coupons_by_member(ctx: AppContext, template_id: int) -> dict[int, int]:
    async with ctx.sessionmaker() as s:
        rows = await s.execute(
            select(Coupon.member_id, func.count())
            .where(Coupon.template_id == template_id)
            .group_by(Coupon.member_id)
        )
        return {int(m): int(n) for m, n in rows.all()}


def past(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


def noon() -> datetime:
    """Yesterday 12:00 in Shanghai (04:00 UTC): after the campaigns' start, outside quiet hours."""
    return past(1).replace(hour=4, minute=0, second=0, microsecond=0)
