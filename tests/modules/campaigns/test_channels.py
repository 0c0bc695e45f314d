"""Campaign channels on both databases: 订阅消息, 公众号模板消息 and 自动 (subscribe when the
shopper holds an accept, else the 公众号 when they follow), each channel's reach before the
start, per-channel results, refusals that write nothing, the 公众号 message on the simulator's
wire format; on PostgreSQL concurrent runners of two campaigns message a shopper once across
channels."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.integrations.wechat.login_simulator import openid_for
from shoplet.modules.campaigns import running
from shoplet.modules.notification import tasks as notification_tasks
from shoplet.modules.notification.models import (
    NotificationCredit,
    NotificationOaFollower,
    NotificationOaSend,
    NotificationSend,
)
from tests.conftest import BackendDb, snapshot
from tests.modules.analytics.profile_factories import catalog_products, paid_order
from tests.modules.campaigns.factories import CAMPAIGNS, body, dormant, noon, touches
from tests.modules.notification import test_official_account as oa
from tests.modules.notification.test_sends import PAID_TID, accept, configure, sim
from tests.modules.orders.factories import Shopper, shopper

TABLES = ("campaigns_campaign", "campaigns_touch", "campaigns_contact")
# The 公众号 template has keys of its own: each channel sends its template's values.
OA_FIELDS = {"thing5": "status", "amount2": "amount"}
SUB_DATA = {"character_string1": "HUANXING1", "amount2": "¥20.00",
            "time3": "2026年12月31日 20:00", "phrase4": "限时领取"}  # fmt: skip
OA_DATA = {"thing5": "老朋友专享券已到账", "amount2": "¥20.00"}
BOTH = {**SUB_DATA, **OA_DATA}
DATA = {"subscribe": SUB_DATA, "official_account": OA_DATA, "auto": BOTH}


async def map_oa(client: httpx.AsyncClient, headers: dict[str, str], **extra: Any) -> None:
    response = await client.put(
        f"{oa.OA}/templates/payment_success",
        json={"template_id": oa.TID, "pagepath": "pages/index/index", "fields": OA_FIELDS,
              **extra},
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text


async def channels_ready(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> tuple[dict[str, Shopper], dict[str, str]]:
    """Both templates mapped; alice accepts and follows, bob follows, carol accepts, dave
    neither; all four dormant."""
    headers = await oa.setup_account(app, client, ctx)
    await configure(client, headers)
    sim(app).add_template(PAID_TID, ("character_string1", "amount2", "time3", "phrase4"))
    await map_oa(client, headers)
    oa.sim(app).add_template(oa.TID, tuple(OA_FIELDS))
    who = {name: await shopper(client, name) for name in ("alice", "bob", "carol", "dave")}
    at = int(time.time()) - 60
    for name in ("alice", "carol"):
        await accept(client, who[name])
        sim(app).accept(openid_for(name, ctx.settings.wechat_appid), PAID_TID)
    for name in ("alice", "bob"):
        await oa.follow(app, client, name, at)
    await dormant(ctx, [s.member_id for s in who.values()])
    return who, headers


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("subscribe", {"alice": "subscribe", "carol": "subscribe"}),
        ("official_account", {"alice": "official_account", "bob": "official_account"}),
        ("auto", {"alice": "subscribe", "bob": "official_account", "carol": "subscribe"}),
    ],
)
async def test_each_channel_messages_whom_it_reaches(
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    channel: str,
    expected: dict[str, str],
) -> None:
    who, headers = await channels_ready(app, client, ctx)
    reach = await client.get(
        f"{CAMPAIGNS}/reach",
        params={"audience_kind": "dormant", "audience_value": "90",
                "message_event": "payment_success"},
        headers=headers,
    )  # fmt: skip
    assert reach.status_code == 200, reach.text
    assert reach.json() == {
        "audience": 4, "subscribe": 2, "official_account": 2, "auto": 3,
        "is_subscribe_ready": True, "is_official_account_ready": True,
    }  # fmt: skip
    created = await client.post(
        CAMPAIGNS,
        json=body(holdout_percent=0, message_event="payment_success", message_data=DATA[channel],
                  channel=channel),
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert created.json()["channel"] == channel
    started = await client.post(f"{CAMPAIGNS}/{cid}/start", headers=headers)
    assert started.status_code == 200, started.text
    await running.run(ctx, cid, now=noon())
    names = {s.member_id: name for name, s in who.items()}
    rows = {names[r.member_id]: r for r in await touches(ctx, cid)}
    assert {n: r.channel for n, r in rows.items() if r.channel} == expected
    assert {n for n, r in rows.items() if r.status == "no_credit"} == set(who) - set(expected)
    assert all(r.is_messaged for n, r in rows.items() if n in expected)
    # Each message goes through notification's own queue for its channel, once.
    await notification_tasks.send_pending(ctx)
    await notification_tasks.send_oa_pending(ctx)
    async with ctx.sessionmaker() as s:
        sub = list(await s.scalars(select(NotificationSend)))
        official = list(await s.scalars(select(NotificationOaSend)))
    by_sub = {names[r.member_id] for r in sub if r.status == "sent"}
    by_oa = {names[r.member_id] for r in official if r.status == "sent"}
    assert by_sub == {n for n, c in expected.items() if c == "subscribe"}
    assert by_oa == {n for n, c in expected.items() if c == "official_account"}
    assert {r.ref for r in sub + official} <= {f"campaign:{cid}"}
    for row in official:  # the 公众号 template message on WeChat's wire format
        body_sent = next(m for m in oa.sim(app).sent if m["touser"] == row.openid)
        assert body_sent == {
            "touser": row.openid,
            "template_id": oa.TID,
            "miniprogram": {"appid": ctx.settings.wechat_appid, "pagepath": "pages/index/index"},
            "client_msg_id": f"shoplet-oa-{row.id}",
            "data": {key: {"value": value} for key, value in OA_DATA.items()},
            "msgid": row.msgid,
        }
    for message in sim(app).sent:
        assert message["data"] == {key: {"value": value} for key, value in SUB_DATA.items()}
    # Orders in the window count for the channel that messaged the shopper.
    products = await catalog_products(ctx)
    for name in expected:
        await paid_order(ctx, who[name].member_id, days_ago=0.5, lines=[(products["milk"], 10000)])
    results = (await client.get(f"{CAMPAIGNS}/{cid}/results", headers=headers)).json()
    per = {c["channel"]: c for c in results["channels"]}
    for kind in ("subscribe", "official_account"):
        n = sum(1 for c in expected.values() if c == kind)
        assert per[kind] == {"channel": kind, "messaged": n, "ordering": n, "orders": n,
                             "revenue": 10000 * n}  # fmt: skip


async def test_refusals_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await oa.setup_account(app, client, ctx)
    await configure(client, headers)  # a subscribe template only
    await dormant(ctx, [1, 2])
    before = await snapshot(ctx, *TABLES)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"channel": "official_account", "message_data": OA_DATA}, 409,
         "campaigns.template_disabled"),
        ({"channel": "auto", "message_data": BOTH}, 409, "campaigns.template_disabled"),
        ({"channel": "sms", "message_data": SUB_DATA}, 422, "request.invalid"),
    ]  # fmt: skip
    for overrides, status, code in cases:
        response = await client.post(
            CAMPAIGNS,
            json=body(holdout_percent=0, message_event="payment_success", **overrides),
            headers=headers,
        )
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        if status != 422:
            assert response.json()["code"] == code
            assert response.json()["channel"] == "official_account"
    await map_oa(client, headers)
    for data, key in (
        (SUB_DATA, "thing5"),  # auto needs the 公众号 template's keys too
        ({**BOTH, "thing5": "一段远远超过二十个字符的公众号模板消息内容啊啊啊"}, "thing5"),
        ({**OA_DATA, "phrase9": "多余"}, "phrase9"),
    ):
        channel = "official_account" if "phrase9" in data else "auto"
        response = await client.post(
            CAMPAIGNS,
            json=body(holdout_percent=0, message_event="payment_success", message_data=data,
                      channel=channel),
            headers=headers,
        )  # fmt: skip
        assert (response.status_code, response.json()["code"]) == (400, "campaigns.field_invalid")
        assert response.json()["key"] == key
    assert await snapshot(ctx, *TABLES) == before
    # A template disabled after the draft was saved refuses the start.
    created = await client.post(
        CAMPAIGNS,
        json=body(holdout_percent=0, message_event="payment_success", message_data=OA_DATA,
                  channel="official_account"),
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    await map_oa(client, headers, is_enabled=False)
    before = await snapshot(ctx, *TABLES)
    started = await client.post(f"{CAMPAIGNS}/{created.json()['id']}/start", headers=headers)
    assert (started.status_code, started.json()["code"]) == (409, "campaigns.template_disabled")
    assert await snapshot(ctx, *TABLES) == before
    reach = await client.get(
        f"{CAMPAIGNS}/reach",
        params={"audience_kind": "segment", "audience_value": "999"},
        headers=headers,
    )
    assert (reach.status_code, reach.json()["code"]) == (400, "campaigns.audience_unknown")


async def _reachable(ctx: AppContext, members: list[int], tid: str) -> None:
    """Even members hold an accept, every third follows the 公众号 (written directly)."""
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as session:
        for m in members:
            if m % 2 == 0:
                session.add(
                    NotificationCredit(member_id=m, template_id=tid, subject="", credits=1,
                                       accepted_total=1, rejected_total=0, updated_at=now)
                )  # fmt: skip
            if m % 3 == 0:
                session.add(
                    NotificationOaFollower(openid=f"oa-{m}", unionid=f"u-{m}", member_id=m,
                                           is_following=True, event_at=1, updated_at=now)
                )  # fmt: skip


async def test_concurrent_runners_message_a_shopper_once_across_channels(
    app: FastAPI, backend_db: BackendDb, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    if backend_db.name != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    headers = await oa.setup_account(app, client, ctx)
    await configure(client, headers)
    await map_oa(client, headers)
    members = list(range(601, 661))
    await dormant(ctx, members)
    await _reachable(ctx, members, PAID_TID)
    ids = []
    for channel in ("auto", "official_account", "subscribe"):
        created = await client.post(
            CAMPAIGNS,
            json=body(holdout_percent=0, message_event="payment_success",
                      message_data=DATA[channel], channel=channel,
                      start_at=(utcnow() - timedelta(days=20)).isoformat()),
            headers=headers,
        )  # fmt: skip
        assert created.status_code == 201, created.text
        await client.post(f"{CAMPAIGNS}/{created.json()['id']}/start", headers=headers)
        ids.append(created.json()["id"])
    at = noon()
    # Four runners per campaign, all at once.
    await asyncio.gather(*(running.run(ctx, ids[i % 3], now=at) for i in range(12)))
    async with ctx.sessionmaker() as s:
        counts: dict[int, int] = {}
        for model in (NotificationSend, NotificationOaSend):
            rows = await s.execute(
                select(model.member_id, func.count())
                .where(model.ref.like("campaign:%"))
                .group_by(model.member_id)
            )
            for m, n in rows.all():
                counts[int(m)] = counts.get(int(m), 0) + int(n)
    reachable = {m for m in members if m % 2 == 0 or m % 3 == 0}
    assert counts == dict.fromkeys(reachable, 1)
    rows = await touches(ctx)
    messaged = [r.member_id for r in rows if r.is_messaged]
    assert sorted(messaged) == sorted(reachable)
    assert all(r.channel in ("subscribe", "official_account") for r in rows if r.is_messaged)
