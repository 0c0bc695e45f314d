"""Session replay and click heatmaps (SQLite and PostgreSQL): chunks are checked whole and
stored compressed; retries count once; refused chunks change nothing; the size limit holds
under concurrent chunks; the console lists recordings by member, page and day, plays one
back, and counts clicks per heatmap cell; retention and deletion requests remove recordings."""

from __future__ import annotations

import asyncio
import time
import zlib
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.analytics.replay import service
from shoplet.modules.analytics.replay.models import ReplayChunk, ReplayClick, ReplaySession
from tests.conftest import snapshot
from tests.modules.members.conftest import bearer as member_bearer
from tests.modules.members.conftest import wechat_login
from tests.modules.staff.conftest import bearer, token_for

URL = "/api/v1/replays"
CONSOLE = "/api/v1/console/analytics"
TABLES = ("analytics_replay_session", "analytics_replay_chunk", "analytics_replay_click")


def now_ms() -> int:
    return int(time.time() * 1000)


def chunk(
    seq: int = 0,
    *,
    replay_id: str = "replay-0001",
    anonymous_id: str = "anon-rp-0001",
    page: str = "pages/index/index",
    events: list[dict[str, Any]] | None = None,
    clicks: list[dict[str, Any]] | None = None,
    sent_at: int | None = None,
) -> dict[str, Any]:
    sent = sent_at if sent_at is not None else now_ms()
    return {
        "replay_id": replay_id,
        "anonymous_id": anonymous_id,
        "seq": seq,
        "page": page,
        "sent_at": sent,
        "events": events
        if events is not None
        else [
            {"type": 4, "timestamp": sent - 2000, "data": {"href": "http://x/h5/", "width": 375}},
            {"type": 2, "timestamp": sent - 1999, "data": {"node": {"type": 0, "childNodes": []}}},
            {"type": 3, "timestamp": sent - 1000, "data": {"source": 2, "type": 2, "id": 7}},
        ],
        "clicks": clicks if clicks is not None else [],
    }


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "replay-operator"))


def test_sampling_is_stable_per_device() -> None:
    ids = [f"device-{i:04d}" for i in range(2000)]
    kept = [i for i in ids if service.sampled(i, 0.25)]
    assert 400 < len(kept) < 600
    assert kept == [i for i in ids if service.sampled(i, 0.25)]
    assert all(service.sampled(i, 1.0) for i in ids[:10])
    assert not any(service.sampled(i, 0.0) for i in ids[:10])


async def test_a_chunk_is_stored_compressed_and_played_back(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    config = await client.get(f"{URL}/config", params={"anonymous_id": "anon-rp-0001"})
    assert config.status_code == 200
    assert config.json()["record"] is True
    tokens = await wechat_login(client, "replayer")
    sent = now_ms()
    first = chunk(0, sent_at=sent, clicks=[{"x": 187, "y": 300, "width": 375, "ts": sent - 500}])
    answer = await client.post(URL, json=first, headers=member_bearer(tokens))
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"recorded": True, "duplicate": False}
    # A retry of the same chunk is stored once.
    again = await client.post(URL, json=first, headers=member_bearer(tokens))
    assert again.json() == {"recorded": True, "duplicate": True}
    detail_events = [{"type": 3, "timestamp": sent - 100, "data": {"source": 3, "id": 1, "y": 40}}]
    second = chunk(1, page="pages/product/detail", events=detail_events, sent_at=sent)
    assert (await client.post(URL, json=second)).status_code == 202

    async with ctx.sessionmaker() as s:
        blobs = list(await s.scalars(select(ReplayChunk.data).order_by(ReplayChunk.seq)))
        assert len(blobs) == 2
        assert b'"source":2' in zlib.decompress(blobs[0])
        recording = (await s.scalars(select(ReplaySession))).one()
        assert recording.member_id == tokens["member"]["id"]
        assert (recording.chunks, recording.events, recording.clicks) == (2, 4, 1)
        assert recording.stored_bytes > 0

    listed = await client.get(f"{CONSOLE}/replays", headers=staff)
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["pages"] == ["pages/index/index", "pages/product/detail"]
    # Each chunk moves by its own clock skew, so the span grows by the time between requests.
    assert 1900 <= item["duration_ms"] < 1900 + 30_000
    played = await client.get(f"{CONSOLE}/replays/{item['id']}", headers=staff)
    assert played.status_code == 200
    assert [e["type"] for e in played.json()["events"]] == [4, 2, 3, 3]
    assert played.json()["events"][-1]["data"] == {"source": 3, "id": 1, "y": 40}
    assert played.json()["page_starts"] == [
        {"page": "pages/index/index", "timestamp": sent - 2000},
        {"page": "pages/product/detail", "timestamp": sent - 100},
    ]


async def test_recordings_are_found_by_member_page_and_day(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    tokens = await wechat_login(client, "finder")
    member = tokens["member"]["id"]
    await client.post(URL, json=chunk(0, replay_id="replay-a-01"), headers=member_bearer(tokens))
    await client.post(
        URL,
        json=chunk(0, replay_id="replay-b-01", anonymous_id="anon-rp-0002", page="pages/cart/cart"),
    )
    for n in range(3):
        await client.post(
            URL, json=chunk(0, replay_id=f"replay-c-{n:02d}", anonymous_id="anon-c-0001")
        )

    async def ids(**params: Any) -> list[str]:
        response = await client.get(f"{CONSOLE}/replays", params=params, headers=staff)
        assert response.status_code == 200, response.text
        return [r["replay_id"] for r in response.json()["items"]]

    assert await ids(member_id=member) == ["replay-a-01"]
    assert await ids(page="pages/cart/cart") == ["replay-b-01"]
    today = (utcnow() + timedelta(hours=8)).date()
    assert len(await ids(date_from=today.isoformat(), date_to=today.isoformat())) == 5
    assert await ids(date_to=(today - timedelta(days=2)).isoformat()) == []
    # Keyset pages, newest first.
    first = await client.get(f"{CONSOLE}/replays", params={"limit": 2}, headers=staff)
    body = first.json()
    assert [r["replay_id"] for r in body["items"]] == ["replay-c-02", "replay-c-01"]
    rest = await client.get(
        f"{CONSOLE}/replays", params={"limit": 10, "cursor": body["next_cursor"]}, headers=staff
    )
    assert [r["replay_id"] for r in rest.json()["items"]] == [
        "replay-c-00",
        "replay-b-01",
        "replay-a-01",
    ]
    bad = await client.get(f"{CONSOLE}/replays", params={"cursor": "nope"}, headers=staff)
    assert bad.status_code == 400
    assert bad.json()["code"] == "pagination.invalid_cursor"
    missing = await client.get(f"{CONSOLE}/replays/999999", headers=staff)
    assert missing.status_code == 404
    assert missing.json()["code"] == "analytics.replay_not_found"


async def test_bad_chunks_change_nothing(client: httpx.AsyncClient, ctx: AppContext) -> None:
    await client.post(URL, json=chunk(0))
    before = await snapshot(ctx, *TABLES)
    sent = now_ms()
    cases: list[tuple[dict[str, Any], int, str]] = [
        # Another device naming this recording.
        (chunk(1, anonymous_id="anon-rp-9999"), 409, "analytics.replay_conflict"),
        # An event dated an hour after the chunk was sent.
        (
            chunk(1, events=[{"type": 3, "timestamp": sent + 3_600_000, "data": {}}], sent_at=sent),
            422,
            "analytics.replay_out_of_range",
        ),
        # A click from two days ago.
        (
            chunk(1, clicks=[{"x": 1, "y": 1, "width": 375, "ts": sent - 2 * 86_400_000}]),
            422,
            "analytics.replay_out_of_range",
        ),
        # An unknown rrweb event type, a field that is not rrweb's, no events.
        (chunk(1, events=[{"type": 9, "timestamp": sent, "data": {}}]), 422, "request.invalid"),
        (
            chunk(1, events=[{"type": 3, "timestamp": sent, "data": {}, "x": 1}]),
            422,
            "request.invalid",
        ),
        (chunk(1, events=[]), 422, "request.invalid"),
        ({**chunk(1), "member_id": 1}, 422, "request.invalid"),
        # Too many events in one chunk.
        (
            chunk(1, events=[{"type": 3, "timestamp": sent, "data": {}}] * 2001),
            422,
            "request.invalid",
        ),
    ]
    for body, status, code in cases:
        response = await client.post(URL, json=body)
        assert response.status_code == status, (code, response.text)
        assert response.json()["code"] == code
    # A body over 512 KB is refused before the route runs.
    big = chunk(1, events=[{"type": 3, "timestamp": sent, "data": {"t": "x" * 530_000}}])
    response = await client.post(URL, json=big)
    assert response.status_code == 413
    assert response.json()["code"] == "request.body_too_large"
    assert await snapshot(ctx, *TABLES) == before


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"analytics_replay_rate_limit": "200/minute"}


async def test_the_size_limit_holds_under_concurrent_chunks(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    """Twenty chunks at once against a recording with room for about five: the conditional
    UPDATE lets through only what fits, and the refused ones leave no chunk behind."""
    ctx.settings.analytics_replay_max_session_bytes = 600
    sent = now_ms()
    noise = [
        {"type": 3, "timestamp": sent - 10, "data": {"t": f"{i * 7919 % 1_000_003:x}" * 40}}
        for i in range(1)
    ]
    answers = await asyncio.gather(
        *(
            client.post(URL, json=chunk(seq, replay_id="replay-full-1", events=noise))
            for seq in range(20)
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert 202 in codes
    assert 413 in codes, codes
    async with ctx.sessionmaker() as s:
        recording = (await s.scalars(select(ReplaySession))).one()
        stored = await s.scalar(
            select(func.count())
            .select_from(ReplayChunk)
            .where(ReplayChunk.session_id == recording.id)
        )
    assert recording.stored_bytes <= 600
    assert stored == recording.chunks == codes.count(202)
    for answer in answers:
        if answer.status_code == 413:
            assert answer.json()["code"] == "analytics.replay_full"


async def test_the_heatmap_counts_clicks_per_cell(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sent = now_ms()
    # A 375 px and a 750 px wide phone click the same button (middle, 300 px down at 375).
    clicks_small = [{"x": 190, "y": 300, "width": 375, "ts": sent - 10}] * 3
    clicks_big = [{"x": 380, "y": 600, "width": 750, "ts": sent - 10}]
    elsewhere = [{"x": 10, "y": 5, "width": 375, "ts": sent - 10}]
    await client.post(
        URL, json=chunk(0, replay_id="replay-heat-1", clicks=clicks_small + elsewhere)
    )
    await client.post(
        URL, json=chunk(0, replay_id="replay-heat-2", anonymous_id="anon-heat", clicks=clicks_big)
    )
    await client.post(
        URL, json=chunk(1, replay_id="replay-heat-1", page="pages/cart/cart", clicks=elsewhere)
    )
    heat = await client.get(
        f"{CONSOLE}/heatmap", params={"page": "pages/index/index"}, headers=staff
    )
    assert heat.status_code == 200, heat.text
    body = heat.json()
    assert body["clicks"] == 5
    assert body["max_count"] == 4
    cells = {(c["x"], c["y"]): c["count"] for c in body["cells"]}
    # 190/375 = 506 ‰ and 380/750 = 506 ‰ → cell 500; y 300 px at 375 → cell 300.
    assert cells == {(500, 300): 4, (20, 0): 1}
    pages = await client.get(f"{CONSOLE}/heatmap/pages", headers=staff)
    assert pages.json() == [
        {"page": "pages/index/index", "clicks": 5},
        {"page": "pages/cart/cart", "clicks": 1},
    ]


async def test_unsampled_devices_are_not_recorded(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    ctx.settings.analytics_replay_sample_rate = 0.0
    config = await client.get(f"{URL}/config", params={"anonymous_id": "anon-rp-0001"})
    assert config.json()["record"] is False
    answer = await client.post(URL, json=chunk(0))
    assert answer.status_code == 202
    assert answer.json()["recorded"] is False
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(ReplaySession)) == 0


async def test_retention_and_deletion_requests_remove_recordings(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client, "forgetme")
    member = tokens["member"]["id"]
    clicks = [{"x": 1, "y": 1, "width": 375, "ts": now_ms() - 10}]
    # Signed in on one device; the same device's later guest visit goes too.
    await client.post(
        URL,
        json=chunk(0, replay_id="replay-m-1", anonymous_id="anon-forget", clicks=clicks),
        headers=member_bearer(tokens),
    )
    await client.post(URL, json=chunk(0, replay_id="replay-m-2", anonymous_id="anon-forget"))
    await client.post(URL, json=chunk(0, replay_id="replay-other", anonymous_id="anon-keep"))
    owner = bearer(await token_for(client, ctx, "replay-owner", role="owner"))
    deleted = await client.post(f"{CONSOLE}/members/{member}/event-deletions", headers=owner)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["replays_removed"] == 2
    async with ctx.sessionmaker() as s:
        left = list(await s.scalars(select(ReplaySession.replay_id)))
        assert left == ["replay-other"]
        assert await s.scalar(select(func.count()).select_from(ReplayClick)) == 0
    # Retention: nothing is old yet; 31 days on, everything is.
    assert await service.expire(ctx) == 0
    assert await service.expire(ctx, now=utcnow() + timedelta(days=31)) == 1
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(ReplayChunk)) == 0


async def test_who_may_watch(client: httpx.AsyncClient, ctx: AppContext) -> None:
    await client.post(URL, json=chunk(0))
    assert (await client.get(f"{CONSOLE}/replays")).status_code == 401
    support = bearer(await token_for(client, ctx, "replay-support", role="support"))
    assert (await client.get(f"{CONSOLE}/replays", headers=support)).status_code == 403
    assert (
        await client.get(f"{CONSOLE}/heatmap", params={"page": "x"}, headers=support)
    ).status_code == 403
