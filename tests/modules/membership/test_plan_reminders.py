"""Renewal reminders: the hourly job writes one per member and end date within
``RENEWAL_REMIND_DAYS`` of the end (re-runs add nothing), the shopper sees it on the SVIP page,
and a renewal moves the end (the next reminder is for the new end)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.jobs import run_job
from shoplet.modules.membership import public as membership
from shoplet.modules.membership.models import PlanReminder
from shoplet.modules.membership.tasks import CLOCK_KEY, REMIND_JOB
from tests.modules.membership.plan_factories import (
    MY_SVIP,
    bought,
    create_plan,
    get_json,
    periods,
    plan_events,
)
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "member-operator"))


async def _run_at(ctx: AppContext, moment: datetime) -> None:
    ctx.extras[CLOCK_KEY] = lambda: moment
    try:
        await run_job(ctx, REMIND_JOB)
    finally:
        del ctx.extras[CLOCK_KEY]


async def _reminders(ctx: AppContext, member_id: int) -> list[tuple[datetime, str]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(PlanReminder)
            .where(PlanReminder.member_id == member_id)
            .order_by(PlanReminder.id)
        )
        return [(r.ends_at, r.message) for r in rows]


async def test_one_reminder_per_end_date_shown_on_the_svip_page(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    plan = await create_plan(client, staff)
    alice = await shopper(client)
    await bought(client, ctx, alice, plan)
    [period] = await periods(ctx, alice.member_id)
    assert period.ends_at is not None
    end = period.ends_at

    await _run_at(ctx, end - timedelta(days=8))  # too early
    assert await _reminders(ctx, alice.member_id) == []

    await _run_at(ctx, end - timedelta(days=3))
    await _run_at(ctx, end - timedelta(days=2))  # a re-run: nothing new
    local = end + timedelta(hours=8)
    message = f"您的SVIP会员将于{local.year}年{local.month}月{local.day}日到期，续费后权益不间断"
    assert await _reminders(ctx, alice.member_id) == [(end, message)]
    assert len(await plan_events(ctx, membership.RENEWAL_DUE, alice.member_id)) == 1
    svip = await get_json(client, MY_SVIP, alice.headers)
    assert [r["message"] for r in svip["reminders"]] == [message]

    # Renewed: the end moves a month on; the old reminder is no longer shown, a new one comes.
    await bought(client, ctx, alice, plan)
    assert (await get_json(client, MY_SVIP, alice.headers))["reminders"] == []
    _, renewal = await periods(ctx, alice.member_id)
    assert renewal.ends_at is not None
    await _run_at(ctx, renewal.ends_at - timedelta(days=1))
    assert [e for e, _ in await _reminders(ctx, alice.member_id)] == [end, renewal.ends_at]
