"""Content races on PostgreSQL: one shopper liking from many devices at once counts once;
many shoppers liking and commenting at once count each exactly once and leave the hot score of
the final counters; 收藏 and 关注 likewise (one row per pair, counts never below zero); two
staff removing one post at once take it out of its topic once. SQLite serialises writers, so
these run on PostgreSQL only."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.video import make_test_video
from shoplet.modules.content import rules
from shoplet.modules.content.models import Follow, Like, Post, PostFavorite, PostVideo
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.content.factories import (
    API,
    CONSOLE,
    post,
    post_row,
    topic,
    topic_count,
    video,
)
from tests.modules.orders.factories import Shopper, shopper


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def _at_once(
    backend_db: BackendDb,
    ctx: AppContext,
    calls: list[tuple[str, str, Shopper | dict[str, str], dict[str, str] | None]],
) -> list[httpx.Response]:
    start = asyncio.Event()
    async with app_with_pool(backend_db, ctx, 10) as app:
        transport = httpx.ASGITransport(app=app)

        async def go(
            method: str, url: str, who: Shopper | dict[str, str], body: dict[str, str] | None
        ) -> httpx.Response:
            headers = who.headers if isinstance(who, Shopper) else who
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.request(method, url, json=body, headers=headers)

        tasks = [asyncio.create_task(go(*call)) for call in calls]
        start.set()
        return await asyncio.gather(*tasks)


async def test_one_shopper_liking_from_many_devices_counts_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    alice = await shopper(client, "race-alice")
    post_id = (await post(client, alice, content="一起来种草")).json()["id"]
    responses = await _at_once(
        backend_db, ctx, [("PUT", f"{API}/posts/{post_id}/like", alice, None)] * 12
    )
    assert [r.status_code for r in responses] == [200] * 12, [r.text for r in responses]
    row = await post_row(ctx, post_id)
    assert row.like_count == 1
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Like)) == 1


async def test_many_shoppers_liking_and_commenting_at_once_count_each_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    author = await shopper(client, "race-author")
    post_id = (await post(client, author, content="热门候选")).json()["id"]
    fans = [await shopper(client, f"race-fan-{i}") for i in range(10)]
    calls: list[tuple[str, str, Shopper | dict[str, str], dict[str, str] | None]] = []
    for i, fan in enumerate(fans):
        calls.append(("PUT", f"{API}/posts/{post_id}/like", fan, None))
        calls.append(("PUT", f"{API}/posts/{post_id}/like", fan, None))
        if i % 2 == 0:
            calls.append(("POST", f"{API}/posts/{post_id}/comments", fan, {"content": f"好看{i}"}))
    responses = await _at_once(backend_db, ctx, calls)
    assert Counter(r.status_code for r in responses) == {200: 20, 201: 5}, [
        r.text for r in responses if r.status_code >= 400
    ]
    row = await post_row(ctx, post_id)
    assert (row.like_count, row.comment_count) == (10, 5)
    # Each change holds the row lock from its counter UPDATE to its commit, so the stored score
    # is the one of the final counters.
    assert row.hot_score == rules.hot_score(10, 5, row.created_at)


async def test_two_staff_removing_one_post_take_it_out_of_its_topic_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    channel = await topic(client, staff, "并发话题")
    alice = await shopper(client, "race-remove")
    post_id = (await post(client, alice, content="会被下架", topic_id=channel)).json()["id"]
    assert await topic_count(ctx, channel) == 1
    responses = await _at_once(
        backend_db, ctx, [("POST", f"{CONSOLE}/posts/{post_id}/remove", staff, None)] * 4
    )
    assert all(r.status_code in (204, 409) for r in responses), [r.text for r in responses]
    assert any(r.status_code == 204 for r in responses)
    assert await topic_count(ctx, channel) == 0
    assert (await post_row(ctx, post_id)).status == "removed"


async def test_one_shopper_favouriting_from_many_devices_counts_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    alice = await shopper(client, "race-fav-alice")
    bob = await shopper(client, "race-fav-bob")
    post_id = (await post(client, alice, content="收藏竞态")).json()["id"]
    responses = await _at_once(
        backend_db, ctx, [("PUT", f"{API}/posts/{post_id}/favorite", bob, None)] * 20
    )
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    assert (await post_row(ctx, post_id)).favorite_count == 1
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(PostFavorite)) == 1
    # Taking it back from many devices at once: one row gone, never below zero.
    responses = await _at_once(
        backend_db, ctx, [("DELETE", f"{API}/posts/{post_id}/favorite", bob, None)] * 20
    )
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    assert (await post_row(ctx, post_id)).favorite_count == 0


async def test_many_shoppers_favouriting_and_following_at_once_count_each_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    author = await shopper(client, "race-fav-author")
    post_id = (await post(client, author, content="人人收藏")).json()["id"]
    fans = [await shopper(client, f"race-fav-fan-{i}") for i in range(20)]
    calls: list[tuple[str, str, Shopper | dict[str, str], dict[str, str] | None]] = []
    for fan in fans:
        calls.append(("PUT", f"{API}/posts/{post_id}/favorite", fan, None))
        calls.append(("PUT", f"{API}/content/authors/{author.member_id}/follow", fan, None))
        calls.append(("PUT", f"{API}/content/authors/{author.member_id}/follow", fan, None))
    responses = await _at_once(backend_db, ctx, calls)
    assert [r.status_code for r in responses] == [200] * 60, [
        r.text for r in responses if r.status_code >= 400
    ]
    assert (await post_row(ctx, post_id)).favorite_count == 20
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(PostFavorite)) == 20
        assert await s.scalar(select(func.count()).select_from(Follow)) == 20


async def test_one_video_posted_from_many_devices_at_once_goes_into_one_post(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    alice = await shopper(client, "race-video")
    clip = (await video(client, alice, make_test_video(seconds=1))).json()
    body = {"content": "同一段视频", "video_id": clip["id"]}
    responses = await _at_once(
        backend_db,
        ctx,
        [("POST", f"{API}/posts", alice, body)] * 10,  # type: ignore[list-item]
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 400: 9}
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {
        "content.video_unknown"
    }
    (winner,) = [r.json()["id"] for r in responses if r.status_code == 201]
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Post)) == 1
        assert await s.scalar(select(PostVideo.post_id).where(PostVideo.id == clip["id"])) == winner
