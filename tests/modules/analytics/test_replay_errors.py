"""A recording's JavaScript errors and scroll depths (SQLite and PostgreSQL): errors are stored
masked with the chunk, counted once on a retry, found by any or by a piece of their message,
listed by how many recordings met them and placed on the player's clock; scroll depths keep
each visit's deepest point per page (also under concurrent chunks) and make the 滚动深度 map at
375 px; bad errors or depths change nothing; deletion and retention take both with the
recording."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.analytics.replay import service
from shoplet.modules.analytics.replay.models import ReplayError, ReplayScroll, ReplaySession
from tests.conftest import snapshot
from tests.modules.analytics.test_replay import CONSOLE, TABLES, URL, chunk, now_ms
from tests.modules.members.conftest import bearer as member_bearer
from tests.modules.members.conftest import wechat_login
from tests.modules.staff.conftest import bearer, token_for

ALL_TABLES = (*TABLES, "analytics_replay_error", "analytics_replay_scroll")
HOME = "pages/index/index"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "replay-error-operator"))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"analytics_replay_rate_limit": "200/minute"}


def with_errors(body: dict[str, Any], *errors: dict[str, Any]) -> dict[str, Any]:
    return {**body, "errors": list(errors)}


def with_scroll(body: dict[str, Any], depth: int, height: int, width: int = 375) -> dict[str, Any]:
    viewport = 667 * width // 375
    return {
        **body,
        "scroll": {"depth": depth, "height": height, "viewport": viewport, "width": width},
    }


async def test_errors_are_stored_masked_found_and_placed_on_the_players_clock(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sent = now_ms()
    broken = {
        "message": "TypeError: Cannot read properties of undefined (reading 'price') 13800138000",
        "source": "http://shop.example/h5/assets/index-3f2a.js?v=7:1:2045",
        "ts": sent - 1500,
    }
    rejected = {"message": "Unhandled rejection: 网络超时", "ts": sent - 800}
    first = with_errors(chunk(0, replay_id="replay-err-1", sent_at=sent), broken, rejected)
    assert (await client.post(URL, json=first)).status_code == 202
    # A retry is stored once, its errors too.
    assert (await client.post(URL, json=first)).json()["duplicate"] is True
    # Another recording: the same TypeError once; a third has none.
    other = with_errors(
        chunk(0, replay_id="replay-err-2", anonymous_id="anon-err-2", page="pages/cart/cart"),
        {**broken, "ts": sent - 100},
    )
    assert (await client.post(URL, json=other)).status_code == 202
    clean = chunk(0, replay_id="replay-err-3", anonymous_id="anon-err-3")
    assert (await client.post(URL, json=clean)).status_code == 202

    async with ctx.sessionmaker() as s:
        stored = list(await s.scalars(select(ReplayError).order_by(ReplayError.id)))
        rows = await s.execute(select(ReplaySession.replay_id, ReplaySession.errors))
        counts = {str(replay_id): int(n) for replay_id, n in rows}
    assert counts == {"replay-err-1": 2, "replay-err-2": 1, "replay-err-3": 0}
    assert len(stored) == 3
    # A phone number in a message is masked; the source loses its query.
    assert stored[0].message.endswith("138****8000")
    assert stored[0].source == "http://shop.example/h5/assets/index-3f2a.js"
    assert stored[1].source == ""

    async def replay_ids(**params: Any) -> list[str]:
        listed = await client.get(f"{CONSOLE}/replays", params=params, headers=staff)
        assert listed.status_code == 200, listed.text
        return [item["replay_id"] for item in listed.json()["items"]]

    assert await replay_ids() == ["replay-err-3", "replay-err-2", "replay-err-1"]
    assert await replay_ids(with_errors=True) == ["replay-err-2", "replay-err-1"]
    # A piece of the message, any case.
    assert await replay_ids(error="typeerror: cannot READ") == ["replay-err-2", "replay-err-1"]
    assert await replay_ids(error="网络超时") == ["replay-err-1"]
    # % and _ are literal, not wildcards.
    assert await replay_ids(error="%") == []
    assert await replay_ids(error="reading_'price'") == []
    assert await replay_ids(error="网络超时", page="pages/cart/cart") == []
    too_long = await client.get(f"{CONSOLE}/replays", params={"error": "x" * 101}, headers=staff)
    assert too_long.status_code == 422
    listed = await client.get(f"{CONSOLE}/replays", params={"with_errors": True}, headers=staff)
    assert [item["errors"] for item in listed.json()["items"]] == [1, 2]

    # The player gets the errors in time order, on the events' clock.
    first_id = listed.json()["items"][1]["id"]
    detail = (await client.get(f"{CONSOLE}/replays/{first_id}", headers=staff)).json()
    assert [(e["timestamp"], e["page"]) for e in detail["errors"]] == [
        (sent - 1500, HOME),
        (sent - 800, HOME),
    ]
    assert detail["events"][0]["timestamp"] == sent - 2000

    summary = await client.get(f"{CONSOLE}/replays/errors", headers=staff)
    assert summary.status_code == 200, summary.text
    assert [(e["recordings"], e["occurrences"]) for e in summary.json()] == [(2, 2), (1, 1)]
    assert summary.json()[0]["message"].startswith("TypeError")


async def test_bad_errors_and_depths_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await client.post(URL, json=chunk(0))
    before = await snapshot(ctx, *ALL_TABLES)
    sent = now_ms()
    error = {"message": "Error: x", "ts": sent - 10}
    cases: list[tuple[dict[str, Any], int, str]] = [
        (with_errors(chunk(1), *[error] * 21), 422, "request.invalid"),
        (with_errors(chunk(1), {**error, "message": "x" * 501}), 422, "request.invalid"),
        (with_errors(chunk(1), {**error, "message": ""}), 422, "request.invalid"),
        (with_errors(chunk(1), {**error, "source": "s" * 301}), 422, "request.invalid"),
        (with_errors(chunk(1), {**error, "stack": "at x"}), 422, "request.invalid"),
        (
            with_errors(chunk(1, sent_at=sent), {**error, "ts": sent + 3_600_000}),
            422,
            "analytics.replay_out_of_range",
        ),
        (with_scroll(chunk(1), 100, 1000, width=0), 422, "request.invalid"),
        (with_scroll(chunk(1), -1, 1000), 422, "request.invalid"),
        (with_scroll(chunk(1), 100, 0), 422, "request.invalid"),
        (
            {**chunk(1), "scroll": {"depth": 1, "height": 2, "viewport": 1, "width": 1, "y": 0}},
            422,
            "request.invalid",
        ),
    ]
    for body, status, code in cases:
        response = await client.post(URL, json=body)
        assert response.status_code == status, (code, response.text)
        assert response.json()["code"] == code
    assert await snapshot(ctx, *ALL_TABLES) == before


async def test_the_scroll_map_keeps_each_visits_deepest_point_at_375_px(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    # Visit 1 (375 px): scrolls to 1,050 px, then back up (the later, shallower chunk does not
    # lower it). Visit 2 (750 px): 1,400 px there is 700 px at 375. Visit 3: the first screen
    # only. A depth past the document's end counts as its end.
    posts = [
        with_scroll(chunk(0, replay_id="replay-scroll-1"), 1050, 2000),
        with_scroll(chunk(1, replay_id="replay-scroll-1"), 667, 2000),
        with_scroll(
            chunk(0, replay_id="replay-scroll-2", anonymous_id="anon-s-2"), 1400, 4000, width=750
        ),
        with_scroll(chunk(0, replay_id="replay-scroll-3", anonymous_id="anon-s-3"), 667, 2000),
        with_scroll(
            chunk(0, replay_id="replay-scroll-4", anonymous_id="anon-s-4", page="pages/cart/cart"),
            9000,
            800,
        ),
    ]
    for body in posts:
        assert (await client.post(URL, json=body)).status_code == 202
    async with ctx.sessionmaker() as s:
        rows = await s.execute(
            select(ReplayScroll.page, func.max(ReplayScroll.depth)).group_by(ReplayScroll.page)
        )
        depths = {str(page): int(depth) for page, depth in rows}
    assert depths == {HOME: 1400, "pages/cart/cart": 800}

    response = await client.get(f"{CONSOLE}/scrollmap", params={"page": HOME}, headers=staff)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["visits"], body["reference_width"], body["band"], body["fold"]) == (
        3,
        375,
        100,
        667,
    )
    reached = [(b["y"], b["reached"]) for b in body["bands"]]
    # Deepest points at 375 px: 1,050 (band 1000), 700 (band 700), 667 (band 600).
    assert reached[:6] == [(0, 3), (100, 3), (200, 3), (300, 3), (400, 3), (500, 3)]
    assert reached[6:] == [(600, 3), (700, 2), (800, 1), (900, 1), (1000, 1)]
    assert body["bands"][7]["share"] == pytest.approx(2 / 3)
    empty = await client.get(f"{CONSOLE}/scrollmap", params={"page": "pages/none"}, headers=staff)
    assert empty.json()["visits"] == 0
    assert empty.json()["bands"] == []


async def test_concurrent_chunks_keep_the_deepest_point(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    """Twenty chunks of one visit at once, each with its own depth: the upsert keeps the
    deepest, whatever order they land in."""
    depths = [(i * 7919) % 20 * 100 + 700 for i in range(20)]
    answers = await asyncio.gather(
        *(
            client.post(URL, json=with_scroll(chunk(seq, replay_id="replay-race"), depth, 3000))
            for seq, depth in enumerate(depths)
        )
    )
    assert [a.status_code for a in answers] == [202] * 20
    async with ctx.sessionmaker() as s:
        rows = list(await s.scalars(select(ReplayScroll)))
    assert [(r.page, r.depth, r.height) for r in rows] == [(HOME, max(depths), 3000)]


async def test_deletion_and_retention_take_errors_and_depths(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client, "forget-errors")
    error = {"message": "Error: gone", "ts": now_ms() - 10}
    await client.post(
        URL,
        json=with_scroll(
            with_errors(chunk(0, replay_id="replay-gone", anonymous_id="anon-gone"), error),
            900,
            2000,
        ),
        headers=member_bearer(tokens),
    )
    await client.post(
        URL,
        json=with_scroll(
            with_errors(chunk(0, replay_id="replay-kept", anonymous_id="anon-kept"), error),
            900,
            2000,
        ),
    )
    owner = bearer(await token_for(client, ctx, "replay-error-owner", role="owner"))
    member = tokens["member"]["id"]
    deleted = await client.post(f"{CONSOLE}/members/{member}/event-deletions", headers=owner)
    assert deleted.json()["replays_removed"] == 1
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(ReplayError)) == 1
        assert await s.scalar(select(func.count()).select_from(ReplayScroll)) == 1
    assert await service.expire(ctx, now=utcnow() + timedelta(days=31)) == 1
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(ReplayError)) == 0
        assert await s.scalar(select(func.count()).select_from(ReplayScroll)) == 0
