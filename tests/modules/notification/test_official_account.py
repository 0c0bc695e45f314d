"""公众号 end to end against its simulator: console settings, the message push (URL check, plain
and 安全模式, refusals that change nothing), followers linked to members by unionid and
idempotent by event time, the follower sync, template messages in place of subscribe messages
with every WeChat code Shoplet acts on, TEMPLATESENDJOBFINISH, and on PostgreSQL several workers
sending one event's messages at once."""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.integrations.wechat.login_simulator import unionid_for
from shoplet.integrations.wechat.official_account_simulator import (
    OfficialAccountSimulator,
    oa_openid_for,
)
from shoplet.modules.notification import merge_hook, official_account, tasks
from shoplet.modules.notification.models import NotificationOaFollower, NotificationOaSend
from tests.conftest import BackendDb, snapshot
from tests.modules.notification.test_sends import order_paid
from tests.modules.orders.factories import Shopper, shopper
from tests.modules.staff.conftest import bearer as staff_bearer
from tests.modules.staff.conftest import token_for

OA = "/api/v1/console/official-account"
PUSH = official_account.PUSH_PATH
TOKEN = "shopletPush2026"
AES_KEY = base64.b64encode(bytes(range(32))).decode()[:43]
TID = "oa-pay-TMPL-0001"
KEYS = ("character_string1", "amount2", "time3", "phrase4")
FIELDS = {
    "character_string1": "order_no",
    "amount2": "amount",
    "time3": "paid_at",
    "phrase4": "status",
}
TABLES = (
    "notification_oa_account",
    "notification_oa_follower",
    "notification_oa_template",
    "notification_oa_send",
)


def sim(app: FastAPI) -> OfficialAccountSimulator:
    found = app.state.integrations.official_account_simulator
    assert isinstance(found, OfficialAccountSimulator)
    return found


async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return staff_bearer(await token_for(client, ctx, "olivia", role="operator"))


async def setup_account(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, *, safe: bool = False
) -> dict[str, str]:
    headers = await staff(client, ctx)
    simulator = sim(app)
    simulator.push_token = TOKEN
    simulator.encoding_aes_key = AES_KEY if safe else ""
    body = {
        "appid": simulator.appid,
        "secret": simulator.secret,
        "token": TOKEN,
        "encoding_aes_key": AES_KEY if safe else "",
        "miniprogram_appid": ctx.settings.wechat_appid,
    }
    response = await client.put(f"{OA}/settings", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return headers


async def map_template(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await client.put(
        f"{OA}/templates/payment_success",
        json={"template_id": TID, "pagepath": "pages/orders/detail", "fields": FIELDS},
        headers=headers,
    )
    assert response.status_code == 200, response.text


async def push(
    client: httpx.AsyncClient, query_body: tuple[dict[str, str], bytes]
) -> httpx.Response:
    query, body = query_body
    return await client.post(PUSH, params=query, content=body)


async def follow(app: FastAPI, client: httpx.AsyncClient, name: str, at: int) -> str:
    openid = oa_openid_for(name)
    sim(app).follow(openid, unionid_for(name), at)
    answer = await push(client, sim(app).follow_push(openid, is_following=True, at=at))
    assert (answer.status_code, answer.text) == (200, "success")
    return openid


async def followers(ctx: AppContext) -> dict[str, NotificationOaFollower]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(NotificationOaFollower))
        return {r.openid: r for r in rows}


async def oa_sends(ctx: AppContext) -> list[NotificationOaSend]:
    async with ctx.sessionmaker() as s:
        return list(await s.scalars(select(NotificationOaSend).order_by(NotificationOaSend.id)))


async def ready(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, name: str = "alice"
) -> tuple[Shopper, str, dict[str, str]]:
    headers = await setup_account(app, client, ctx)
    await map_template(client, headers)
    sim(app).add_template(TID, KEYS)
    who = await shopper(client, name)
    openid = await follow(app, client, name, int(time.time()) - 60)
    return who, openid, headers


async def test_url_check_and_follow_events_link_the_member_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await setup_account(app, client, ctx)
    stamp, nonce = str(int(time.time())), "n0nce"
    query, _ = sim(app).push_for({"MsgType": "event"}, timestamp=int(stamp), nonce=nonce)
    check = await client.get(PUSH, params={**query, "echostr": "4711"})
    assert (check.status_code, check.text) == (200, "4711")
    alice = await shopper(client, "alice")
    at = int(time.time()) - 100
    openid = await follow(app, client, "alice", at)
    row = (await followers(ctx))[openid]
    assert (row.member_id, row.unionid, row.is_following, row.event_at) == (
        alice.member_id,
        unionid_for("alice"),
        True,
        at,
    )
    # Unfollowed, then the subscribe push replayed and a late one: nothing changes.
    gone = await push(client, sim(app).follow_push(openid, is_following=False, at=at + 50))
    assert gone.status_code == 200
    before = await snapshot(ctx, "notification_oa_follower")
    for late in (at, at + 10, at + 50):
        again = await push(client, sim(app).follow_push(openid, is_following=True, at=late))
        assert again.status_code == 200
    assert await snapshot(ctx, "notification_oa_follower") == before
    row = (await followers(ctx))[openid]
    assert (row.is_following, row.member_id, row.event_at) == (False, alice.member_id, at + 50)
    view = (await client.get(f"{OA}/settings", headers=headers)).json()
    assert (view["followers"], view["linked_followers"], view["is_safe_mode"]) == (0, 0, False)
    assert view["secret_hint"] == sim(app).secret[-4:]
    assert sim(app).secret not in str(view)


async def test_safe_mode_takes_only_encrypted_pushes_of_its_appid(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await setup_account(app, client, ctx, safe=True)
    bob = await shopper(client, "bob")
    openid = await follow(app, client, "bob", int(time.time()) - 5)
    assert (await followers(ctx))[openid].member_id == bob.member_id
    before = await snapshot(ctx, *TABLES)
    # Plain push while 安全模式 is on; a push sealed for another appid.
    simulator = sim(app)
    simulator.encoding_aes_key = ""
    plain = await push(
        client, simulator.follow_push(openid, is_following=False, at=int(time.time()))
    )
    simulator.encoding_aes_key, appid = AES_KEY, simulator.appid
    simulator.appid = "wx0000000000000000"
    other = await push(
        client, simulator.follow_push(openid, is_following=False, at=int(time.time()))
    )
    simulator.appid = appid
    for answer in (plain, other):
        assert answer.status_code == 401
        assert answer.json()["code"] == "notification.oa_push_invalid"
    assert await snapshot(ctx, *TABLES) == before
    assert (await client.get(f"{OA}/settings", headers=headers)).json()["is_safe_mode"] is True


async def test_push_refusals_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    openid = oa_openid_for("carol")
    early = await push(client, sim(app).follow_push(openid, is_following=True, at=1))
    assert (early.status_code, early.json()["code"]) == (409, "notification.oa_not_configured")
    await setup_account(app, client, ctx)
    before = await snapshot(ctx, *TABLES)
    now = int(time.time())
    query, body = sim(app).follow_push(openid, is_following=True, at=now)
    bad_signature = await client.post(PUSH, params={**query, "signature": "0" * 40}, content=body)
    stale_query, stale_body = sim(app).push_for(
        {"FromUserName": openid, "MsgType": "event", "Event": "subscribe", "CreateTime": "1"},
        timestamp=now - 3600,
    )
    stale = await client.post(PUSH, params=stale_query, content=stale_body)
    bad_url = await client.get(PUSH, params={**query, "signature": "0" * 40, "echostr": "x"})
    malformed = await client.post(PUSH, params=query, content=b"<xml><a>1</b></xml>")
    entity = await client.post(
        PUSH, params=query, content=b'<!DOCTYPE x [<!ENTITY e "boom">]><xml><a>&e;</a></xml>'
    )
    for answer, status, code in (
        (bad_signature, 401, "notification.oa_push_invalid"),
        (stale, 401, "notification.oa_push_invalid"),
        (bad_url, 401, "notification.oa_push_invalid"),
        (malformed, 400, "notification.oa_push_malformed"),
        (entity, 400, "notification.oa_push_malformed"),
    ):
        assert answer.status_code == status, answer.text
        assert answer.json()["code"] == code
    assert await snapshot(ctx, *TABLES) == before


async def test_settings_and_template_refusals_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await staff(client, ctx)
    appid = sim(app).appid
    before = await snapshot(ctx, *TABLES)
    first = await client.put(f"{OA}/settings", json={"appid": appid}, headers=headers)
    assert (first.status_code, first.json()["code"]) == (400, "notification.oa_secret_required")
    bad_key = await client.put(
        f"{OA}/settings",
        json={"appid": appid, "secret": "a" * 32, "token": TOKEN, "encoding_aes_key": "!" * 43},
        headers=headers,
    )
    assert (bad_key.status_code, bad_key.json()["code"]) == (400, "notification.oa_aes_key_invalid")
    bad_appid = await client.put(
        f"{OA}/settings",
        json={"appid": "gh_123", "secret": "a" * 32, "token": TOKEN},
        headers=headers,
    )
    assert bad_appid.status_code == 422
    unknown_type = await client.put(
        f"{OA}/templates/payment_success",
        json={"template_id": TID, "fields": {"keyword1": "order_no"}},
        headers=headers,
    )
    unknown_source = await client.put(
        f"{OA}/templates/payment_success",
        json={"template_id": TID, "fields": {"thing1": "tracking_no"}},
        headers=headers,
    )
    assert unknown_type.json()["code"] == "notification.field_type_unknown"
    assert unknown_source.json()["code"] == "notification.source_unknown"
    support = staff_bearer(await token_for(client, ctx, "sam", role="support"))
    assert (await client.get(f"{OA}/settings", headers=support)).status_code == 403
    assert (await client.post(f"{OA}/followers/sync", headers=headers)).status_code == 409
    assert await snapshot(ctx, *TABLES) == before


async def test_a_follower_without_credit_gets_the_template_message_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, openid, headers = await ready(app, client, ctx)
    await order_paid(ctx, alice.member_id, "S202601020001")
    await order_paid(ctx, alice.member_id, "S202601020001")  # redelivered: one message
    await tasks.send_oa_pending(ctx)
    await tasks.send_oa_pending(ctx)
    [row] = await oa_sends(ctx)
    assert (row.status, row.errcode, row.openid, row.template_id) == ("sent", 0, openid, TID)
    [body] = sim(app).sent
    assert body == {
        "touser": openid,
        "template_id": TID,
        "miniprogram": {"appid": ctx.settings.wechat_appid, "pagepath": "pages/orders/detail"},
        "client_msg_id": f"shoplet-oa-{row.id}",
        "data": {
            "character_string1": {"value": "S202601020001"},
            "amount2": {"value": "¥59.00"},
            "time3": {"value": "2026年1月2日 15:30"},
            "phrase4": {"value": "支付成功"},
        },
        "msgid": row.msgid,
    }
    assert row.msgid is not None
    finished = await push(client, sim(app).job_finish_push(row.msgid, "failed:user block"))
    assert finished.status_code == 200
    log = (await client.get(f"{OA}/sends", headers=headers)).json()["items"]
    assert [(s["status"], s["delivery"]) for s in log] == [("sent", "user_block")]
    # A shopper who does not follow gets nothing.
    bob = await shopper(client, "bob")
    await order_paid(ctx, bob.member_id, "S202601020002")
    assert len(await oa_sends(ctx)) == 1


async def test_subscribe_message_without_credit_falls_back(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, _openid, headers = await ready(app, client, ctx)
    subscribe = await client.put(
        "/api/v1/console/subscribe-messages/templates/payment_success",
        json={"template_id": "pay-ok-TMPL-0001", "fields": FIELDS},
        headers=headers,
    )
    assert subscribe.status_code == 200
    await order_paid(ctx, alice.member_id, "S1")
    assert await oa_sends(ctx) == []  # a subscribe message is tried first
    await tasks.send_pending(ctx)  # no credit: the template message is recorded instead
    await tasks.send_oa_pending(ctx)
    [row] = await oa_sends(ctx)
    assert (row.status, row.ref) == ("sent", "S1")
    await tasks.send_pending(ctx)
    assert len(sim(app).sent) == 1


async def test_wechat_codes(app: FastAPI, client: httpx.AsyncClient, ctx: AppContext) -> None:
    alice, openid, headers = await ready(app, client, ctx)
    simulator = sim(app)
    # 40001/42001: a fresh token, one retry.
    simulator.expire_tokens()
    await order_paid(ctx, alice.member_id, "T1")
    assert await official_account.deliver_one(ctx, (await oa_sends(ctx))[-1].id) == "sent"
    # 45009: back to pending until the next day.
    simulator.daily_quota = 0
    await order_paid(ctx, alice.member_id, "T2")
    quota = (await oa_sends(ctx))[-1]
    assert await official_account.deliver_one(ctx, quota.id) == "pending"
    [waiting] = [r for r in await oa_sends(ctx) if r.id == quota.id]
    assert (waiting.status, waiting.errcode) == ("pending", 45009)
    assert waiting.not_before is not None
    assert waiting.not_before > datetime.now(UTC)
    async with unit_of_work(ctx.sessionmaker) as session:
        assert quota.id not in await official_account.due_sends(session, 100)
    simulator.daily_quota = 100
    # A value too long for its keyword: refused before the call.
    await order_paid(ctx, alice.member_id, "X" * 40)
    long_ref = (await oa_sends(ctx))[-1]
    assert await official_account.deliver_one(ctx, long_ref.id) == "field_invalid"
    # 43004: unfollowed without a push reaching Shoplet; the follower is marked.
    simulator.unfollow(openid)
    await order_paid(ctx, alice.member_id, "T3")
    assert await official_account.deliver_one(ctx, (await oa_sends(ctx))[-1].id) == "unfollowed"
    assert (await followers(ctx))[openid].is_following is False
    await order_paid(ctx, alice.member_id, "T4")  # no longer following: nothing recorded
    # 40003 and 40037 with a second follower.
    bob = await shopper(client, "bob")
    bob_openid = await follow(app, client, "bob", int(time.time()) - 30)
    del simulator.followers[bob_openid]
    await order_paid(ctx, bob.member_id, "B1")
    assert await official_account.deliver_one(ctx, (await oa_sends(ctx))[-1].id) == (
        "openid_invalid"
    )
    simulator.follow(bob_openid, unionid_for("bob"))
    del simulator.templates[TID]
    await order_paid(ctx, bob.member_id, "B2")
    assert await official_account.deliver_one(ctx, (await oa_sends(ctx))[-1].id) == (
        "template_invalid"
    )
    [template] = (await client.get(f"{OA}/templates", headers=headers)).json()["items"]
    assert template["is_enabled"] is False
    assert "40037" in template["disabled_reason"]
    rows = await oa_sends(ctx)
    assert [(r.ref[:2], r.status, r.errcode) for r in rows] == [
        ("T1", "sent", 0),
        ("T2", "pending", 45009),
        ("XX", "field_invalid", None),
        ("T3", "unfollowed", 43004),
        ("B1", "openid_invalid", 40003),
        ("B2", "template_invalid", 40037),
    ]
    assert [s["template_id"] for s in simulator.sent] == [TID]


async def test_sync_reads_every_page_and_links_members(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await setup_account(app, client, ctx)
    simulator = sim(app)
    simulator.page_size = 100
    for i in range(230):
        simulator.follow(oa_openid_for(f"fan{i}"), unionid_for(f"fan{i}"), 1_700_000_000 + i)
    simulator.follow(oa_openid_for("dave"), unionid_for("dave"), 1_700_000_000)
    first = (await client.post(f"{OA}/followers/sync", headers=headers)).json()
    assert first == {"listed": 231, "recorded": 231, "linked": 0}
    dave = await shopper(client, "dave")  # signs up in the mini program afterwards
    again = (await client.post(f"{OA}/followers/sync", headers=headers)).json()
    assert again == {"listed": 231, "recorded": 0, "linked": 1}
    assert (await followers(ctx))[oa_openid_for("dave")].member_id == dave.member_id
    view = (await client.get(f"{OA}/settings", headers=headers)).json()
    assert (view["followers"], view["linked_followers"]) == (231, 1)


async def test_merge_moves_followers_and_sends(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, openid, _ = await ready(app, client, ctx)
    bob = await shopper(client, "bob")
    await order_paid(ctx, alice.member_id, "M1")
    async with unit_of_work(ctx.sessionmaker) as session:
        moved = await merge_hook.move_member(session, alice.member_id, bob.member_id)
    assert moved == 2
    assert (await followers(ctx))[openid].member_id == bob.member_id
    assert [r.member_id for r in await oa_sends(ctx)] == [bob.member_id]


async def test_several_workers_send_each_follower_once(
    backend_db: BackendDb, app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    if backend_db.name != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    headers = await setup_account(app, client, ctx)
    await map_template(client, headers)
    sim(app).add_template(TID, KEYS)
    members: list[int] = []
    for i in range(12):
        who = await shopper(client, f"fan{i}")
        await follow(app, client, f"fan{i}", int(time.time()) - 60)
        members.append(who.member_id)

    async def record(member_id: int) -> None:
        await order_paid(ctx, member_id, "SALE-1")

    # The event delivered three times at once, then four workers sending at once.
    await asyncio.gather(*(record(m) for m in members * 3))
    assert len(await oa_sends(ctx)) == 12
    await asyncio.gather(*(tasks.send_oa_pending(ctx) for _ in range(4)))
    ids = [r.id for r in await oa_sends(ctx)]
    results: list[Any] = await asyncio.gather(
        *(official_account.deliver_one(ctx, i) for i in ids + ids)
    )
    assert results == [None] * 24
    sent = sorted(str(s["touser"]) for s in sim(app).sent)
    assert sent == sorted(oa_openid_for(f"fan{i}") for i in range(12))
    assert {r.status for r in await oa_sends(ctx)} == {"sent"}
