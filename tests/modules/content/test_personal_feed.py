"""热门 personalised for a signed-in shopper, on both backends: posts whose products match the
shopper's interests (recommend's affinities, offered through ``core.interests``) are boosted by
hot × (1 + 4 × affinity), anonymous shoppers get the plain hot feed, and the cursor pages
through one frozen order while likes and scores move (no post twice, none missed). The blend
is compared with a brute-force ranking (Hypothesis) in exact arithmetic."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.interests import affinity_provider
from shoplet.modules.content import rules
from shoplet.modules.content.models import Post
from shoplet.modules.recommend.interests import blend, product_interests
from tests.modules.catalog.factories import make_category, make_product, sku
from tests.modules.content.factories import API, post
from tests.modules.orders.factories import Shopper, shopper


async def _posts_with_products(
    client: httpx.AsyncClient, ctx: AppContext, author: Shopper, n: int
) -> tuple[list[int], list[int]]:
    """``n`` public posts, each linking its own new product in a category of its own:
    (post ids, product ids)."""
    post_ids, product_ids = [], []
    for i in range(n):
        category_id = await make_category(ctx, f"类目{i}")
        made_product = await make_product(
            ctx, category_id, title=f"商品{i}", skus=[sku(1000 + i, ("尺码", "M"), stock=5)]
        )
        product_id = made_product.id
        made = await post(client, author, content=f"种草第{i}篇", product_ids=[product_id])
        assert made.status_code == 201, made.text
        assert made.json()["status"] == "approved"
        post_ids.append(made.json()["id"])
        product_ids.append(product_id)
    return post_ids, product_ids


async def _set_hot(ctx: AppContext, scores: dict[int, float]) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        for post_id, score in scores.items():
            await s.execute(update(Post).where(Post.id == post_id).values(hot_score=score))


async def _page(
    client: httpx.AsyncClient, who: Shopper | None, cursor: str | None = None, limit: int = 3
) -> tuple[list[int], str | None]:
    params: dict[str, str | int] = {"sort": "hot", "limit": limit}
    if cursor is not None:
        params["cursor"] = cursor
    response = await client.get(
        f"{API}/posts", params=params, headers=who.headers if who is not None else {}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return [p["id"] for p in body["items"]], body["next_cursor"]


async def test_interests_boost_the_hot_feed_of_a_signed_in_shopper(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    author = await shopper(client, "author")
    alice = await shopper(client, "alice")
    posts, products = await _posts_with_products(client, ctx, author, 4)
    # Plain hot order: posts[0] hottest ... posts[3] coolest, 0.5 apart (a boost of at most
    # log10(5) ≈ 0.7 lifts a post over the one above it, not two above).
    await _set_hot(ctx, {p: 100.0 - 0.5 * i for i, p in enumerate(posts)})
    favourite = await client.put(f"/api/v1/me/favorites/{products[3]}", headers=alice.headers)
    assert favourite.status_code == 200, favourite.text

    assert (await _page(client, None, limit=10))[0] == posts
    mine, _ = await _page(client, alice, limit=10)
    assert mine == [posts[0], posts[1], posts[3], posts[2]]
    provider = affinity_provider(ctx)
    assert provider is not None
    async with ctx.sessionmaker() as s:
        assert await provider(s, alice.member_id, products) == {products[3]: 1.0}
    # Someone with no interests at all sees the plain order.
    bob = await shopper(client, "bob")
    assert (await _page(client, bob, limit=10))[0] == posts


async def test_personal_pages_stay_stable_while_scores_move(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    author = await shopper(client, "author")
    alice = await shopper(client, "alice")
    posts, products = await _posts_with_products(client, ctx, author, 8)
    await _set_hot(ctx, {p: 100.0 - 0.05 * i for i, p in enumerate(posts)})
    await client.put(f"/api/v1/me/favorites/{products[7]}", headers=alice.headers)

    seen: list[int] = []
    first, cursor = await _page(client, alice)
    seen += first
    assert first[0] == posts[7]
    while cursor is not None:
        # Between pages the scores turn upside down and a post is liked: the order that the
        # first page froze still holds.
        await _set_hot(ctx, {p: 100.0 + 0.3 * i for i, p in enumerate(posts)})
        liked = await client.put(f"{API}/posts/{posts[-2]}/like", headers=author.headers)
        assert liked.status_code in {200, 201, 204}, liked.text
        more, cursor = await _page(client, alice, cursor)
        seen += more
    assert len(seen) == len(set(seen)) == len(posts)
    assert set(seen) == set(posts)
    # A fresh first page ranks the new scores (the like recomputed one: set them again).
    await _set_hot(ctx, {p: 100.0 + 0.3 * i for i, p in enumerate(posts)})
    assert (await _page(client, alice, limit=8))[0][0] == posts[-1]

    # Another shopper cannot read alice's frozen order; a made-up token has expired.
    _, cursor = await _page(client, alice)
    assert cursor is not None
    stolen = await client.get(
        f"{API}/posts", params={"sort": "hot", "cursor": cursor}, headers=author.headers
    )
    assert (stolen.status_code, stolen.json()["code"]) == (400, "content.feed_expired")
    anonymous = await client.get(f"{API}/posts", params={"sort": "hot", "cursor": cursor})
    assert (anonymous.status_code, anonymous.json()["code"]) == (400, "pagination.invalid_cursor")


def test_product_interests_are_normalised_and_recent_first() -> None:
    interests = product_interests([(1, 0.5, 10.0), (2, 3.0, 5.0), (1, 2.0, 1.0)])
    assert max(interests.values()) == 1.0
    assert all(0 < v <= 1 for v in interests.values())
    assert product_interests([]) == {}
    # A product untouched scores half its category's best; one in no category, nothing.
    assert blend({1: 1.0}, {1: "T恤", 9: "T恤", 8: "鞋"}, [1, 9, 8, 7]) == {1: 1.0, 9: 0.5}


scores = st.integers(min_value=0, max_value=40)
affinities = st.sampled_from([Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(1)])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(scores, affinities), min_size=1, max_size=30))
def test_personal_order_is_hot_times_one_plus_w_affinity(rows: list[tuple[int, Fraction]]) -> None:
    """Brute force in exact arithmetic: the linear hot value 10 ** (score / 10) times
    (1 + 4 × affinity), compared through logarithms only where they differ clearly."""
    candidates = [(i + 1, s / 10, [i + 1]) for i, (s, _) in enumerate(rows)]
    affinity = {i + 1: float(a) for i, (_, a) in enumerate(rows)}
    ranked = rules.personal_order(candidates, affinity)
    assert sorted(ranked) == [c[0] for c in candidates]

    def linear_log(i: int) -> float:
        s, a = rows[i - 1]
        return s / 10 + math.log10(float(1 + rules.PERSONAL_WEIGHT * a))

    for higher, lower in itertools.pairwise(ranked):
        gap = linear_log(higher) - linear_log(lower)
        assert gap > -1e-9
        if abs(gap) < 1e-9:
            assert higher > lower  # ties: newer id first
