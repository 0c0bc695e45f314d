"""Moderation in the console (评价管理), on both backends: the list and its filters, approve
and hide with the product's counters and the review's growth, the merchant's reply, permissions
and the audit log."""

from __future__ import annotations

import httpx

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.orders.factories import shopper
from tests.modules.review.factories import (
    CONSOLE,
    bought,
    growth_entries,
    stats,
    upload,
    write,
)
from tests.modules.staff.conftest import audit_rows, bearer, token_for


async def test_approve_and_hide_move_counters_and_growth_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    order_no, [line, _], product_id = await bought(client, ctx, alice)
    photo = await upload(client, alice)
    review_id = (await write(client, alice, order_no, line, rating=3, photo_ids=[photo])).json()[
        "id"
    ]
    summary_url = f"/api/v1/products/{product_id}/reviews/summary"
    assert (await client.get(summary_url)).json()["total"] == 0

    approved = await client.post(f"{CONSOLE}/{review_id}/approve", headers=staff)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    again = await client.post(f"{CONSOLE}/{review_id}/approve", headers=staff)
    assert again.status_code == 200
    summary = (await client.get(summary_url)).json()
    assert (summary["total"], summary["neutral"], summary["with_photos"]) == (1, 1, 1)
    assert summary["good_rate"] == 0

    hidden = await client.post(f"{CONSOLE}/{review_id}/hide", headers=staff)
    assert hidden.json()["status"] == "hidden"
    assert hidden.json()["growth"] == 0
    assert await stats(ctx, product_id) == {
        "total": 0,
        "good": 0,
        "neutral": 0,
        "bad": 0,
        "with_photos": 0,
        "rating_sum": 0,
    }
    assert (await client.get(summary_url)).json()["latest"] == []
    await client.post(f"{CONSOLE}/{review_id}/approve", headers=staff)
    assert await growth_entries(ctx, alice.member_id) == [
        (5, "review", f"review:{review_id}:1"),
        (-5, "review", f"review:{review_id}:3"),
        (5, "review", f"review:{review_id}:4"),
    ]
    actions = [row.action for row in await audit_rows(ctx)]
    assert actions.count("review.approve") == 3
    assert actions.count("review.hide") == 1


async def test_the_list_filters_and_pages(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    order_no, [a, b], _ = await bought(client, ctx, alice)
    photo = await upload(client, alice)
    with_photo = (await write(client, alice, order_no, a, rating=5, photo_ids=[photo])).json()
    plain = (await write(client, alice, order_no, b, rating=2)).json()

    async def ids(**params: str | int) -> list[int]:
        response = await client.get(CONSOLE, params=params, headers=staff)
        assert response.status_code == 200, response.text
        return [x["id"] for x in response.json()["items"]]

    assert await ids() == [plain["id"], with_photo["id"]]
    assert await ids(status="pending") == [with_photo["id"]]
    assert await ids(has_photos="true") == [with_photo["id"]]
    assert await ids(has_photos="false", rating=2) == [plain["id"]]
    first = (await client.get(CONSOLE, params={"limit": 1}, headers=staff)).json()
    assert first["next_cursor"] is not None
    second = await client.get(
        CONSOLE, params={"limit": 1, "cursor": first["next_cursor"]}, headers=staff
    )
    assert [x["id"] for x in second.json()["items"]] == [with_photo["id"]]


async def test_the_merchant_replies(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    order_no, [line, _], product_id = await bought(client, ctx, alice)
    review_id = (await write(client, alice, order_no, line)).json()["id"]

    response = await client.put(
        f"{CONSOLE}/{review_id}/reply", json={"content": "感谢支持<img src=x>"}, headers=staff
    )

    assert response.status_code == 200, response.text
    assert response.json()["reply"] == "感谢支持"
    shown = (await client.get(f"/api/v1/products/{product_id}/reviews")).json()["items"][0]
    assert shown["reply"] == "感谢支持"
    before = await snapshot(ctx)
    empty = await client.put(
        f"{CONSOLE}/{review_id}/reply", json={"content": "<b></b>"}, headers=staff
    )
    assert (empty.status_code, empty.json()["code"]) == (400, "review.content_empty")
    missing = await client.put(f"{CONSOLE}/999999/reply", json={"content": "好"}, headers=staff)
    assert (missing.status_code, missing.json()["code"]) == (404, "review.not_found")
    assert await snapshot(ctx) == before


async def test_support_staff_may_not_moderate(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = bearer(await token_for(client, ctx, "review-support", role="support"))
    before = await snapshot(ctx)
    response = await client.post(f"{CONSOLE}/1/hide", headers=support)
    assert (response.status_code, response.json()["code"]) == (403, "console.permission_denied")
    assert await snapshot(ctx) == before
