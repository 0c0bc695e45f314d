"""The mini program's native 客服消息 on both databases, against the in-repo WeChat simulator:
the push URL's check, pushes in plain mode and 安全模式 becoming messages in the shopper's
conversation (channel ``wechat``), refused pushes changing nothing, staff replies leaving through
``custom/send`` with WeChat's own bodies, and WeChat's refusals shown to staff."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.customer_service_simulator import CustomerServiceSimulator
from shoplet.integrations.wechat.message_crypto import signature
from shoplet.integrations.wechat.wxacode_simulator import WxacodeSimulator
from shoplet.modules.members.models import Member
from shoplet.modules.moderation.models import Item
from tests.conftest import BackendDb, snapshot
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.members.conftest import bearer, wechat_login
from tests.modules.orders.factories import product, shopper
from tests.modules.review.factories import png_bytes
from tests.modules.support.asgi_socket import AsgiSocket
from tests.modules.support.factories import (
    CONSOLE,
    console_url,
    conversation_row,
    message_rows,
    open_chat,
)

PUSH = "/api/v1/support/wechat/push"
TABLES = ("support_conversation", "support_message", "members_member", "moderation_item")
AES_KEY = "Shoplet0TestKey0For0Customer0Service0Push00"


def sim(app: FastAPI) -> CustomerServiceSimulator:
    found: CustomerServiceSimulator = app.state.customer_service_simulator
    return found


def integrations(app: FastAPI) -> Integrations:
    found: Integrations = app.state.integrations
    return found


@pytest.fixture(params=["plain", "aes"])
def mode(request: pytest.FixtureRequest, app: FastAPI) -> Iterator[str]:
    """Both push modes: plain (signature only) and 安全模式 (the shop's EncodingAESKey)."""
    if request.param == "aes":
        integrations(app).wechat_push_aes_key = AES_KEY
        sim(app).encoding_aes_key = AES_KEY
    yield str(request.param)
    integrations(app).wechat_push_aes_key = ""
    sim(app).encoding_aes_key = None


async def openid_of(ctx: AppContext, member_id: int) -> str:
    async with ctx.sessionmaker() as s:
        member = await s.get(Member, member_id)
        assert member is not None
        assert member.wechat_openid is not None
        return member.wechat_openid


async def member_of(ctx: AppContext, openid: str) -> Member | None:
    async with ctx.sessionmaker() as s:
        found = await s.scalars(select(Member).where(Member.wechat_openid == openid))
        return found.one_or_none()


async def test_the_push_url_check_echoes_only_for_our_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    token = integrations(app).wechat_push_token
    query = {"timestamp": "1700000000", "nonce": "abc", "echostr": "8641035522"}
    good = await client.get(
        PUSH, params={**query, "signature": signature(token, "1700000000", "abc")}
    )
    assert good.status_code == 200
    assert good.text == "8641035522"
    bad = await client.get(PUSH, params={**query, "signature": signature("x", "1700000000", "abc")})
    assert bad.status_code == 401
    assert bad.json()["code"] == "support.wechat_push_invalid"


async def test_a_shoppers_wechat_messages_reach_the_workbench_and_replies_go_back(
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    agent: dict[str, str],
    mode: str,
) -> None:
    wx = sim(app)
    alice = await shopper(client)
    openid = await openid_of(ctx, alice.member_id)
    product_id, _ = await product(ctx, (5900, 10))

    assert (await wx.enter(openid, f"product:{product_id}")).text == "success"
    first = await wx.text(openid, "  这件有现货吗？ ")
    assert first.status_code == 200, first.text
    assert first.text == "success"
    page = await wx.page(openid, title="纯棉T恤", page_path=f"pages/product/detail?id={product_id}")
    assert page.text == "success"
    picture = await wx.image(openid, png_bytes((200, 30, 30)))
    assert picture.text == "success"

    rows = await message_rows(ctx)
    assert [(m.sender, m.kind, m.body) for m in rows] == [
        ("member", "text", "这件有现货吗？"),
        ("member", "product", "纯棉圆领短袖T恤"),
        ("member", "image", ""),
    ]
    assert rows[1].payload is not None
    assert rows[1].payload["product_id"] == product_id
    assert rows[2].payload is not None
    assert rows[2].payload["url"].startswith("/media/")
    assert all(m.wechat_msgid for m in rows)
    conversation = await conversation_row(ctx, rows[0].conversation_id)
    assert (conversation.member_id, conversation.channel, conversation.status) == (
        alice.member_id,
        "wechat",
        "queued",
    )
    bench = (await client.get(f"{CONSOLE}/workbench", headers=agent)).json()
    assert [e["conversation"]["channel"] for e in bench["queue"]] == ["wechat"]

    cid = conversation.id
    assert (await client.post(console_url(cid, "claim"), headers=agent)).status_code == 200
    reply = await client.post(
        console_url(cid, "messages"),
        json={"kind": "text", "text": "有的，今天下单明天发"},
        headers=agent,
    )
    assert reply.status_code == 201, reply.text
    card = await client.post(
        console_url(cid, "messages"),
        json={"kind": "product", "product_id": product_id},
        headers=agent,
    )
    assert card.status_code == 201, card.text
    assert wx.sent[0] == {
        "touser": openid,
        "msgtype": "text",
        "text": {"content": "有的，今天下单明天发"},
    }
    page_body = wx.sent[1]
    assert page_body["touser"] == openid
    assert page_body["msgtype"] == "miniprogrampage"
    assert page_body["miniprogrampage"]["title"] == "纯棉圆领短袖T恤"
    assert page_body["miniprogrampage"]["pagepath"] == f"pages/product/detail?id={product_id}"
    thumb, content_type = wx.media[page_body["miniprogrampage"]["thumb_media_id"]]
    assert content_type == "image/jpeg"
    assert thumb[:2] == b"\xff\xd8"
    assert [m.sender for m in await message_rows(ctx)][-2:] == ["staff", "staff"]


async def test_a_retried_push_is_stored_once_and_a_stranger_becomes_a_member(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, mode: str
) -> None:
    wx = sim(app)
    stranger = "o" + "Stranger0000000000000000000"[:27]
    assert await member_of(ctx, stranger) is None
    message = wx.message(stranger, "text", Content="你好")
    assert (await wx.push(message)).text == "success"
    assert (await wx.push(message)).text == "success"  # WeChat retries with the same MsgId
    member = await member_of(ctx, stranger)
    assert member is not None
    assert [m.body for m in await message_rows(ctx)] == ["你好"]


async def _refused(wx: CustomerServiceSimulator, query: dict[str, str], body: bytes) -> None:
    answer = await wx.post(query, body)
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "support.wechat_push_invalid"


async def test_pushes_that_are_not_wechats_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, mode: str
) -> None:
    wx = sim(app)
    alice = await shopper(client)
    openid = await openid_of(ctx, alice.member_id)
    before = await snapshot(ctx, *TABLES)
    plain = b'{"MsgType":"text","FromUserName":"%s","Content":"hi","MsgId":1}' % openid.encode()

    query, body = wx.signed(plain, token="not-the-shops-token")
    await _refused(wx, query, body)
    query, body = wx.signed(plain)
    stale = str(int(query["timestamp"]) - 600)
    await _refused(wx, {**query, "timestamp": stale}, body)
    if mode == "aes":
        # A plain push when the shop asked for 安全模式; a wrong appid inside; a bad msg_signature.
        plain_query = {k: v for k, v in query.items() if k not in ("encrypt_type", "msg_signature")}
        await _refused(wx, plain_query, plain)
        await _refused(wx, {**query, "msg_signature": "0" * 40}, body)
        wx.appid = "wx-someone-else"
        try:
            query, body = wx.signed(plain)
        finally:
            wx.appid = integrations(app).wechat_appid
        await _refused(wx, query, body)
    assert await snapshot(ctx, *TABLES) == before


async def test_a_refused_wechat_text_is_kept_for_audit_only(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    wx = sim(app)
    alice = await shopper(client)
    openid = await openid_of(ctx, alice.member_id)
    assert (await wx.text(openid, "赌博网站了解一下")).text == "success"
    assert await message_rows(ctx) == []
    async with ctx.sessionmaker() as s:
        items = list(await s.scalars(select(Item).where(Item.subject_type == "chat_message")))
    assert [(i.member_id, i.status, i.text_state) for i in items] == [
        (alice.member_id, "rejected", "risky")
    ]


async def _claimed_wechat(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> tuple[int, str]:
    alice = await shopper(client)
    openid = await openid_of(ctx, alice.member_id)
    assert (await sim(app).text(openid, "在吗")).text == "success"
    cid = (await message_rows(ctx))[0].conversation_id
    assert (await client.post(console_url(cid, "claim"), headers=agent)).status_code == 200
    return cid, openid


async def _reply(client: httpx.AsyncClient, agent: dict[str, str], cid: int) -> httpx.Response:
    return await client.post(
        console_url(cid, "messages"), json={"kind": "text", "text": "您好"}, headers=agent
    )


async def test_wechat_refusals_reach_the_staff_member_and_nothing_is_stored(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> None:
    wx = sim(app)
    cid, openid = await _claimed_wechat(app, client, ctx, agent)
    wx.reply_limit = 1
    wx.replies_left[openid] = 1
    assert (await _reply(client, agent, cid)).status_code == 201
    before = await snapshot(ctx, "support_message")
    over: dict[str, Any] = (await _reply(client, agent, cid)).json()
    assert over["code"] == "support.wechat_reply_limit"
    assert await snapshot(ctx, "support_message") == before

    wx.replies_left[openid] = 5
    real_clock = wx.clock
    wx.clock = lambda: real_clock() + 49 * 3600
    try:
        late = await _reply(client, agent, cid)
    finally:
        wx.clock = real_clock
    assert late.status_code == 409
    assert late.json()["code"] == "support.wechat_window_passed"
    assert await snapshot(ctx, "support_message") == before
    assert len(wx.sent) == 1


async def test_an_expired_token_is_refreshed_once_and_the_reply_goes(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> None:
    wx = sim(app)
    cid, openid = await _claimed_wechat(app, client, ctx, agent)
    codes: WxacodeSimulator = app.state.wxacode_simulator
    assert (await _reply(client, agent, cid)).status_code == 201
    requests = codes.token_requests
    codes.expire_tokens()  # WeChat answers 40001 to the cached token
    assert (await _reply(client, agent, cid)).status_code == 201
    assert codes.token_requests == requests + 1
    assert [b["touser"] for b in wx.sent] == [openid, openid]


async def test_an_in_app_message_brings_replies_back_to_the_app(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> None:
    wx = sim(app)
    cid, _ = await _claimed_wechat(app, client, ctx, agent)
    # The same shopper writes in the app: the conversation follows them there.
    alice_headers = bearer(await wechat_login(client, "alice"))
    sent = await client.post(
        "/api/v1/support/conversation/messages",
        json={"kind": "text", "text": "我在 App 里"},
        headers=alice_headers,
    )
    assert sent.status_code == 201, sent.text
    assert (await conversation_row(ctx, cid)).channel == "app"
    assert (await _reply(client, agent, cid)).status_code == 201
    assert wx.sent == []


async def test_many_deliveries_of_one_push_at_once_store_one_message(
    app: FastAPI, backend_db: BackendDb, ctx: AppContext
) -> None:
    """Twelve deliveries of one push (one MsgId, an openid never seen) race on PostgreSQL over
    twelve connections: one member, one conversation, one message, every answer ``success``."""
    if not backend_db.is_postgres:
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    wx = sim(app)
    stranger = "oRace" + "0" * 23
    query, body = wx.signed(orjson.dumps(wx.message(stranger, "text", Content="在吗")))
    start = asyncio.Event()
    async with app_with_pool(backend_db, ctx, 12) as racing:
        transport = httpx.ASGITransport(app=racing)

        async def deliver() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(PUSH, params=query, content=body)

        tasks = [asyncio.create_task(deliver()) for _ in range(12)]
        start.set()
        answers = await asyncio.gather(*tasks)
    assert [(a.status_code, a.text) for a in answers] == [(200, "success")] * 12
    assert [m.body for m in await message_rows(ctx)] == ["在吗"]
    async with ctx.sessionmaker() as s:
        members = list(await s.scalars(select(Member).where(Member.wechat_openid == stranger)))
    assert len(members) == 1
    assert len((await snapshot(ctx, "support_conversation"))["support_conversation"]) == 1


async def test_a_staff_socket_reply_goes_to_wechat_and_a_refusal_is_an_error_frame(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, agent: dict[str, str]
) -> None:
    wx = sim(app)
    cid, openid = await _claimed_wechat(app, client, ctx, agent)
    token = agent["Authorization"].removeprefix("Bearer ")
    async with AsgiSocket(app, "/api/v1/console/support/ws") as desk:
        await desk.send({"type": "auth", "token": token})
        while (await desk.receive())["type"] != "ready":
            pass
        await desk.send(
            {"type": "send", "ref": "a", "conversation_id": cid, "kind": "text", "text": "在的"}
        )
        frame = await desk.receive()
        while frame["type"] != "ack":
            frame = await desk.receive()
        assert frame["message"]["text"] == "在的"
        assert wx.sent == [{"touser": openid, "msgtype": "text", "text": {"content": "在的"}}]

        before = await snapshot(ctx, "support_message")
        wx.replies_left[openid] = 0
        await desk.send(
            {"type": "send", "ref": "b", "conversation_id": cid, "kind": "text", "text": "还在吗"}
        )
        frame = await desk.receive()
        while frame["type"] != "error":
            frame = await desk.receive()
        assert (frame["ref"], frame["code"]) == ("b", "support.wechat_reply_limit")
        assert await snapshot(ctx, "support_message") == before


async def test_typing_shows_in_wechat_only_for_a_wechat_conversation_i_serve(
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    agent: dict[str, str],
    other_agent: dict[str, str],
) -> None:
    wx = sim(app)
    cid, openid = await _claimed_wechat(app, client, ctx, agent)
    typing = await client.post(console_url(cid, "typing"), headers=agent)
    assert typing.status_code == 204, typing.text
    assert wx.typing == [{"touser": openid, "command": "Typing"}]
    not_mine = await client.post(console_url(cid, "typing"), headers=other_agent)
    assert not_mine.status_code == 409
    assert not_mine.json()["code"] == "support.not_assignee"
    real_clock = wx.clock
    wx.clock = lambda: real_clock() + 49 * 3600
    try:
        late = await client.post(console_url(cid, "typing"), headers=agent)
    finally:
        wx.clock = real_clock
    assert late.json()["code"] == "support.wechat_window_passed"
    assert len(wx.typing) == 1

    # An in-app conversation: nothing goes to WeChat.
    bob = await shopper(client, "bob")
    in_app = await open_chat(client, bob)
    assert (await client.post(console_url(in_app["id"], "claim"), headers=agent)).status_code == 200
    assert (
        await client.post(console_url(in_app["id"], "typing"), headers=agent)
    ).status_code == 204
    assert len(wx.typing) == 1
