"""收藏 and 关注 through the API, on both backends: favouriting a post (once per shopper, with
its ``favorite_count``), my favourites page by page, following an author and the 关注 feed,
the viewer's flags on every post in one query each; refused input changes nothing."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.content.models import Follow, PostFavorite
from tests.conftest import StatementCounter, snapshot
from tests.modules.content.factories import API, CONSOLE, CONTENT_TABLES, post, post_row
from tests.modules.orders.factories import shopper


async def test_favourites_count_once_and_list_latest_first(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client, "fav-alice")
    bob = await shopper(client, "fav-bob")
    first, second, third = [
        (await post(client, alice, content=f"收藏候选{i}")).json()["id"] for i in range(3)
    ]
    for _ in range(2):
        done = await client.put(f"{API}/posts/{first}/favorite", headers=bob.headers)
        assert done.json() == {"favorited": True, "favorite_count": 1}, done.text
    await client.put(f"{API}/posts/{first}/favorite", headers=alice.headers)
    await client.put(f"{API}/posts/{third}/favorite", headers=bob.headers)
    await client.put(f"{API}/posts/{second}/favorite", headers=bob.headers)
    assert (await post_row(ctx, first)).favorite_count == 2

    shown = (await client.get(f"{API}/posts/{first}", headers=bob.headers)).json()
    assert (shown["favorited"], shown["favorite_count"]) == (True, 2)
    assert (await client.get(f"{API}/posts/{first}")).json()["favorited"] is False

    # Latest favourite first, page by page.
    page = await client.get(f"{API}/content/favorites", params={"limit": 2}, headers=bob.headers)
    assert page.status_code == 200, page.text
    assert [p["id"] for p in page.json()["items"]] == [second, third]
    assert all(p["favorited"] for p in page.json()["items"])
    rest = await client.get(
        f"{API}/content/favorites",
        params={"cursor": page.json()["next_cursor"]},
        headers=bob.headers,
    )
    assert ([p["id"] for p in rest.json()["items"]], rest.json()["next_cursor"]) == ([first], None)

    # Taken back (twice: once counted); a removed post leaves the list.
    for _ in range(2):
        undone = await client.delete(f"{API}/posts/{second}/favorite", headers=bob.headers)
        assert undone.json() == {"favorited": False, "favorite_count": 0}
    await client.post(f"{CONSOLE}/posts/{third}/remove", headers=staff)
    mine = (await client.get(f"{API}/content/favorites", headers=bob.headers)).json()
    assert [p["id"] for p in mine["items"]] == [first]
    async with ctx.sessionmaker() as s:
        rows = (await s.scalars(select(PostFavorite.post_id))).all()
    assert sorted(rows) == sorted([first, first, third])


async def test_following_an_author_fills_the_following_feed(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client, "follow-alice")
    bob = await shopper(client, "follow-bob")
    carol = await shopper(client, "follow-carol")
    old = (await post(client, alice, content="爱丽丝的旧帖")).json()["id"]
    (await post(client, carol, content="卡罗尔的帖")).json()["id"]
    new = (await post(client, alice, content="爱丽丝的新帖")).json()["id"]

    empty = await client.get(f"{API}/posts", params={"sort": "following"}, headers=bob.headers)
    assert empty.json() == {"pinned": [], "items": [], "next_cursor": None}
    for _ in range(2):
        followed = await client.put(
            f"{API}/content/authors/{alice.member_id}/follow", headers=bob.headers
        )
        assert followed.json() == {"following": True, "follower_count": 1}, followed.text
    also = await client.put(
        f"{API}/content/authors/{alice.member_id}/follow", headers=carol.headers
    )
    assert also.json()["follower_count"] == 2

    page = await client.get(
        f"{API}/posts", params={"sort": "following", "limit": 1}, headers=bob.headers
    )
    assert [p["id"] for p in page.json()["items"]] == [new]
    assert page.json()["items"][0]["following_author"] is True
    rest = await client.get(
        f"{API}/posts",
        params={"sort": "following", "cursor": page.json()["next_cursor"]},
        headers=bob.headers,
    )
    assert [p["id"] for p in rest.json()["items"]] == [old]
    everything = (await client.get(f"{API}/posts", headers=bob.headers)).json()["items"]
    assert [(p["member_id"], p["following_author"]) for p in everything] == [
        (alice.member_id, True),
        (carol.member_id, False),
        (alice.member_id, True),
    ]

    for _ in range(2):
        stopped = await client.delete(
            f"{API}/content/authors/{alice.member_id}/follow", headers=bob.headers
        )
        assert stopped.json() == {"following": False, "follower_count": 1}
    after = await client.get(f"{API}/posts", params={"sort": "following"}, headers=bob.headers)
    assert after.json()["items"] == []
    async with ctx.sessionmaker() as s:
        pairs = (await s.execute(select(Follow.follower_id, Follow.followee_id))).all()
    assert [tuple(p) for p in pairs] == [(carol.member_id, alice.member_id)]


async def test_refused_favourites_and_follows_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client, "refuse-alice")
    bob = await shopper(client, "refuse-bob")
    held = (await post(client, alice, content="可以私聊")).json()
    assert held["status"] == "pending"
    public = (await post(client, alice, content="公开的帖")).json()["id"]
    before = await snapshot(ctx, *CONTENT_TABLES)
    cases = [
        (
            await client.put(f"{API}/posts/{held['id']}/favorite", headers=bob.headers),
            404,
            "content.post_not_found",
        ),
        (
            await client.put(f"{API}/posts/999999/favorite", headers=bob.headers),
            404,
            "content.post_not_found",
        ),
        (await client.put(f"{API}/posts/{public}/favorite"), 401, "auth.unauthorized"),
        (
            await client.put(f"{API}/content/authors/{bob.member_id}/follow", headers=bob.headers),
            400,
            "content.follow_self",
        ),
        (
            await client.put(f"{API}/content/authors/999999/follow", headers=bob.headers),
            404,
            "content.author_not_found",
        ),
        (
            await client.get(f"{API}/posts", params={"sort": "following"}),
            401,
            "auth.unauthorized",
        ),
        (
            await client.get(
                f"{API}/posts", params={"sort": "following", "cursor": "bad"}, headers=bob.headers
            ),
            400,
            "pagination.invalid_cursor",
        ),
        (
            await client.get(
                f"{API}/content/favorites", params={"cursor": "bad"}, headers=bob.headers
            ),
            400,
            "pagination.invalid_cursor",
        ),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await snapshot(ctx, *CONTENT_TABLES) == before


async def test_a_feed_page_costs_the_same_statements_for_one_post_or_many(
    client: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    alice = await shopper(client, "n1-alice")
    carol = await shopper(client, "n1-carol")
    bob = await shopper(client, "n1-bob")
    first = (await post(client, alice, content="第一篇")).json()["id"]
    await client.put(f"{API}/content/authors/{alice.member_id}/follow", headers=bob.headers)

    async def statements() -> int:
        sql_counter.reset()
        response = await client.get(f"{API}/posts", headers=bob.headers)
        assert response.status_code == 200
        return sql_counter.count

    one = await statements()
    for i in range(4):
        who = alice if i % 2 else carol
        made = (await post(client, who, content=f"更多{i}")).json()["id"]
        await client.put(f"{API}/posts/{made}/favorite", headers=bob.headers)
    await client.put(f"{API}/posts/{first}/favorite", headers=bob.headers)
    many = await statements()
    assert many == one
    sql_counter.reset()
    items = (await client.get(f"{API}/posts", headers=bob.headers)).json()["items"]
    assert len(items) == 5
    assert all(p["favorited"] for p in items)
    assert [p["following_author"] for p in items] == [True, False, True, False, True]
