"""Live sessions over REST on both databases: a session from 预告 to 回放 (subscribe, shelf,
start, the signed player URL, comments, 讲解, a pushed coupon claimed in the room, mute, likes,
an order attributed to the session, end), the 开播提醒, and every refusal with its ``live.*``
code and nothing written."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import drain_outbox
from shoplet.modules.live import service
from shoplet.modules.live.hub import hub_of
from shoplet.modules.live.providers import verify
from shoplet.modules.notification.models import NotificationSend
from tests.conftest import snapshot
from tests.modules.live.factories import (
    CONSOLE,
    STORE,
    TABLES,
    comment_rows,
    console_url,
    live,
    say,
    scheduled,
    session_row,
    store_url,
)
from tests.modules.moderation.factories import add_word
from tests.modules.notification.test_sends import sim
from tests.modules.orders.factories import pay, placed, product, shopper
from tests.modules.promotions.factories import make_template
from tests.modules.staff.conftest import bearer, token_for


async def test_a_session_from_preview_to_replay(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    product_id, skus = await product(ctx, (5900, 50))
    other_id, _ = await product(ctx, (1900, 5), title="羊毛围巾")
    made = await scheduled(client, operator)
    sid = made["id"]
    assert made["status"] == "scheduled"
    upcoming = (await client.get(STORE, params={"tab": "upcoming"})).json()
    assert [s["id"] for s in upcoming["items"]] == [sid]
    assert (await client.get(STORE, params={"tab": "live"})).json()["items"] == []
    preview = (await client.get(store_url(sid), headers=alice.headers)).json()
    assert (preview["player"], preview["is_subscribed"]) == (None, False)

    for _ in range(2):  # 订阅提醒 twice is one subscription
        sub = await client.post(store_url(sid, "subscription"), json={}, headers=alice.headers)
        assert sub.status_code == 200, sub.text
    assert sub.json() == {"is_subscribed": True, "subscriber_total": 1}
    assert (await client.get(store_url(sid), headers=alice.headers)).json()["is_subscribed"]

    shelf = await client.put(
        console_url(sid, "shelf"),
        json={"items": [{"product_id": product_id, "live_price": 4900}, {"product_id": other_id}]},
        headers=operator,
    )
    assert shelf.status_code == 200, shelf.text
    assert [(i["product_id"], i["position"], i["live_price"]) for i in shelf.json()] == [
        (product_id, 1, 4900),
        (other_id, 2, None),
    ]
    assert shelf.json()[0]["title"] == "纯棉圆领短袖T恤"

    started = await client.post(console_url(sid, "start"), headers=operator)
    assert started.json()["status"] == "live"
    again = await client.post(console_url(sid, "start"), headers=operator)
    assert (again.status_code, again.json()["code"]) == (409, "live.wrong_status")

    room = (await client.get(store_url(sid), headers=alice.headers)).json()
    url = urlparse(room["player"]["play_url"])
    assert url.path.startswith("/media/live/shoplet")
    assert url.path.endswith(".m3u8")
    query = parse_qs(url.query)
    stream = url.path.rsplit("/", 1)[1].removesuffix(".m3u8")
    key = ctx.settings.live_stream_key.get_secret_value()
    assert verify(key, stream, query["txSecret"][0], query["txTime"][0], now=time.time())
    assert not verify(key, stream + "x", query["txSecret"][0], query["txTime"][0], now=time.time())
    assert not verify(key, stream, query["txSecret"][0], query["txTime"][0], now=time.time() + 1e6)

    hub = hub_of(ctx)
    ready = await service.join(ctx, hub, session_id=sid, member_id=alice.member_id)
    assert (ready["status"], ready["online"], ready["viewers"]) == ("live", 1, 1)
    await service.join(ctx, hub, session_id=sid, member_id=bob.member_id)

    first = await say(client, alice.headers, sid, "  这件   有XL吗 ")
    assert first.status_code == 201, first.text
    assert first.json()["text"] == "这件 有XL吗"
    too_fast = await say(client, alice.headers, sid, "在吗")
    assert (too_fast.status_code, too_fast.json()["code"]) == (429, "live.rate_limited")
    assert too_fast.headers["Retry-After"] == "3"
    listed = (await client.get(store_url(sid, "comments"))).json()
    assert [c["text"] for c in listed] == ["这件 有XL吗"]
    assert "member_id" not in listed[0]

    explained = await client.post(
        console_url(sid, "explain"), json={"product_id": product_id}, headers=operator
    )
    assert explained.json()["explaining_product_id"] == product_id

    template = await make_template(client, operator, is_claimable=False)
    pushed = await client.post(
        console_url(sid, "coupons"), json={"template_id": template["id"]}, headers=operator
    )
    assert pushed.status_code == 201, pushed.text
    claim = store_url(sid, f"coupons/{template['id']}/claim")
    assert (await client.post(claim, headers=bob.headers)).json()["claimed"] is True
    twice = await client.post(claim, headers=bob.headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "live.coupon_unavailable")
    coupons = (await client.get(store_url(sid), headers=bob.headers)).json()["coupons"]
    assert [c["template_id"] for c in coupons] == [template["id"]]

    muted = await client.post(
        console_url(sid, "restrictions"),
        json={"member_id": bob.member_id, "kind": "mute"},
        headers=operator,
    )
    assert muted.status_code == 201, muted.text
    refused = await say(client, bob.headers, sid, "我要买")
    assert (refused.status_code, refused.json()["code"]) == (403, "live.muted")
    lifted = await client.delete(
        console_url(sid, f"restrictions/{bob.member_id}"), params={"kind": "mute"}, headers=operator
    )
    assert lifted.status_code == 204
    assert (await say(client, bob.headers, sid, "我要买")).status_code == 201

    for count in (5, 3):
        liked = await client.post(
            store_url(sid, "likes"), json={"count": count}, headers=bob.headers
        )
        assert liked.json() == {"accepted": count}
    await hub.flush()

    order = await placed(client, alice, [(skus[0], 1)])
    await pay(client, ctx, alice, order["order_no"])
    await drain_outbox(ctx)
    await drain_outbox(ctx)  # handled once, counted once

    metrics = (await client.get(console_url(sid, "metrics"), headers=operator)).json()
    assert metrics == {
        **metrics,
        "online": 2,
        "viewers": 2,
        "likes": 8,
        "comments": 2,
        "subscribers": 1,
        "sales_count": 1,
        "sales_amount": order["payable_total"],
    }
    control = (await client.get(console_url(sid, "control"), headers=operator)).json()
    assert control["push"].startswith("rtmp://push.shoplet.local/live/shoplet")
    assert [c["member_id"] for c in control["comments"]] == [alice.member_id, bob.member_id]

    ended = await client.post(console_url(sid, "end"), headers=operator)
    assert ended.json()["status"] == "ended"
    row = await session_row(ctx, sid)
    assert (row.like_total, row.peak_online, row.explaining_product_id) == (8, 2, None)
    replay = (await client.get(STORE, params={"tab": "replay"})).json()
    assert [s["id"] for s in replay["items"]] == [sid]
    late = await say(client, bob.headers, sid, "结束了吗")
    assert (late.status_code, late.json()["code"]) == (409, "live.not_live")


async def test_subscribers_are_reminded_once_before_the_start(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    template_id, fields = "live-TMPL", {"thing1": "live_title", "time2": "start_time"}
    configured = await client.put(
        "/api/v1/console/subscribe-messages/templates/live_start",
        json={"template_id": template_id, "page": "pkg-live/room", "fields": fields},
        headers=operator,
    )
    assert configured.status_code == 200, configured.text
    sim(app).add_template(template_id, tuple(fields))
    soon = await scheduled(
        client, operator, scheduled_at=(utcnow() + timedelta(minutes=3)).isoformat()
    )
    later = await scheduled(client, operator)
    for sid in (soon["id"], later["id"]):
        response = await client.post(
            store_url(sid, "subscription"),
            json={"results": {template_id: "accept"}},
            headers=alice.headers,
        )
        assert response.status_code == 200, response.text
    for _ in range(2):
        async with unit_of_work(ctx.sessionmaker) as s:
            await service.send_reminders(s)
    async with ctx.sessionmaker() as s:
        rows = list(await s.scalars(select(NotificationSend)))
    assert [(r.event, r.member_id, r.subject) for r in rows] == [
        ("live_start", alice.member_id, f"live:{soon['id']}")
    ]
    assert rows[0].values["live_title"] == "秋冬新品直播"


async def test_refusals_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    product_id, _ = await product(ctx, (5900, 50))
    await add_word(client, operator, "假货", "fraud", "block")
    waiting = await scheduled(client, operator)
    room = await live(client, operator, [{"product_id": product_id}])
    sid = room["id"]
    before = await snapshot(ctx, *TABLES)

    async def refused(response: httpx.Response, status: int, code: str) -> None:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert await snapshot(ctx, *TABLES) == before

    await refused(
        await client.post(
            CONSOLE,
            json={"title": " ", "anchor_name": "小美", "scheduled_at": utcnow().isoformat()},
            headers=operator,
        ),
        422,
        "live.session_invalid",
    )
    await refused(
        await client.post(
            CONSOLE,
            json={
                "title": "直播",
                "anchor_name": "小美",
                "scheduled_at": utcnow().isoformat(),
                "provider": "wechat",
            },
            headers=operator,
        ),
        422,
        "live.session_invalid",
    )
    await refused(
        await client.put(
            console_url(sid, "shelf"), json={"items": [{"product_id": 987654}]}, headers=operator
        ),
        422,
        "live.product_invalid",
    )
    await refused(
        await client.put(
            console_url(sid, "shelf"),
            json={"items": [{"product_id": product_id}, {"product_id": product_id}]},
            headers=operator,
        ),
        422,
        "live.product_invalid",
    )
    await refused(
        await client.put(
            console_url(sid, "shelf"),
            json={"items": [{"product_id": product_id, "live_price": 0}]},
            headers=operator,
        ),
        422,
        "live.product_invalid",
    )
    await refused(
        await client.post(
            console_url(sid, "explain"), json={"product_id": 987654}, headers=operator
        ),
        422,
        "live.not_on_shelf",
    )
    await refused(
        await client.post(
            console_url(sid, "coupons"), json={"template_id": 987654}, headers=operator
        ),
        422,
        "live.coupon_invalid",
    )
    for body in (
        {"member_id": alice.member_id, "kind": "kick"},
        {"member_id": 987654, "kind": "ban"},
    ):
        await refused(
            await client.post(console_url(sid, "restrictions"), json=body, headers=operator),
            422,
            "live.member_invalid",
        )
    await refused(await say(client, alice.headers, waiting["id"], "开始了吗"), 409, "live.not_live")
    await refused(await say(client, alice.headers, sid, "   "), 422, "live.comment_invalid")
    await refused(await say(client, alice.headers, sid, "好" * 101), 422, "live.comment_invalid")
    await refused(await say(client, alice.headers, sid, "这是假货吗"), 422, "live.comment_blocked")
    await refused(await say(client, alice.headers, 987654, "在吗"), 404, "live.session_not_found")
    await refused(
        await client.post(store_url(sid, "likes"), json={"count": 0}, headers=alice.headers),
        422,
        "live.likes_invalid",
    )
    await refused(
        await client.post(store_url(sid, "coupons/987654/claim"), headers=alice.headers),
        404,
        "live.coupon_not_pushed",
    )
    await refused(
        await client.post(store_url(sid, "subscription"), json={}, headers=alice.headers),
        409,
        "live.wrong_status",
    )
    await refused(
        await client.post(console_url(sid, "start"), headers=operator), 409, "live.wrong_status"
    )
    await refused(
        await client.post(console_url(waiting["id"], "end"), headers=operator),
        409,
        "live.wrong_status",
    )
    kefu = bearer(await token_for(client, ctx, "kefu", role="support"))
    await refused(
        await client.post(console_url(sid, "end"), headers=kefu), 403, "console.permission_denied"
    )
    assert [c.body for c in await comment_rows(ctx)] == []
