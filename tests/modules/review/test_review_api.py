"""Writing reviews through the storefront API, on both backends: a review per order line,
growth in the same transaction, photos from the shopper's own uploads, and every refused
input answered with its code and nothing changed."""

from __future__ import annotations

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import StatementCounter, snapshot
from tests.modules.orders.factories import shopper
from tests.modules.review.factories import (
    PHOTOS,
    REVIEWS,
    bought,
    growth_entries,
    review_rows,
    stats,
    upload,
    write,
)


async def test_a_text_review_is_shown_at_once_with_growth_and_counters(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client, "小王同学")
    order_no, [line, _], product_id = await bought(client, ctx, alice)

    response = await write(
        client,
        alice,
        order_no,
        line,
        rating=4,
        content="<b>很好</b>穿着舒服 &amp; 合身<script>x</script>",
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "approved"
    assert body["content"] == "很好穿着舒服 & 合身"
    assert body["growth"] == 5
    assert await growth_entries(ctx, alice.member_id) == [(5, "review", f"review:{body['id']}:1")]
    assert await stats(ctx, product_id) == {
        "total": 1,
        "good": 1,
        "neutral": 0,
        "bad": 0,
        "with_photos": 0,
        "rating_sum": 4,
    }
    summary = (await client.get(f"/api/v1/products/{product_id}/reviews/summary")).json()
    assert summary["good_rate"] == 100
    assert summary["average"] == 4.0
    assert [r["id"] for r in summary["latest"]] == [body["id"]]
    assert summary["latest"][0]["nickname"] == body["nickname"]


async def test_anonymous_reviews_show_a_masked_nickname(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    order_no, [line, _], _ = await bought(client, ctx, alice)
    response = await write(client, alice, order_no, line, is_anonymous=True)
    assert response.status_code == 201, response.text
    assert "***" in response.json()["nickname"]


async def test_photos_send_a_review_to_moderation_and_the_order_page_lists_lines(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    order_no, [first, second], product_id = await bought(client, ctx, alice)
    photo = await upload(client, alice)

    response = await write(client, alice, order_no, first, rating=2, photo_ids=[photo])

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending"
    assert body["photos"][0]["url"].startswith("/media/")
    assert body["photos"][0]["image_set"]["list"].startswith("/media/")
    assert await stats(ctx, product_id) is None  # pending reviews are not counted
    page = (await client.get(f"/api/v1/orders/{order_no}/reviews", headers=alice.headers)).json()
    assert [(x["line_id"], x["can_review"], x["review_id"]) for x in page["lines"]] == [
        (first, False, body["id"]),
        (second, True, None),
    ]


async def test_a_flagged_word_sends_a_review_to_moderation(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    order_no, [line, _], _ = await bought(client, ctx, alice)
    response = await write(client, alice, order_no, line, content="好评返现，加微信 abc")
    assert response.status_code == 201
    assert response.json()["status"] == "pending"


async def test_a_follow_up_is_taken_once(client: httpx.AsyncClient, ctx: AppContext) -> None:
    alice = await shopper(client)
    order_no, [line, _], product_id = await bought(client, ctx, alice)
    review_id = (await write(client, alice, order_no, line)).json()["id"]

    first = await client.post(
        f"{REVIEWS}/{review_id}/followup",
        json={"content": "用了一个月，还不错"},
        headers=alice.headers,
    )
    assert first.status_code == 200, first.text
    assert first.json()["followup"] == "用了一个月，还不错"
    before = await snapshot(ctx)
    again = await client.post(
        f"{REVIEWS}/{review_id}/followup", json={"content": "再追一次"}, headers=alice.headers
    )
    assert (again.status_code, again.json()["code"]) == (409, "review.followup_not_allowed")
    assert await snapshot(ctx) == before
    listed = (await client.get(f"/api/v1/products/{product_id}/reviews")).json()
    assert listed["items"][0]["followup"] == "用了一个月，还不错"


async def test_the_product_list_filters_by_kind(client: httpx.AsyncClient, ctx: AppContext) -> None:
    alice = await shopper(client)
    order_no, [a, b], product_id = await bought(client, ctx, alice)
    good = (await write(client, alice, order_no, a, rating=5)).json()["id"]
    bad = (await write(client, alice, order_no, b, rating=1)).json()["id"]
    url = f"/api/v1/products/{product_id}/reviews"

    async def ids(kind: str) -> list[int]:
        response = await client.get(url, params={"kind": kind})
        assert response.status_code == 200, response.text
        return [x["id"] for x in response.json()["items"]]

    assert await ids("all") == [bad, good]
    assert await ids("good") == [good]
    assert await ids("bad") == [bad]
    assert await ids("neutral") == []
    assert await ids("photos") == []
    first = (await client.get(url, params={"limit": 1})).json()
    second = (await client.get(url, params={"limit": 1, "cursor": first["next_cursor"]})).json()
    assert [x["id"] for x in first["items"] + second["items"]] == [bad, good]
    assert second["next_cursor"] is None


# -- refused input: a stable code, and nothing changed ---------------------------------------


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("not_completed", 409, "review.not_reviewable"),
        ("not_my_order", 404, "orders.not_found"),
        ("unknown_line", 404, "review.line_not_found"),
        ("duplicate", 409, "review.already_reviewed"),
        ("too_many_photos", 400, "review.too_many_photos"),
        ("foreign_photo", 400, "review.photo_unknown"),
        ("used_photo", 400, "review.photo_unknown"),
        ("bad_rating", 422, "request.invalid"),
        ("too_long", 400, "review.content_too_long"),
    ],
)
async def test_refused_reviews_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, case: str, status: int, code: str
) -> None:
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    order_no, [line, other_line], _ = await bought(
        client, ctx, alice, status="shipped" if case == "not_completed" else "completed"
    )
    body: dict[str, object] = {}
    who = alice
    if case == "not_my_order":
        who = bob
    elif case == "unknown_line":
        line = other_line + 1000
    elif case == "duplicate":
        assert (await write(client, alice, order_no, line)).status_code == 201
    elif case == "too_many_photos":
        body["photo_ids"] = [await upload(client, alice) for _ in range(10)]
    elif case == "foreign_photo":
        body["photo_ids"] = [await upload(client, alice), await upload(client, bob)]
    elif case == "used_photo":
        photo = await upload(client, alice)
        assert (
            await write(client, alice, order_no, other_line, photo_ids=[photo])
        ).status_code == 201
        body["photo_ids"] = [photo]
    elif case == "bad_rating":
        body["rating"] = 6
    elif case == "too_long":
        body["content"] = "好" * 501
    before = await snapshot(ctx)

    response = await write(client, who, order_no, line, **body)

    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert await snapshot(ctx) == before


async def test_markup_does_not_count_towards_the_length(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    order_no, [line, _], _ = await bought(client, ctx, alice)
    response = await write(client, alice, order_no, line, content="<i>" + "好" * 500 + "</i>")
    assert response.status_code == 201, response.text
    assert len((await review_rows(ctx))[0].content) == 500


async def test_a_file_that_is_not_an_image_is_refused(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    before = await snapshot(ctx)
    response = await client.post(
        PHOTOS, files={"file": ("x.png", b"not an image", "image/png")}, headers=alice.headers
    )
    assert (response.status_code, response.json()["code"]) == (400, "review.photo_invalid")
    assert await snapshot(ctx) == before


async def test_signed_out_shoppers_cannot_write(client: httpx.AsyncClient) -> None:
    response = await client.post(REVIEWS, json={"order_no": "1", "line_id": 1, "rating": 5})
    assert response.status_code == 401


async def test_the_summary_costs_the_same_statements_however_many_reviews(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    alice = await shopper(client)
    order_no, [a, b], product_id = await bought(client, ctx, alice)
    url = f"/api/v1/products/{product_id}/reviews/summary"
    assert (await write(client, alice, order_no, a, rating=5)).status_code == 201
    sql_counter.reset()
    assert (await client.get(url)).json()["total"] == 1
    with_one = [s for s in sql_counter.statements if "review_" in s]
    assert (await write(client, alice, order_no, b, rating=3)).status_code == 201
    sql_counter.reset()
    summary = (await client.get(url)).json()
    assert (summary["total"], summary["good_rate"], summary["average"]) == (2, 50, 4.0)
    # One counters row and one page of the latest: no COUNT over the reviews.
    statements = [s for s in sql_counter.statements if "review_" in s]
    assert len(statements) == len(with_one) == 2
    assert not any("count(" in s.lower() for s in statements)
