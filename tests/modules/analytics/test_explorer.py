"""事件分析, the events explorer: events and persons per shop day and event, the events
themselves newest first by keyset with every filter (a member's filter takes the devices they
signed in on), the CSV export (audited), and bad input refused with a clear 4xx that changes
nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shoplet.core.context import AppContext
from shoplet.core.pagination import encode_cursor
from shoplet.modules.analytics import funnels, ingest
from tests.conftest import snapshot
from tests.modules.staff.conftest import bearer, token_for

EVENTS = "/api/v1/console/analytics/events"


def _row(n: int, name: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": f"e{n:03d}",
        "event": name,
        "ts": at,
        "received_at": at,
        "source": "client",
        "platform": "h5",
        **fields,
    }


def _world(ctx: AppContext) -> tuple[datetime, str, str]:
    """Today: device d-aaaaaaaa browses then signs in as member 41 and pays; device
    d-bbbbbbbb browses on the mini program; yesterday one page view of d-bbbbbbbb."""
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    a, b = "d-aaaaaaaa", "d-bbbbbbbb"
    ingest.store_of(ctx).append(
        [
            _row(1, "page_view", now, anonymous_id=a, page="pages/index/index"),
            _row(
                2,
                "page_view",
                now + timedelta(seconds=1),
                anonymous_id=a,
                page="pages/product/detail",
                properties='{"product_id":7}',
            ),
            _row(3, "identify", now + timedelta(seconds=2), anonymous_id=a, member_id=41),
            _row(4, "pay_click", now + timedelta(seconds=3), anonymous_id=a, member_id=41),
            _row(
                5,
                "page_view",
                now,
                anonymous_id=b,
                platform="mp-weixin",
                page="pages/index/index",
                scene=1007,
            ),
            _row(
                6,
                "page_view",
                now - timedelta(days=1),
                anonymous_id=b,
                platform="mp-weixin",
                page="pages/index/index",
            ),
        ]
    )
    return now, a, b


async def test_the_trend_counts_events_and_persons_per_day(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    now, _a, _b = _world(ctx)
    staff = bearer(await token_for(client, ctx, "ops-1"))
    today = now.astimezone(funnels.SHOP_TZ).date()
    yesterday = today - timedelta(days=1)
    response = await client.get(
        EVENTS + "/trend",
        params={"date_from": yesterday.isoformat(), "date_to": today.isoformat()},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    points = {(p["day"], p["event"]): (p["count"], p["persons"]) for p in response.json()["points"]}
    assert points == {
        (yesterday.isoformat(), "page_view"): (1, 1),
        (today.isoformat(), "identify"): (1, 1),
        (today.isoformat(), "page_view"): (3, 2),  # d-aaaaaaaa's two views count as member 41
        (today.isoformat(), "pay_click"): (1, 1),
    }
    only = await client.get(
        EVENTS + "/trend",
        params=[
            ("date_from", today.isoformat()),
            ("date_to", today.isoformat()),
            ("event", "page_view"),
            ("event", "pay_click"),
            ("platform", "h5"),
        ],
        headers=staff,
    )
    assert [(p["event"], p["count"]) for p in only.json()["points"]] == [
        ("page_view", 2),
        ("pay_click", 1),
    ]


async def test_the_list_pages_newest_first_with_every_filter(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    now, a, b = _world(ctx)
    staff = bearer(await token_for(client, ctx, "ops-1"))
    today = now.astimezone(funnels.SHOP_TZ).date()
    week = {"date_from": (today - timedelta(days=6)).isoformat(), "date_to": today.isoformat()}

    seen: list[str] = []
    cursor = None
    while True:
        params = {**week, "limit": 4, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(EVENTS, params=params, headers=staff)).json()
        seen += [row["event_id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # Newest first; e001 and e005 share a second: the larger id first.
    assert seen == ["e004", "e003", "e002", "e005", "e001", "e006"]

    first = (await client.get(EVENTS, params={**week, "limit": 1}, headers=staff)).json()
    [paid] = first["items"]
    assert paid["event"] == "pay_click"
    assert paid["person"] == "m:41"
    assert paid["ts"].startswith((now + timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S"))

    async def ids(**filters: Any) -> list[str]:
        response = await client.get(EVENTS, params={**week, **filters}, headers=staff)
        assert response.status_code == 200, response.text
        return [row["event_id"] for row in response.json()["items"]]

    # A member's filter finds the device's events before the sign-in too.
    assert await ids(member_id=41) == ["e004", "e003", "e002", "e001"]
    assert await ids(anonymous_id=b) == ["e005", "e006"]
    assert await ids(platform="mp-weixin", event="page_view") == ["e005", "e006"]
    assert await ids(page="pages/product/") == ["e002"]
    detail = await client.get(EVENTS, params={**week, "page": "pages/product/"}, headers=staff)
    assert detail.json()["items"][0]["properties"] == {"product_id": 7}
    assert await ids(anonymous_id=a, event="identify") == ["e003"]


async def test_the_export_is_csv_and_audited(client: httpx.AsyncClient, ctx: AppContext) -> None:
    now, _a, _b = _world(ctx)
    staff = bearer(await token_for(client, ctx, "ops-1"))
    today = now.astimezone(funnels.SHOP_TZ).date().isoformat()
    response = await client.get(
        EVENTS + "/export",
        params={"date_from": today, "date_to": today, "platform": "mp-weixin"},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["event"], r["anonymous_id"], r["scene"]) for r in rows] == [
        ("page_view", "d-bbbbbbbb", "1007")
    ]
    audit = await snapshot(ctx, "staff_audit_log")
    assert any("analytics.events_export" in repr(row) for row in audit["staff_audit_log"])


async def test_bad_queries_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _world(ctx)
    staff = bearer(await token_for(client, ctx, "ops-1"))
    support = bearer(await token_for(client, ctx, "support-1", role="support"))
    day = datetime.now(UTC).date().isoformat()
    before = await snapshot(ctx)
    files = sorted(ingest.store_of(ctx).files())
    cases: list[tuple[str, dict[str, Any], int, str | None]] = [
        (EVENTS, {"date_from": day, "date_to": "2020-01-01"}, 400, "analytics.invalid_query"),
        (
            EVENTS + "/trend",
            {"date_from": "2024-01-01", "date_to": day},
            400,
            "analytics.invalid_query",
        ),
        (
            EVENTS,
            {"date_from": day, "date_to": day, "cursor": "bm90IG91cnM"},
            400,
            "pagination.invalid_cursor",
        ),
        (
            EVENTS,
            {"date_from": day, "date_to": day, "cursor": encode_cursor([2**62, "e1"])},
            400,
            "pagination.invalid_cursor",
        ),
        (
            EVENTS,
            {"date_from": day, "date_to": day, "cursor": encode_cursor(["x", "e1"])},
            400,
            "pagination.invalid_cursor",
        ),
        (EVENTS, {"date_from": day, "date_to": day, "event": "purchase"}, 422, "request.invalid"),
        (EVENTS, {"date_from": day, "date_to": day, "platform": "ios"}, 422, "request.invalid"),
        (EVENTS, {"date_from": day, "date_to": day, "limit": 201}, 422, "request.invalid"),
        (
            EVENTS,
            {"date_from": day, "date_to": day, "anonymous_id": "x'; --"},
            422,
            "request.invalid",
        ),
        (EVENTS + "/export", {"date_from": day}, 422, "request.invalid"),
    ]
    for path, params, status, code in cases:
        response = await client.get(path, params=params, headers=staff)
        assert response.status_code == status, (path, params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code
    assert (await client.get(EVENTS, params={"date_from": day, "date_to": day})).status_code == 401
    refused = await client.get(EVENTS, params={"date_from": day, "date_to": day}, headers=support)
    assert refused.status_code == 403
    assert await snapshot(ctx) == before
    assert sorted(ingest.store_of(ctx).files()) == files
