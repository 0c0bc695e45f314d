"""Event ingestion end to end (SQLite and PostgreSQL + Redis stream): a batch is checked, queued,
written to the Parquet store by the writer task; refused batches leave the store empty; the
member comes from the token, never the body; anonymous events merge into the member at login;
server-side events come from the outbox; a deletion request rewrites the days without them."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import drain_outbox, publish
from shoplet.modules.analytics import ingest, service
from shoplet.modules.analytics.schemas import MAX_BATCH_EVENTS, FunnelQuery
from shoplet.modules.orders import public as orders
from tests.modules.members.conftest import bearer as member_bearer
from tests.modules.members.conftest import wechat_login
from tests.modules.staff.conftest import bearer, token_for

URL = "/api/v1/events"
UA = {"User-Agent": "Mozilla/5.0 (iPhone) AppleWebKit MicroMessenger/8.0"}


# About 1.4 KB as JSON: 49 of them pass the 64 KB body limit.
BULKY: dict[str, Any] = {
    "page": "p" * 200,
    "referrer": "r" * 300,
    "properties": {f"k{i}": "v" * 200 for i in range(4)},
}


def now_ms() -> int:
    return int(time.time() * 1000)


def batch(*events: dict[str, Any], anonymous_id: str = "anon-0001", **extra: Any) -> dict[str, Any]:
    sent = now_ms()
    return {
        "anonymous_id": anonymous_id,
        "platform": "h5",
        "sent_at": sent,
        "events": list(events) or [{"event": "page_view", "ts": sent, "page": "pages/index/index"}],
        **extra,
    }


def event(name: str, ts: int | None = None, **fields: Any) -> dict[str, Any]:
    return {"event": name, "ts": ts if ts is not None else now_ms(), **fields}


def stored(ctx: AppContext, sql: str = "SELECT count(*) FROM events") -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = ingest.store_of(ctx).read(lambda con: con.execute(sql).fetchall())
    return rows


async def test_a_batch_is_stored_with_the_servers_clock(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sent = now_ms()
    # The client's clock is one hour slow: the event moves with the batch's skew.
    slow = sent - 3_600_000
    body = {
        "anonymous_id": "anon-0001",
        "platform": "mp-weixin",
        "app_version": "1.2.0",
        "sent_at": slow,
        "events": [
            {
                "event": "page_view",
                "ts": slow - 5_000,
                "event_id": "evt-00000001",
                "session_id": "sess-0001",
                "page": "pages/product/detail",
                "referrer": "https://example.com/x",
                "scene": 1007,
                "share_code": "abc123",
                "properties": {"product_id": 12, "title": "手机壳"},
            }
        ],
    }
    response = await client.post(URL, json=body, headers=UA)
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 1, "dropped": 0}
    assert stored(ctx) == [(0,)]  # queued, not yet written
    assert await ingest.flush(ctx) == 1
    [row] = stored(
        ctx,
        "SELECT event_id, event, member_id, platform, scene, share_code, properties, source, "
        "epoch_ms(ts), epoch_ms(client_ts), epoch_ms(received_at) FROM events",
    )
    assert row[:8] == (
        "evt-00000001",
        "page_view",
        None,
        "mp-weixin",
        1007,
        "abc123",
        '{"product_id":12,"title":"手机壳"}',
        "client",
    )
    ts, client_ts, received = row[8:]
    assert client_ts == slow - 5_000
    assert abs((received - ts) - 5_000) < 50
    day = datetime.fromtimestamp(ts / 1000, UTC).date()
    files = ingest.store_of(ctx).files(day)
    assert len(files) == 1
    assert files[0].parent.name == f"date={day.isoformat()}"


async def test_the_member_comes_from_the_token_never_the_body(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    forged = batch(event("page_view", member_id=999))
    response = await client.post(URL, json=forged, headers=UA)
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"

    tokens = await wechat_login(client)
    response = await client.post(URL, json=batch(), headers={**UA, **member_bearer(tokens)})
    assert response.status_code == 202
    await ingest.flush(ctx)
    assert stored(ctx, "SELECT member_id FROM events") == [(tokens["member"]["id"],)]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (batch(event("order_paid")), 422, "request.invalid"),  # server-side only
        (batch(event("no_such_event")), 422, "request.invalid"),
        (batch(event("page_view", properties={"x": "y" * 201})), 422, "request.invalid"),
        (
            batch(event("page_view", properties={f"k{i}": "v" * 150 for i in range(10)})),
            422,
            "request.invalid",
        ),
        (batch(event("page_view", properties={"Bad Key": 1})), 422, "request.invalid"),
        (batch(anonymous_id="short"), 422, "request.invalid"),
        (batch(event("page_view", ts=now_ms() + 3_600_000)), 422, "analytics.event_out_of_range"),
        (
            batch(event("page_view", ts=now_ms() - 8 * 86_400_000)),
            422,
            "analytics.event_out_of_range",
        ),
        (
            batch(*[event("click") for _ in range(MAX_BATCH_EVENTS + 1)]),
            413,
            "analytics.batch_too_large",
        ),
        (
            batch(*[event("click", **BULKY) for _ in range(MAX_BATCH_EVENTS - 1)]),
            413,
            "request.body_too_large",
        ),
    ],
)
async def test_a_bad_batch_is_refused_whole_and_nothing_is_stored(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, Any], status: int, code: str
) -> None:
    # One good event first: the whole batch goes, not just the bad one.
    body = {**body, "events": [event("page_view"), *body["events"]]}
    response = await client.post(URL, json=body, headers=UA)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await ingest.flush(ctx) == 0
    assert stored(ctx) == [(0,)]
    assert ingest.store_of(ctx).files() == []


async def test_bots_are_answered_and_dropped(client: httpx.AsyncClient, ctx: AppContext) -> None:
    agent = {"User-Agent": "Mozilla/5.0 (compatible; Baiduspider/2.0)"}
    response = await client.post(URL, json=batch(), headers=agent)
    assert response.status_code == 202
    assert response.json() == {"accepted": 0, "dropped": 1}
    assert await ingest.flush(ctx) == 0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"analytics_events_rate_limit": "3/minute"}


async def test_the_collector_is_rate_limited_per_device(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await ctx.limiter.reset()
    for _ in range(3):
        assert (await client.post(URL, json=batch(), headers=UA)).status_code == 202
    response = await client.post(URL, json=batch(), headers=UA)
    assert response.status_code == 429
    assert response.json()["code"] == "shoplet.rate_limited"
    assert await ingest.flush(ctx) == 3


async def test_anonymous_events_count_as_the_members_after_login(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    anon = "device-" + uuid.uuid4().hex[:10]
    start = now_ms() - 60_000
    await client.post(
        URL,
        json=batch(
            event("page_view", start, page="pages/index/index"),
            event("add_to_cart", start + 1_000, properties={"sku_id": 5}),
            anonymous_id=anon,
        ),
        headers=UA,
    )
    tokens = await wechat_login(client)
    await client.post(
        URL,
        json=batch(
            event("identify", start + 2_000), event("pay_click", start + 3_000), anonymous_id=anon
        ),
        headers={**UA, **member_bearer(tokens)},
    )
    await ingest.flush(ctx)
    member = tokens["member"]["id"]
    assert stored(ctx, "SELECT DISTINCT person FROM person_events") == [(f"m:{member}",)]
    today = datetime.now(UTC).date()
    result = await service.funnel(
        ctx,
        FunnelQuery.model_validate(
            {
                "steps": [
                    {"event": "page_view"},
                    {"event": "add_to_cart", "filters": [{"key": "sku_id", "value": 5}]},
                    {"event": "pay_click"},
                ],
                "date_from": today - timedelta(days=1),
                "date_to": today + timedelta(days=1),
            }
        ),
    )
    assert [s.count for s in result.steps] == [1, 1, 1]


async def test_server_side_events_come_from_the_outbox(ctx: AppContext) -> None:
    paid_at = datetime.now(UTC) - timedelta(minutes=5)
    async with unit_of_work(ctx.sessionmaker) as session:
        await publish(
            session,
            orders.ORDER_PAID,
            {"order_no": "S0001", "member_id": 41, "amount": 1990, "paid_at": paid_at.isoformat()},
            key="S0001",
        )
        await publish(
            session, orders.ORDER_SHIPPED, {"order_no": "S0001", "member_id": 41}, key="S0001"
        )
    await drain_outbox(ctx)
    await drain_outbox(ctx)  # a second delivery round changes nothing
    await ingest.flush(ctx)
    rows = stored(ctx, "SELECT event, member_id, source, properties FROM events ORDER BY event")
    assert rows == [
        ("order_paid", 41, "server", '{"order_no":"S0001","amount":1990}'),
        ("order_shipped", 41, "server", '{"order_no":"S0001","amount":0}'),
    ]


async def test_a_deletion_request_rewrites_the_days_without_the_member(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    member = tokens["member"]["id"]
    anon = "device-" + uuid.uuid4().hex[:10]
    earlier = now_ms() - 2 * 86_400_000
    await client.post(URL, json=batch(event("page_view", earlier), anonymous_id=anon), headers=UA)
    await client.post(
        URL,
        json=batch(event("identify"), anonymous_id=anon),
        headers={**UA, **member_bearer(tokens)},
    )
    await client.post(URL, json=batch(event("page_view"), anonymous_id="someone-else"), headers=UA)
    await ingest.flush(ctx)
    assert stored(ctx) == [(3,)]

    path = f"/api/v1/console/analytics/members/{member}/event-deletions"
    assert (await client.post(path)).status_code == 401
    operator = bearer(await token_for(client, ctx, "ops-1"))
    assert (await client.post(path, headers=operator)).status_code == 403
    assert stored(ctx) == [(3,)]
    owner = bearer(await token_for(client, ctx, "owner-1", role="owner"))
    response = await client.post(path, headers=owner)
    assert response.status_code == 200, response.text
    assert response.json() == {"member_id": member, "removed": 2, "replays_removed": 0}
    assert stored(ctx, "SELECT anonymous_id FROM events") == [("someone-else",)]


async def test_compaction_drops_duplicates_and_retention_drops_old_days(ctx: AppContext) -> None:
    store = ingest.store_of(ctx)
    old = datetime.now(UTC) - timedelta(days=500)
    rows = [
        {"event_id": f"e{i}", "event": "click", "ts": old, "received_at": old, "anonymous_id": "a"}
        for i in range(3)
    ]
    store.append(rows)
    store.append(rows[:2])  # a redelivered batch
    assert stored(ctx) == [(5,)]
    assert await service.compact_events(ctx) == 2
    assert stored(ctx) == [(3,)]
    assert len(store.files()) == 1
    assert await service.expire_events(ctx) == [old.date()]
    assert store.days() == []
