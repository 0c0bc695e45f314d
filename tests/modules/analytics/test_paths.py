"""Path analysis against a brute-force count over generated sessions (hypothesis), the
sessionisation rule, funnel drop-off lists, and the console routes."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplet.core.context import AppContext
from shoplet.modules.analytics import funnels, ingest
from shoplet.modules.analytics.behaviour import queries
from shoplet.modules.analytics.eventstore import EventStore
from tests.conftest import snapshot
from tests.modules.staff.conftest import bearer, token_for

PAGES = ["pages/index/index", "pages/product/detail", "pages/cart/index", "pages/order/confirm"]
DAY = date(2026, 3, 2)
BASE = datetime(2026, 3, 2, 1, 0, tzinfo=funnels.SHOP_TZ).astimezone(UTC)

view_strategy = st.fixed_dictionaries(
    {
        "page": st.sampled_from(PAGES),
        "minute": st.integers(min_value=0, max_value=6 * 60),
        "who": st.integers(min_value=0, max_value=3),
        "session": st.sampled_from([None, "s1", "s2"]),
        "signed_in": st.booleans(),
    }
)


def make_views(drawn: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, d in enumerate(drawn):
        ts = BASE + timedelta(minutes=d["minute"])
        out.append(
            {
                "event_id": f"e{i:03d}",
                "event": "page_view",
                "ts": ts,
                "received_at": ts,
                "anonymous_id": f"anon-{d['who']}",
                # Device 0 signs in as member 100 on some events: all its views are the member's.
                "member_id": 100 if d["signed_in"] and d["who"] == 0 else None,
                "session_id": d["session"],
                "page": d["page"],
                "platform": "h5",
            }
        )
    return out


def brute_force(views: list[dict[str, Any]], page: str) -> tuple[Counter[str], Counter[str]]:
    persons = {v["anonymous_id"]: v["anonymous_id"] for v in views}
    persons.update({"anon-0": "m:100"} if any(v["member_id"] for v in views) else {})
    tagged = [{**v, "person": persons[v["anonymous_id"]]} for v in views]
    following: Counter[str] = Counter()
    preceding: Counter[str] = Counter()
    for seq in queries.session_sequences(tagged):
        for i, p in enumerate(seq):
            if p != page:
                continue
            following[seq[i + 1] if i + 1 < len(seq) else queries.EXIT] += 1
            preceding[seq[i - 1] if i > 0 else queries.ENTRY] += 1
    return following, preceding


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=st.lists(view_strategy, max_size=40), page=st.sampled_from(PAGES))
def test_path_counts_equal_a_brute_force_count(
    tmp_path_factory: pytest.TempPathFactory, drawn: list[dict[str, Any]], page: str
) -> None:
    store = EventStore(tmp_path_factory.mktemp("events"))
    views = make_views(drawn)
    store.append(views)
    start, end = funnels.shop_day_bounds(DAY, DAY)

    def run(con: Any) -> tuple[list[queries.PageCount], list[queries.PageCount]]:
        return (
            queries.neighbours(con, page=page, direction="next", start=start, end=end),
            queries.neighbours(con, page=page, direction="previous", start=start, end=end),
        )

    following, preceding = store.read(run)
    expected_next, expected_previous = brute_force(views, page)
    assert {n.page: n.count for n in following} == dict(expected_next)
    assert {n.page: n.count for n in preceding} == dict(expected_previous)
    assert sum(n.count for n in following) == sum(1 for v in views if v["page"] == page)


def test_a_session_ends_after_30_minutes_idle(tmp_path: Any) -> None:
    store = EventStore(tmp_path)
    rows = [
        {
            "event_id": f"e{i}",
            "event": "page_view",
            "ts": BASE + timedelta(minutes=m),
            "anonymous_id": "anon-x",
            "page": p,
            "platform": "h5",
        }
        for i, (m, p) in enumerate([(0, "a"), (10, "b"), (41, "c"), (50, "b"), (51, "a")])
    ]
    store.append(rows)
    start, end = funnels.shop_day_bounds(DAY, DAY)
    following = store.read(
        lambda con: queries.neighbours(con, page="b", direction="next", start=start, end=end)
    )
    # b at 10' ends its session (31' idle before c); b at 50' is followed by a.
    assert [(n.page, n.count) for n in following] == [("$exit", 1), ("a", 1)]


def _event(i: int, name: str, who: str, minute: int, member: int | None = None) -> dict[str, Any]:
    ts = datetime.now(UTC) - timedelta(minutes=60 - minute)
    return {
        "event_id": f"{who}{i}",
        "event": name,
        "ts": ts,
        "anonymous_id": who,
        "member_id": member,
        "session_id": f"sess-{who}",
        "page": "pages/product/detail" if name == "page_view" else None,
        "platform": "h5",
        "properties": json.dumps({}),
    }


async def test_console_paths_and_drop_offs(client: httpx.AsyncClient, ctx: AppContext) -> None:
    ingest.store_of(ctx).append(
        [
            _event(1, "page_view", "dev-a", 1, member=5),
            _event(2, "add_to_cart", "dev-a", 2, member=5),
            _event(3, "pay_click", "dev-a", 3, member=5),
            _event(1, "page_view", "dev-b", 1),
            _event(2, "add_to_cart", "dev-b", 2),
            _event(1, "page_view", "dev-c", 1, member=6),
            {**_event(2, "page_view", "dev-c", 2, member=6), "page": "pages/cart/index"},
        ]
    )
    today = datetime.now(UTC).astimezone(funnels.SHOP_TZ).date()
    window = {
        "date_from": (today - timedelta(days=1)).isoformat(),
        "date_to": today.isoformat(),
    }
    staff = bearer(await token_for(client, ctx, "ops-1"))
    support = bearer(await token_for(client, ctx, "support-1", role="support"))
    url = "/api/v1/console/analytics/paths"
    assert (await client.get(url, params=window, headers=support)).status_code == 403
    response = await client.get(
        url, params={**window, "page": "pages/product/detail"}, headers=staff
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["views"] == 3
    assert [(n["page"], n["count"], n["share"]) for n in result["neighbours"]] == [
        ("$exit", 2, 0.6667),
        ("pages/cart/index", 1, 0.3333),
    ]
    assert result["top_pages"][0] == {"page": "pages/product/detail", "views": 3, "sessions": 3}
    response = await client.get(
        url,
        params={**window, "page": "pages/cart/index", "direction": "previous"},
        headers=staff,
    )
    assert [(n["page"], n["count"]) for n in response.json()["neighbours"]] == [
        ("pages/product/detail", 1)
    ]

    body = {
        "steps": [{"event": "page_view"}, {"event": "add_to_cart"}, {"event": "pay_click"}],
        "window_seconds": 3600,
        **window,
        "step": 2,
    }
    drops = "/api/v1/console/analytics/funnels/drop-offs"
    response = await client.post(drops, json=body, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "step": 2,
        "total": 1,
        "persons": [{"person": "m:6", "member_id": 6, "anonymous_id": None}],
    }
    response = await client.post(drops, json={**body, "step": 3}, headers=staff)
    assert response.json()["persons"] == [
        {"person": "a:dev-b", "member_id": None, "anonymous_id": "dev-b"}
    ]

    before = await snapshot(ctx)
    reversed_range = {"date_from": window["date_to"], "date_to": "2020-01-01"}
    response = await client.get(url, params=reversed_range, headers=staff)
    assert (response.status_code, response.json()["code"]) == (400, "analytics.date_range_invalid")
    response = await client.get(url, params={**window, "page": " "}, headers=staff)
    assert (response.status_code, response.json()["code"]) == (400, "analytics.path_query_invalid")
    response = await client.post(drops, json={**body, "step": 4}, headers=staff)
    assert (response.status_code, response.json()["code"]) == (400, "analytics.path_query_invalid")
    response = await client.get(url, params={**window, "direction": "sideways"}, headers=staff)
    assert response.status_code == 422
    assert await snapshot(ctx) == before
