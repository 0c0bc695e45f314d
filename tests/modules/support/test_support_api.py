"""The support chat over REST on both databases: the whole conversation (open, text and cards,
claim, reply, polling after a cursor, read receipts, close, rating), the queue order, quick
replies, and every refusal with its ``support.*`` code and nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.membership.factories import grow
from tests.modules.orders.factories import product, shopper
from tests.modules.review.factories import bought, png_bytes
from tests.modules.support.factories import (
    CONSOLE,
    IMAGES,
    OPEN,
    SEND,
    claimed,
    console_url,
    message_rows,
    messages_url,
    open_chat,
    say,
)


async def test_a_conversation_from_opening_to_rating(
    client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> None:
    alice = await shopper(client)
    order_no, _, product_id = await bought(client, ctx, alice)
    first = await open_chat(client, alice)
    assert first["status"] == "queued"
    assert first["priority"] is False
    assert (await open_chat(client, alice))["id"] == first["id"]  # one open per shopper
    cid = first["id"]

    assert (await say(client, alice, "  衣服尺码偏小吗？ ")).status_code == 201
    card = await client.post(
        SEND, json={"kind": "order", "order_no": order_no}, headers=alice.headers
    )
    assert card.status_code == 201, card.text
    assert card.json()["card"]["order_no"] == order_no
    assert card.json()["card"]["quantity"] == 2
    goods = await client.post(
        SEND, json={"kind": "product", "product_id": product_id}, headers=alice.headers
    )
    assert goods.status_code == 201, goods.text
    assert goods.json()["card"]["title"] == "纯棉圆领短袖T恤"

    bench = (await client.get(f"{CONSOLE}/workbench", headers=agent)).json()
    assert [e["conversation"]["id"] for e in bench["queue"]] == [cid]
    assert bench["queue"][0]["nickname"]
    claim = await client.post(console_url(cid, "claim"), headers=agent)
    assert claim.status_code == 200
    assert claim.json()["status"] == "active"
    detail = (await client.get(console_url(cid), headers=agent)).json()
    assert next(m["text"] for m in detail["messages"]) == "衣服尺码偏小吗？"
    assert detail["messages"][-1] == {**detail["messages"][-1], "kind": "event", "text": "claimed"}

    # The shopper polls from where they were; the staff reply arrives after the cursor.
    page = (await client.get(messages_url(cid), headers=alice.headers)).json()
    cursor = page["next_cursor"]
    reply = await client.post(
        console_url(cid, "messages"),
        json={"kind": "text", "text": "偏小一码，建议拍大一码"},
        headers=agent,
    )
    assert reply.status_code == 201, reply.text
    newer = (
        await client.get(messages_url(cid), params={"after": cursor}, headers=alice.headers)
    ).json()
    assert [(m["sender"], m["text"]) for m in newer["items"]] == [
        ("staff", "偏小一码，建议拍大一码")
    ]
    again = await client.get(
        messages_url(cid), params={"after": newer["next_cursor"]}, headers=alice.headers
    )
    assert again.json()["items"] == []

    read = await client.post(
        f"/api/v1/support/conversations/{cid}/read",
        json={"message_id": reply.json()["id"]},
        headers=alice.headers,
    )
    assert read.json()["member_read_id"] == reply.json()["id"]

    closed = await client.post(console_url(cid, "close"), headers=agent)
    assert closed.json()["status"] == "closed"
    rated = await client.post(
        f"/api/v1/support/conversations/{cid}/rating", json={"score": 5}, headers=alice.headers
    )
    assert rated.status_code == 200
    assert rated.json()["rating"] == 5
    assert (await client.get(OPEN, headers=alice.headers)).json()["rating"] == 5
    # A new question opens a new conversation.
    assert (await open_chat(client, alice))["id"] != cid


async def test_members_with_priority_service_are_served_first_then_by_waiting_time(
    client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> None:
    early, later, vip = [await shopper(client, n) for n in ("early", "later", "vip")]
    await grow(ctx, vip.member_id, 6000, "test:v3")  # V3 has 专属客服
    ids = [(await open_chat(client, who))["id"] for who in (early, later, vip)]
    bench = (await client.get(f"{CONSOLE}/workbench", headers=agent)).json()
    assert [e["conversation"]["id"] for e in bench["queue"]] == [ids[2], ids[0], ids[1]]
    assert bench["queue"][0]["conversation"]["priority"] is True


async def test_an_image_goes_through_the_media_pipeline(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    await open_chat(client, alice)
    response = await client.post(
        IMAGES, files={"file": ("p.png", png_bytes(), "image/png")}, headers=alice.headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "image"
    assert response.json()["card"]["url"].startswith("/media/")


async def test_quick_replies_are_edited_in_the_console(
    client: httpx.AsyncClient, agent: dict[str, str]
) -> None:
    url = f"{CONSOLE}/quick-replies"
    made = await client.post(url, json={"title": "尺码", "content": "建议拍大一码"}, headers=agent)
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    edited = await client.put(
        f"{url}/{rid}",
        json={"title": "尺码", "content": "偏小一码", "sort_order": 2},
        headers=agent,
    )
    assert edited.json()["content"] == "偏小一码"
    assert [r["id"] for r in (await client.get(url, headers=agent)).json()] == [rid]
    assert (await client.delete(f"{url}/{rid}", headers=agent)).status_code == 204
    assert (await client.get(url, headers=agent)).json() == []


async def test_eleven_messages_in_ten_seconds_the_last_is_refused(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    await open_chat(client, alice)
    for i in range(10):
        assert (await say(client, alice, f"第{i}条")).status_code == 201
    before = await snapshot(ctx)
    over = await say(client, alice, "第11条")
    assert over.status_code == 429
    assert over.json()["code"] == "support.rate_limited"
    assert over.headers["Retry-After"]
    assert await snapshot(ctx) == before


async def _refused(ctx: AppContext, request: Any, status: int, code: str) -> None:
    before = await snapshot(ctx)
    response = await request
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert await snapshot(ctx) == before


async def test_bad_input_is_refused_with_a_support_code_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str], other_agent: dict[str, str]
) -> None:
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    bobs_order, _, _ = await bought(client, ctx, bob)
    off_sale, _ = await product(ctx, (100, 0))
    await _refused(ctx, say(client, alice, "你好"), 404, "support.conversation_not_found")
    conversation = await open_chat(client, alice)
    cid = conversation["id"]
    h = alice.headers
    await _refused(ctx, say(client, alice, "   "), 422, "support.message_invalid")
    await _refused(ctx, say(client, alice, "长" * 1001), 422, "support.message_invalid")
    await _refused(
        ctx,
        client.post(SEND, json={"kind": "order", "order_no": bobs_order}, headers=h),
        422,
        "support.card_invalid",
    )
    await _refused(
        ctx,
        client.post(SEND, json={"kind": "product", "product_id": off_sale}, headers=h),
        422,
        "support.card_invalid",
    )
    await _refused(
        ctx,
        client.post(IMAGES, files={"file": ("x.png", b"not an image", "image/png")}, headers=h),
        400,
        "support.image_invalid",
    )
    await _refused(
        ctx,
        client.get(messages_url(cid), headers=bob.headers),
        404,
        "support.conversation_not_found",
    )
    rating = f"/api/v1/support/conversations/{cid}/rating"
    await _refused(
        ctx, client.post(rating, json={"score": 5}, headers=h), 409, "support.not_closed"
    )
    await _refused(
        ctx,
        client.post(
            console_url(cid, "messages"), json={"kind": "text", "text": "hi"}, headers=agent
        ),
        409,
        "support.not_assignee",
    )
    assert (await client.post(console_url(cid, "claim"), headers=agent)).status_code == 200
    await _refused(
        ctx,
        client.post(console_url(cid, "claim"), headers=other_agent),
        409,
        "support.already_assigned",
    )
    await _refused(
        ctx,
        client.post(console_url(cid, "transfer"), json={"staff_id": 999_999}, headers=agent),
        422,
        "support.agent_invalid",
    )
    await _refused(
        ctx,
        client.post(console_url(cid, "close"), headers=other_agent),
        409,
        "support.not_assignee",
    )
    await _refused(
        ctx,
        client.post(f"{CONSOLE}/quick-replies", json={"title": "", "content": "x"}, headers=agent),
        422,
        "support.quick_reply_invalid",
    )
    assert (await client.post(console_url(cid, "close"), headers=agent)).status_code == 200
    await _refused(ctx, say(client, alice, "还在吗"), 409, "support.conversation_closed")
    await _refused(
        ctx, client.post(rating, json={"score": 6}, headers=h), 422, "support.rating_invalid"
    )
    assert (await client.post(rating, json={"score": 4}, headers=h)).status_code == 200
    await _refused(
        ctx, client.post(rating, json={"score": 1}, headers=h), 409, "support.already_rated"
    )


async def test_a_transfer_hands_the_conversation_over(
    client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str], other_agent: dict[str, str]
) -> None:
    alice = await shopper(client)
    conversation = await claimed(client, alice, agent)
    agents = (await client.get(f"{CONSOLE}/agents", headers=agent)).json()
    target = next(a["id"] for a in agents if a["username"] == "kefu-b")
    moved = await client.post(
        console_url(conversation["id"], "transfer"), json={"staff_id": target}, headers=agent
    )
    assert moved.status_code == 200
    assert moved.json()["assignee_id"] == target
    mine = (await client.get(f"{CONSOLE}/workbench", headers=other_agent)).json()["mine"]
    assert [e["conversation"]["id"] for e in mine] == [conversation["id"]]
    assert [m.body for m in await message_rows(ctx)] == ["claimed", "transferred"]


@pytest.mark.parametrize("path", ["/workbench", "/quick-replies"])
async def test_the_workbench_needs_a_console_token(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(CONSOLE + path)
    assert response.status_code == 401
