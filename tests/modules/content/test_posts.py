"""种草 through the API, on both backends: topics, posts with images (through moderation and
WeChat's image check) and products, the latest and hot feeds with pinned posts, likes and
comments with their counters, staff removal; bad input refused with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import drain_outbox
from shoplet.modules.content import rules
from shoplet.modules.content.models import Post
from tests.conftest import snapshot
from tests.modules.content.factories import (
    API,
    CONSOLE,
    CONTENT_TABLES,
    MODERATION,
    buyer,
    image,
    item_id,
    post,
    post_row,
    topic,
    topic_count,
)
from tests.modules.orders.factories import shopper


async def feed_ids(client: httpx.AsyncClient, **params: str | int) -> tuple[list[int], list[int]]:
    response = await client.get(f"{API}/posts", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return [p["id"] for p in body["pinned"]], [p["id"] for p in body["items"]]


async def test_a_post_with_images_is_public_once_approved_and_links_products(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    summer = await topic(client, staff, "#夏日穿搭")
    taken = await client.post(f"{CONSOLE}/topics", json={"name": "夏日穿搭"}, headers=staff)
    assert (taken.status_code, taken.json()["code"]) == (409, "content.topic_taken")
    topics = (await client.get(f"{API}/topics")).json()
    assert [(t["id"], t["name"]) for t in topics] == [(summer, "夏日穿搭")]

    alice, product_id = await buyer(client, ctx, "post-alice")
    first, second = await image(client, alice, (10, 200, 30)), await image(client, alice, (9, 9, 9))
    created = await post(
        client,
        alice,
        content="这件T恤很透气 #夏日穿搭",
        image_ids=[second, first],
        product_ids=[product_id],
        topic_id=summer,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    # The images wait for WeChat's check (or a person): not public yet.
    assert body["status"] == "pending"
    assert body["moderation"]["status"] in ("checking", "held")
    assert len(body["images"]) == 2
    assert [p["id"] for p in body["products"]] == [product_id]
    assert await feed_ids(client) == ([], [])
    hidden = await client.get(f"{API}/posts/{body['id']}")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "content.post_not_found")
    own = await client.get(f"{API}/posts/{body['id']}", headers=alice.headers)
    assert own.json()["status"] == "pending"

    queue_item = await item_id(ctx, "post", body["id"])
    approved = await client.post(f"{MODERATION}/items/{queue_item}/approve", json={}, headers=staff)
    assert approved.status_code == 200, approved.text
    await drain_outbox(ctx)
    assert await feed_ids(client) == ([], [body["id"]])
    assert await feed_ids(client, topic_id=summer) == ([], [body["id"]])
    assert await topic_count(ctx, summer) == 1
    shown = (await client.get(f"{API}/posts/{body['id']}")).json()
    assert (shown["topic_name"], shown["products"][0]["id"]) == ("夏日穿搭", product_id)
    assert "status" not in shown

    # A text-only post passes at once; its author's list shows both.
    quick = (await post(client, alice, content="今天的穿搭")).json()
    assert quick["status"] == "approved"
    mine = (await client.get(f"{API}/content/posts/mine", headers=alice.headers)).json()
    assert [p["id"] for p in mine] == [quick["id"], body["id"]]

    # 下架: out of the feeds and the topic's count, and final.
    removed = await client.post(f"{CONSOLE}/posts/{body['id']}/remove", headers=staff)
    assert removed.status_code == 204
    assert await feed_ids(client) == ([], [quick["id"]])
    assert await topic_count(ctx, summer) == 0


async def test_feeds_likes_comments_hot_order_and_pins(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client, "feed-alice")
    bob = await shopper(client, "feed-bob")
    ids = [(await post(client, alice, content=f"第{i}篇")).json()["id"] for i in range(3)]
    old, middle, new = ids
    # The oldest was written a day earlier.
    async with unit_of_work(ctx.sessionmaker) as s:
        row = await s.get(Post, old)
        assert row is not None
        earlier = row.created_at - timedelta(days=1)
        await s.execute(
            update(Post)
            .where(Post.id == old)
            .values(created_at=earlier, hot_score=rules.hot_score(0, 0, earlier))
        )
    assert await feed_ids(client) == ([], [new, middle, old])

    # One like per shopper, however often.
    for who in (alice, alice, bob):
        await client.put(f"{API}/posts/{middle}/like", headers=who.headers)
    assert (await post_row(ctx, middle)).like_count == 2
    commented = await client.post(
        f"{API}/posts/{middle}/comments", json={"content": "同款已下单"}, headers=bob.headers
    )
    assert commented.status_code == 201, commented.text
    assert commented.json()["status"] == "approved"
    row = await post_row(ctx, middle)
    assert (row.like_count, row.comment_count) == (2, 1)
    assert row.hot_score == rules.hot_score(2, 1, row.created_at)
    comments = (await client.get(f"{API}/posts/{middle}/comments")).json()["items"]
    assert [c["content"] for c in comments] == ["同款已下单"]

    # 热门: engagement lifts the middle post; a day of age outweighs nothing much.
    assert await feed_ids(client, sort="hot") == ([], [middle, new, old])
    page = (await client.get(f"{API}/posts", params={"sort": "hot", "limit": 2})).json()
    assert [p["id"] for p in page["items"]] == [middle, new]
    rest = (
        await client.get(f"{API}/posts", params={"sort": "hot", "cursor": page["next_cursor"]})
    ).json()
    assert ([p["id"] for p in rest["items"]], rest["pinned"]) == ([old], [])
    latest = (await client.get(f"{API}/posts", params={"limit": 2})).json()
    more = (await client.get(f"{API}/posts", params={"cursor": latest["next_cursor"]})).json()
    assert [p["id"] for p in latest["items"] + more["items"]] == [new, middle, old]

    # 置顶: the pinned post leads the first page only.
    pinned = await client.put(f"{CONSOLE}/posts/{old}/pin", json={"is_pinned": True}, headers=staff)
    assert pinned.json()["is_pinned"] is True
    assert await feed_ids(client) == ([old], [new, middle])
    viewer = await client.get(f"{API}/posts", headers=bob.headers)
    assert [p["liked"] for p in viewer.json()["items"]] == [False, True]

    # A removed comment leaves the count.
    await client.post(f"{CONSOLE}/comments/{commented.json()['id']}/remove", headers=staff)
    assert (await post_row(ctx, middle)).comment_count == 0
    unliked = await client.delete(f"{API}/posts/{middle}/like", headers=bob.headers)
    assert unliked.json() == {"liked": False, "like_count": 1}


async def test_bad_posts_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice, product_id = await buyer(client, ctx, "post-carol")
    bob = await shopper(client, "post-dave")
    bobs = await image(client, bob, (1, 2, 3))
    closed = await topic(client, staff, "已结束")
    await client.put(
        f"{CONSOLE}/topics/{closed}", json={"name": "已结束", "is_active": False}, headers=staff
    )
    held = (await post(client, alice, content="可以私聊")).json()
    assert held["status"] == "pending"
    before = await snapshot(ctx, *CONTENT_TABLES)
    cases = [
        (await post(client, alice, content=""), 400, "content.content_empty"),
        (await post(client, alice, content="好" * 1001), 400, "content.content_too_long"),
        (await post(client, alice, content="看图", image_ids=[bobs]), 400, "content.image_unknown"),
        (
            await post(client, alice, content="好物", product_ids=[999_999]),
            400,
            "content.product_unknown",
        ),
        (
            await post(client, alice, content="好物", product_ids=[product_id], topic_id=closed),
            404,
            "content.topic_not_found",
        ),
        (
            await client.put(f"{API}/posts/{held['id']}/like", headers=bob.headers),
            409,
            "content.not_public",
        ),
        (
            await client.post(
                f"{API}/posts/{held['id']}/comments", json={"content": "?"}, headers=bob.headers
            ),
            404,
            "content.post_not_found",
        ),
        (
            await client.get(f"{API}/posts", params={"cursor": "bad"}),
            400,
            "pagination.invalid_cursor",
        ),
        (
            await client.get(f"{API}/posts", params={"sort": "hot", "cursor": "WyJ4IiwxXQ"}),
            400,
            "pagination.invalid_cursor",
        ),
        (
            await client.get(f"{API}/posts", params={"topic_id": closed}),
            404,
            "content.topic_not_found",
        ),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert await snapshot(ctx, *CONTENT_TABLES) == before


def test_hot_score_decays_with_age_and_grows_with_engagement() -> None:
    now = rules.EPOCH + timedelta(days=400)
    assert rules.hot_score(0, 0, now) > rules.hot_score(0, 0, now - timedelta(hours=1))
    # Ten times the engagement is worth 12.5 hours.
    assert (
        abs(rules.hot_score(9, 0, now - timedelta(seconds=45_000)) - rules.hot_score(0, 0, now))
        < 1e-6
    )
    assert rules.hot_score(0, 1, now) == rules.hot_score(2, 0, now)
    assert rules.hot_score(-5, -5, now) == rules.hot_score(0, 0, now)
