"""评价奖励 on both backends: a review earns ``review_points`` within the shopper's daily cap
(Asia/Shanghai day), hiding takes them back never below 0, approving again earns them again
within that day's cap; the settings switch it off. The concurrent daily cap is in
test_races.py."""

from __future__ import annotations

import httpx

from shoplet.core.context import AppContext
from tests.modules.orders.factories import product, shopper
from tests.modules.review.factories import (
    CONSOLE,
    bought,
    point_entries,
    points_balance,
    write,
)

SETTINGS = "/api/v1/console/loyalty/settings"


async def _settings(client: httpx.AsyncClient, staff: dict[str, str], **change: object) -> None:
    current = (await client.get(SETTINGS, headers=staff)).json()
    body = {k: v for k, v in current.items() if k not in ("updated_by", "updated_at")}
    response = await client.put(SETTINGS, json={**body, **change}, headers=staff)
    assert response.status_code == 200, response.text


async def test_reviews_earn_points_up_to_the_daily_cap(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await _settings(client, staff, review_points=15, review_points_daily=2)
    alice = await shopper(client)
    skus = await product(ctx, (5900, 50), (6900, 50), (7900, 50))
    order_no, lines, _ = await bought(client, ctx, alice, product_id_and_skus=skus)
    written = [(await write(client, alice, order_no, line)).json() for line in lines]
    assert [r["points"] for r in written] == [15, 15, 0]
    assert await point_entries(ctx, alice.member_id) == [
        ("earn", 15, f"review:{written[0]['id']}:1"),
        ("earn", 15, f"review:{written[1]['id']}:1"),
    ]
    assert await points_balance(ctx, alice.member_id) == 30
    history = (await client.get("/api/v1/me/points/entries", headers=alice.headers)).json()
    assert [e["reason"] for e in history["items"]][:2] == ["review", "review"]


async def test_hiding_takes_points_back_and_approving_earns_them_within_the_cap(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await _settings(client, staff, review_points=10, review_points_daily=1)
    alice = await shopper(client)
    order_no, [first, second], _ = await bought(client, ctx, alice)
    one = (await write(client, alice, order_no, first)).json()
    two = (await write(client, alice, order_no, second)).json()
    assert (one["points"], two["points"]) == (10, 0)

    hidden = await client.post(f"{CONSOLE}/{one['id']}/hide", headers=staff)
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["points"] == 0
    assert await points_balance(ctx, alice.member_id) == 0
    # Hidden twice: nothing more is taken.
    assert (await client.post(f"{CONSOLE}/{one['id']}/hide", headers=staff)).status_code == 200
    # Today's cap (1) was used by the first review: approving it again earns nothing today.
    approved = await client.post(f"{CONSOLE}/{one['id']}/approve", headers=staff)
    assert approved.json()["points"] == 0
    assert await point_entries(ctx, alice.member_id) == [
        ("earn", 10, f"review:{one['id']}:1"),
        ("reverse", -10, f"review:{one['id']}:2"),
    ]

    await _settings(client, staff, review_points_daily=5)
    again = await client.post(f"{CONSOLE}/{one['id']}/hide", headers=staff)
    assert again.status_code == 200
    back = await client.post(f"{CONSOLE}/{one['id']}/approve", headers=staff)
    assert back.json()["points"] == 10
    assert await points_balance(ctx, alice.member_id) == 10


async def test_points_already_spent_are_taken_back_only_as_far_as_the_balance_goes(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    order_no, [line, _], _ = await bought(client, ctx, alice)
    review = (await write(client, alice, order_no, line)).json()
    assert review["points"] == 10
    url = f"/api/v1/console/members/{alice.member_id}/points/adjust"
    spent = await client.post(url, json={"points": -7, "reason": "测试"}, headers=staff)
    assert spent.status_code == 200, spent.text
    await client.post(f"{CONSOLE}/{review['id']}/hide", headers=staff)
    assert await points_balance(ctx, alice.member_id) == 0
    assert (await point_entries(ctx, alice.member_id))[-1] == (
        "reverse",
        -3,
        f"review:{review['id']}:2",
    )


async def test_no_points_while_the_programme_or_the_reward_is_off(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await _settings(client, staff, review_points=0)
    alice = await shopper(client)
    order_no, [first, second], _ = await bought(client, ctx, alice)
    assert (await write(client, alice, order_no, first)).json()["points"] == 0
    await _settings(client, staff, review_points=10, enabled=False)
    assert (await write(client, alice, order_no, second)).json()["points"] == 0
    assert await point_entries(ctx, alice.member_id) == []
