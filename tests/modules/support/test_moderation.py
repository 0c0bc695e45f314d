"""Shoppers' chat texts go through moderation before they are stored or delivered, on both
databases and both paths (REST and the WebSocket): a ``block`` word or WeChat's ``risky`` is
refused with ``support.message_refused``, nothing is stored but moderation's audit item, and the
staff socket hears nothing; ``replace`` words arrive masked; a ``hold`` word reaches the staff
member; cards are not screened."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.moderation.models import Decision, Item
from tests.conftest import snapshot
from tests.modules.moderation.factories import add_word, simulator
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer, token_for
from tests.modules.support.asgi_socket import AsgiSocket
from tests.modules.support.factories import (
    CONSOLE,
    claimed,
    message_rows,
    say,
)

CHAT_TABLES = ("support_conversation", "support_message")


async def chat_items(ctx: AppContext) -> list[Item]:
    async with ctx.sessionmaker() as s:
        stmt = select(Item).where(Item.subject_type == "chat_message").order_by(Item.id)
        return list(await s.scalars(stmt))


async def decision_rows(ctx: AppContext, item_id: int) -> list[tuple[str | None, str, str]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(Decision).where(Decision.item_id == item_id))
        return [(d.from_status, d.to_status, d.actor) for d in rows]


async def moderator(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "moderator"))


async def test_a_blocked_word_is_refused_kept_for_audit_and_never_stored(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> None:
    staff = await moderator(client, ctx)
    await add_word(client, staff, "加微信", "ads", "block")
    alice = await shopper(client)
    conversation = await claimed(client, alice, agent)
    before = await snapshot(ctx, *CHAT_TABLES)
    texts_asked = len(simulator(app).texts)

    refused = await say(client, alice, "加微信领优惠")
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "support.message_refused"
    assert await snapshot(ctx, *CHAT_TABLES) == before
    # The filter decided: WeChat was not asked.
    assert len(simulator(client._transport.app).texts) == texts_asked  # type: ignore[attr-defined]

    (item,) = await chat_items(ctx)
    assert (item.status, item.member_id, item.text, item.filter_action) == (
        "rejected",
        alice.member_id,
        "加微信领优惠",
        "block",
    )
    assert item.subject_id == item.id
    assert item.reason is not None
    assert "加微信" in item.reason
    assert await decision_rows(ctx, item.id) == [(None, "rejected", "filter")]

    # The staff member's view has nothing new; the shopper's 我的内容 does not list it and it
    # cannot be appealed.
    detail = (
        await client.get(f"{CONSOLE}/conversations/{conversation['id']}", headers=agent)
    ).json()
    assert all(m["text"] != "加微信领优惠" for m in detail["messages"])
    mine = (await client.get("/api/v1/moderation/mine", headers=alice.headers)).json()
    assert mine["items"] == []
    appeal = await client.post(
        "/api/v1/moderation/appeals",
        json={"subject_type": "chat_message", "subject_id": item.id, "reason": "误判"},
        headers=alice.headers,
    )
    assert appeal.status_code == 409
    assert appeal.json()["code"] == "moderation.not_appealable"
    # The moderation console lists it for audit.
    listed = (
        await client.get(
            "/api/v1/console/moderation/items",
            params={"status": "rejected", "subject_type": "chat_message"},
            headers=staff,
        )
    ).json()
    assert [i["id"] for i in listed["items"]] == [item.id]


async def test_wechat_risky_is_refused_and_a_clean_text_is_delivered(
    client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> None:
    alice = await shopper(client)
    await claimed(client, alice, agent)
    before = await snapshot(ctx, *CHAT_TABLES)

    refused = await say(client, alice, "这里可以赌博吗")  # the simulator's risky word
    assert refused.status_code == 400
    assert refused.json()["code"] == "support.message_refused"
    assert await snapshot(ctx, *CHAT_TABLES) == before
    (item,) = await chat_items(ctx)
    assert (item.text_state, item.text_label, item.filter_action) == ("risky", 20006, None)
    assert await decision_rows(ctx, item.id) == [(None, "rejected", "wechat")]

    sent = await say(client, alice, "请问什么时候发货？")
    assert sent.status_code == 201, sent.text
    assert [m.body for m in await message_rows(ctx) if m.sender == "member"] == [
        "请问什么时候发货？"
    ]
    assert len(await chat_items(ctx)) == 1  # a delivered text leaves no moderation item


async def test_replace_words_arrive_masked_and_hold_words_reach_the_staff_member(
    client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> None:
    staff = await moderator(client, ctx)
    await add_word(client, staff, "傻瓜", "abuse", "replace")
    await add_word(client, staff, "退款吧", "other", "hold")
    alice = await shopper(client)
    await claimed(client, alice, agent)

    masked = await say(client, alice, "你们客服是傻瓜吗")
    assert masked.status_code == 201, masked.text
    assert masked.json()["text"] == "你们客服是**吗"
    held = await say(client, alice, "不行就退款吧")
    assert held.status_code == 201, held.text
    assert [m.body for m in await message_rows(ctx) if m.sender == "member"] == [
        "你们客服是**吗",
        "不行就退款吧",
    ]
    assert await chat_items(ctx) == []


async def _frames_until(socket: AsgiSocket, kind: str) -> dict[str, Any]:
    while True:
        frame = await socket.receive()
        if frame["type"] == kind:
            return frame


async def test_the_socket_refuses_with_the_same_code_and_staff_hear_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> None:
    alice = await shopper(client)
    conversation = await claimed(client, alice, agent)
    before = await snapshot(ctx, *CHAT_TABLES)
    token = alice.headers["Authorization"].removeprefix("Bearer ")
    staff_token = agent["Authorization"].removeprefix("Bearer ")

    async with (
        AsgiSocket(app, "/api/v1/support/ws") as shop,
        AsgiSocket(app, "/api/v1/console/support/ws") as desk,
    ):
        await shop.send({"type": "auth", "token": token})
        await _frames_until(shop, "ready")
        await desk.send({"type": "auth", "token": staff_token})
        await _frames_until(desk, "ready")

        await shop.send({"type": "send", "ref": "r1", "kind": "text", "text": "赌博来不来"})
        error = await _frames_until(shop, "error")
        assert (error["ref"], error["code"]) == ("r1", "support.message_refused")
        assert await snapshot(ctx, *CHAT_TABLES) == before
        assert len(await chat_items(ctx)) == 1

        # The next, clean message is the first thing the staff socket hears.
        await shop.send({"type": "send", "ref": "r2", "kind": "text", "text": "在吗"})
        ack = await _frames_until(shop, "ack")
        assert ack["message"]["text"] == "在吗"
        heard = await _frames_until(desk, "message")
        assert heard["message"]["text"] == "在吗"
        assert heard["message"]["conversation_id"] == conversation["id"]
