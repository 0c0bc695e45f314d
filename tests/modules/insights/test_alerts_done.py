"""The issue's "done means", end to end through the worker job (SQLite and PostgreSQL): five
weeks of hourly traffic with daily and weekly seasonality and noise in the event store; an
hourly UV monitor (seasonal robust z) with a signed webhook and a WeCom robot. A normal day
raises nothing; a day with 25 % fewer visitors raises exactly one incident and one message per
channel through the robot simulator; it resolves after three normal hours; reruns of the job
within an hour change nothing; a failed send is retried with backoff and logged per attempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.integrations.robots.simulator import DEMO_HOOK_SECRET, DEMO_WECOM_KEY, HOOKS_BASE
from shoplet.modules.insights.alerts import delivery, evaluation, tasks
from shoplet.modules.insights.alerts.models import Attempt, Check, Incident, Notification
from tests.modules.insights.alerts_factories import (
    CONSOLE,
    HOUR,
    anomaly_monitor,
    traffic,
    write_traffic,
)
from tests.modules.staff.conftest import bearer, token_for

# Midnight of Tuesday 2026-11-03 in Shanghai.
DAY0 = datetime(2026, 11, 2, 16, tzinfo=UTC)
HISTORY = timedelta(weeks=5)


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "alert-operator"))


async def _channels(client: httpx.AsyncClient, staff: dict[str, str]) -> list[int]:
    hook = await client.post(
        f"{CONSOLE}/channels",
        json={
            "name": "运维 webhook",
            "kind": "webhook",
            "url": f"{HOOKS_BASE}/demo",
            "secret": DEMO_HOOK_SECRET,
        },
        headers=staff,
    )
    robot = await client.post(
        f"{CONSOLE}/channels",
        json={"name": "运营群", "kind": "wecom", "key": DEMO_WECOM_KEY},
        headers=staff,
    )
    assert hook.status_code == robot.status_code == 201, (hook.text, robot.text)
    return [hook.json()["id"], robot.json()["id"]]


async def _run_hours(ctx: AppContext, first: int, last: int) -> None:
    """The job as the worker runs it, a minute after each hour from ``first`` to ``last``."""
    for hour in range(first, last + 1):
        moment = DAY0 + HOUR * hour + timedelta(minutes=1)
        ctx.extras[tasks.CLOCK_KEY] = lambda moment=moment: moment
        await tasks.evaluate_alerts(ctx)


async def _count(ctx: AppContext, model: Any, *where: Any) -> int:
    async with ctx.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_day_with_a_quarter_fewer_visitors_raises_exactly_one_alert(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    def drop(moment: datetime) -> float:
        return 0.75 if DAY0 + timedelta(days=1) <= moment < DAY0 + timedelta(days=2) else 1.0

    write_traffic(ctx, traffic(DAY0 - HISTORY, 5 * 168 + 3 * 24, factor=drop))
    channel_ids = await _channels(client, staff)
    created = await client.post(
        f"{CONSOLE}/monitors", json=anomaly_monitor(channel_ids), headers=staff
    )
    assert created.status_code == 201, created.text
    simulator = delivery.simulator_of(ctx)

    # A normal day: 24 hourly checks, nothing fires.
    await _run_hours(ctx, 1, 24)
    assert await _count(ctx, Check) == 24
    assert await _count(ctx, Check, Check.is_firing.is_(True)) == 0
    assert await _count(ctx, Incident) == 0
    assert simulator.messages() == []

    # The next day has 25 % fewer visitors every hour: one incident, kept open all day.
    await _run_hours(ctx, 25, 48)
    assert await _count(ctx, Check, Check.is_firing.is_(True)) >= 20
    incidents = (await client.get(f"{CONSOLE}/incidents", headers=staff)).json()["items"]
    assert len(incidents) == 1
    [incident] = incidents
    assert incident["status"] == "open"
    assert incident["bucket_at"] == (DAY0 + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert incident["value"] < incident["expected"]
    assert [m.channel for m in simulator.messages()] == ["hook", "wecom"]
    hook_message, robot_message = simulator.messages()
    assert hook_message.body["type"] == "shoplet.alert.opened"
    assert hook_message.body["incident_id"] == incident["id"]
    assert "UV 异常" in robot_message.body["markdown"]["content"]

    # Back to normal: resolved after three normal hours, and no new message.
    await _run_hours(ctx, 49, 52)
    detail = (await client.get(f"{CONSOLE}/incidents/{incident['id']}", headers=staff)).json()
    assert detail["status"] == "resolved"
    assert [t["kind"] for t in detail["timeline"]][:1] == ["opened"]
    assert {t["kind"] for t in detail["timeline"]} == {"opened", "notified", "resolved"}
    assert [n["status"] for n in detail["notifications"]] == ["sent", "sent"]
    assert len(simulator.messages()) == 2
    assert await _count(ctx, Incident) == 1

    # The job runs every minute: a rerun within the hour evaluates and sends nothing.
    checks = await _count(ctx, Check)
    await _run_hours(ctx, 52, 52)
    assert await _count(ctx, Check) == checks
    assert len(simulator.messages()) == 2


async def test_a_failed_send_is_retried_with_backoff(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    robot = await client.post(
        f"{CONSOLE}/channels",
        json={"name": "运营群", "kind": "wecom", "key": DEMO_WECOM_KEY},
        headers=staff,
    )
    body = {
        "name": "访客过少",
        "metric": "uv",
        "grain": "hour",
        "rule": {"kind": "threshold", "below": 1},
        "resolve_after": 2,
        "channel_ids": [robot.json()["id"]],
    }
    assert (await client.post(f"{CONSOLE}/monitors", json=body, headers=staff)).status_code == 201
    simulator = delivery.simulator_of(ctx)
    simulator.fail_next("wecom", 45009, times=2)
    now = DAY0 + timedelta(minutes=1)
    outcome = await evaluation.evaluate_all(ctx, now)
    assert outcome.opened == 1
    assert await evaluation.deliver_due(ctx, now) == 0
    # Not due again before the backoff (30 s, then 60 s).
    assert await evaluation.deliver_due(ctx, now + timedelta(seconds=29)) == 0
    assert await evaluation.deliver_due(ctx, now + timedelta(seconds=30)) == 0
    assert await evaluation.deliver_due(ctx, now + timedelta(seconds=89)) == 0
    assert await evaluation.deliver_due(ctx, now + timedelta(seconds=90)) == 1
    async with ctx.sessionmaker() as session:
        attempts = (await session.scalars(select(Attempt).order_by(Attempt.id))).all()
        notification = (await session.scalars(select(Notification))).one()
    assert [(a.number, a.is_success, a.code) for a in attempts] == [
        (1, False, "45009"),
        (2, False, "45009"),
        (3, True, "ok"),
    ]
    assert (notification.status, notification.attempts) == ("sent", 3)
    assert len(simulator.messages("wecom")) == 1


async def test_a_bad_key_is_given_up_at_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    robot = await client.post(
        f"{CONSOLE}/channels",
        json={"name": "旧群", "kind": "wecom", "key": "revoked-key"},
        headers=staff,
    )
    body = {
        "name": "访客过少",
        "metric": "uv",
        "grain": "day",
        "rule": {"kind": "threshold", "below": 1},
        "channel_ids": [robot.json()["id"]],
    }
    assert (await client.post(f"{CONSOLE}/monitors", json=body, headers=staff)).status_code == 201
    now = DAY0 + timedelta(hours=2)
    await evaluation.evaluate_all(ctx, now)
    assert await evaluation.deliver_due(ctx, now) == 0
    assert await evaluation.deliver_due(ctx, now + timedelta(hours=2)) == 0
    async with ctx.sessionmaker() as session:
        notification = (await session.scalars(select(Notification))).one()
    assert notification.status == "failed"
    assert notification.last_error is not None
    assert notification.last_error.startswith("93000")
