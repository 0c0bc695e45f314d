"""Flash sales in the promotion overlay of the forecast (SQLite and PostgreSQL): flashsale and
insights are siblings, so flashsale registers a provider of campaign windows with promotions
at start-up and insights reads it; scheduled sessions in the 28-day window are shown,
cancelled ones and those outside it are not."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import insert

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.flashsale.models import Campaign
from shoplet.modules.promotions import public as promotions
from tests.modules.staff.conftest import bearer, token_for

PLAN = "/api/v1/console/insights/replenishment/plan"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "forecaster"))


async def _campaign(ctx: AppContext, title: str, starts_at: datetime, status: str) -> int:
    now = utcnow()
    ends_at = starts_at + timedelta(hours=2)
    async with unit_of_work(ctx.sessionmaker) as s:
        campaign_id = await s.scalar(
            insert(Campaign)
            .values(
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                status=status,
                payment_timeout_seconds=900,
                free_shipping=False,
                hold_expires_at=ends_at + timedelta(hours=1),
                created_by="test",
                created_at=now,
                updated_at=now,
            )
            .returning(Campaign.id)
        )
    assert campaign_id is not None
    return campaign_id


async def test_scheduled_flash_sales_in_the_window_are_overlaid(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    now = utcnow()
    soon = await _campaign(ctx, "双12 秒杀专场", now + timedelta(days=3), "scheduled")
    later = await _campaign(ctx, "周末秒杀", now + timedelta(days=10), "scheduled")
    await _campaign(ctx, "取消的秒杀", now + timedelta(days=4), "cancelled")
    await _campaign(ctx, "太远的秒杀", now + timedelta(days=60), "scheduled")

    response = await client.get(PLAN, headers=staff)
    assert response.status_code == 200, response.text
    windows = response.json()["flash_sales"]
    assert [(w["kind"], w["id"], w["name"]) for w in windows] == [
        ("flashsale", soon, "双12 秒杀专场"),
        ("flashsale", later, "周末秒杀"),
    ]
    assert datetime.fromisoformat(windows[0]["ends_at"]) - datetime.fromisoformat(
        windows[0]["starts_at"]
    ) == timedelta(hours=2)


async def test_the_overlay_reads_every_registered_provider(ctx: AppContext) -> None:
    """The registry in promotions: the flash-sale provider registered at start-up, and any
    other provider added beside it, merged by start."""
    now = utcnow()
    extra = promotions.CampaignWindow(
        "live", 7, "直播专场", now + timedelta(days=1), now + timedelta(days=2)
    )

    async def lives(_: object, start: datetime, end: datetime) -> list[promotions.CampaignWindow]:
        return [extra] if extra.starts_at < end and extra.ends_at > start else []

    flash = await _campaign(ctx, "秒杀", now + timedelta(days=2), "scheduled")
    promotions.add_window_source(ctx, "live", lives)
    async with ctx.sessionmaker() as session:
        found = await promotions.campaign_windows(ctx, session, now, now + timedelta(days=28))
    assert [(w.kind, w.id) for w in found] == [("live", 7), ("flashsale", flash)]
