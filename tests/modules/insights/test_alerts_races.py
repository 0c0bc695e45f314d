"""Many workers evaluating and sending at once on PostgreSQL: one check per bucket, one
incident, and exactly one message per channel (the claims are single conditional statements)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.integrations.robots.simulator import DEMO_HOOK_SECRET, DEMO_WECOM_KEY, HOOKS_BASE
from shoplet.modules.insights.alerts import delivery, evaluation
from shoplet.modules.insights.alerts.models import Attempt, Check, Incident, Notification
from tests.modules.insights.alerts_factories import CONSOLE
from tests.modules.staff.conftest import bearer, token_for

WORKERS = 12
NOW = datetime(2026, 11, 3, 4, 1, tzinfo=UTC)


async def test_concurrent_workers_notify_each_channel_once(
    backend: str, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")
    staff = bearer(await token_for(client, ctx, "alert-racer"))
    channels = []
    for body in (
        {"name": "运营群", "kind": "wecom", "key": DEMO_WECOM_KEY},
        {
            "name": "hook",
            "kind": "webhook",
            "url": f"{HOOKS_BASE}/demo",
            "secret": DEMO_HOOK_SECRET,
        },
    ):
        response = await client.post(f"{CONSOLE}/channels", json=body, headers=staff)
        channels.append(response.json()["id"])
    for name in ("访客过少", "订单过少"):
        monitor = {
            "name": name,
            "metric": "uv" if name == "访客过少" else "orders",
            "grain": "hour",
            "rule": {"kind": "threshold", "below": 1},
            "channel_ids": channels,
        }
        assert (
            await client.post(f"{CONSOLE}/monitors", json=monitor, headers=staff)
        ).status_code == 201

    async def worker() -> None:
        await evaluation.evaluate_all(ctx, NOW)
        await evaluation.deliver_due(ctx, NOW)

    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    # And once more, a lease later: nothing is due any more.
    await asyncio.gather(
        *(evaluation.deliver_due(ctx, NOW + timedelta(minutes=5)) for _ in range(WORKERS))
    )
    async with ctx.sessionmaker() as session:
        counts = {
            model.__tablename__: int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in (Check, Incident, Notification, Attempt)
        }
        statuses = set((await session.scalars(select(Notification.status))).all())
    assert counts == {
        "insights_alerts_check": 2,
        "insights_alerts_incident": 2,
        "insights_alerts_notification": 4,
        "insights_alerts_attempt": 4,
    }
    assert statuses == {"sent"}
    messages = delivery.simulator_of(ctx).messages()
    assert sorted(m.channel for m in messages) == ["hook", "hook", "wecom", "wecom"]
