"""The real-time overview: counters on Redis (PostgreSQL variant) and in process (SQLite
variant) fed by the collector and the ``order.paid`` handler, exactly once per outbox event;
the pure bucket arithmetic; the console route."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import drain_outbox, publish
from shoplet.modules.analytics.behaviour import realtime
from shoplet.modules.analytics.behaviour import service as behaviour
from shoplet.modules.orders import public as orders
from tests.modules.members.conftest import bearer as member_bearer
from tests.modules.members.conftest import wechat_login
from tests.modules.orders.console_factories import make_sku, paid_order
from tests.modules.staff.conftest import bearer, token_for

UA = {"User-Agent": "Mozilla/5.0 (iPhone) AppleWebKit MicroMessenger/8.0"}
URL = "/api/v1/console/analytics/realtime"


def batch(anonymous_id: str) -> dict[str, object]:
    sent = int(time.time() * 1000)
    return {
        "anonymous_id": anonymous_id,
        "platform": "h5",
        "sent_at": sent,
        "events": [{"event": "page_view", "ts": sent, "page": "pages/index/index"}],
    }


def test_the_online_window_is_five_minutes_of_ten_second_buckets() -> None:
    now = datetime(2026, 3, 2, 12, 0, 5, tzinfo=UTC)
    buckets = realtime.online_buckets(now)
    assert len(buckets) == 31
    assert buckets[-1] == realtime.bucket_of(now)
    assert buckets[0] == realtime.bucket_of(now - timedelta(minutes=5))
    assert realtime.province_of("440305") == "44"
    assert realtime.province_of("") == realtime.NO_ADDRESS
    assert realtime.province_of("990000") == realtime.NO_ADDRESS


async def test_local_counters_expire_and_count_each_event_once() -> None:
    counters = realtime.LocalCounters()
    now = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    await counters.seen(["a:1", "a:2"], now - timedelta(minutes=6))  # gone
    await counters.seen(["a:2", "m:3"], now - timedelta(minutes=4))
    await counters.seen(["m:3"], now)
    await counters.paid("ev1", "S1", 1000, "44", now - timedelta(seconds=30))
    await counters.paid("ev1", "S1", 1000, "44", now - timedelta(seconds=30))  # redelivered
    await counters.paid("ev2", "S2", 500, "31", now - timedelta(seconds=90))
    await counters.paid("ev3", "S3", 700, "44", now - timedelta(days=1))  # yesterday
    snap = await counters.snapshot(now)
    assert (snap.online, snap.paid_last_minute, snap.orders_today, snap.gmv_today) == (
        2,
        1,
        2,
        1500,
    )
    assert snap.provinces == [
        realtime.ProvinceFigure("44", 1, 1000),
        realtime.ProvinceFigure("31", 1, 500),
    ]


async def test_the_overview_counts_the_collector_and_paid_orders(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    # Redis when the PostgreSQL variant runs with Redis, else in process.
    expected_kind = realtime.RedisCounters if ctx.redis is not None else realtime.LocalCounters
    assert isinstance(behaviour.counters_of(ctx), expected_kind)
    staff = bearer(await token_for(client, ctx, "ops-1"))
    support = bearer(await token_for(client, ctx, "support-1", role="support"))
    assert (await client.get(URL)).status_code == 401
    assert (await client.get(URL, headers=support)).status_code == 403
    empty = (await client.get(URL, headers=staff)).json()
    assert (empty["online"], empty["paid_last_minute"], empty["gmv_today"]) == (0, 0, 0)

    for device in ("device-0001", "device-0002", "device-0001"):
        response = await client.post("/api/v1/events", json=batch(device), headers=UA)
        assert response.status_code == 202, response.text
    login = await wechat_login(client, "rt-code-1")
    member = member_bearer(login)
    response = await client.post(
        "/api/v1/events", json=batch("device-0003"), headers={**UA, **member}
    )
    assert response.status_code == 202

    async with unit_of_work(ctx.sessionmaker) as session:
        for no, amount in (("RT0001", 1990), ("RT0002", 10)):
            await publish(
                session,
                orders.ORDER_PAID,
                {"order_no": no, "member_id": 41, "payable_total": amount},
                key=no,
            )
    await drain_outbox(ctx)
    await drain_outbox(ctx)  # a second round changes nothing
    result = (await client.get(URL, headers=staff)).json()
    assert result["online"] == 3  # two devices and one member
    assert (result["paid_last_minute"], result["orders_today"], result["gmv_today"]) == (
        2,
        2,
        2000,
    )
    # No such order in the orders table: no address, so 无收货地址.
    assert result["provinces"] == [{"code": "00", "name": "无收货地址", "orders": 2, "gmv": 2000}]
    assert result["refresh_seconds"] == behaviour.REFRESH_SECONDS


async def test_one_event_delivered_twenty_times_at_once_counts_once(ctx: AppContext) -> None:
    counters = behaviour.counters_of(ctx)
    now = datetime.now(UTC)
    await asyncio.gather(
        *(counters.paid("ev-race", "RACE1", 300, "33", now) for _ in range(20)),
        *(counters.paid(f"ev-{i}", f"R{i}", 1, "33", now) for i in range(20)),
    )
    snap = await counters.snapshot(now)
    assert (snap.orders_today, snap.gmv_today, snap.paid_last_minute) == (21, 320, 21)


async def test_a_paid_order_counts_under_its_delivery_province(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tee = await make_sku(ctx, price=4990)
    await paid_order(app, ctx, tee)  # delivered to 440305 (深圳市南山区)
    await drain_outbox(ctx)
    await drain_outbox(ctx)
    staff = bearer(await token_for(client, ctx, "ops-1"))
    result = (await client.get(URL, headers=staff)).json()
    assert (result["paid_last_minute"], result["orders_today"], result["gmv_today"]) == (
        1,
        1,
        4990,
    )
    assert result["provinces"] == [{"code": "44", "name": "广东省", "orders": 1, "gmv": 4990}]
