"""拼团结果 subscribe messages on both databases: a group that succeeds records one message per
member (拼团成功, 待发货), one that fails one per refunded member (拼团失败, 已退款; the seat
never paid gets none), each sent by notification's worker; a result delivered twice records
nothing more, and a long product name is shortened to WeChat's 20-character thing."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event, drain_outbox
from shoplet.core.jobs import run_job
from shoplet.integrations.wechat.login_simulator import openid_for
from shoplet.modules.notification import tasks as notification_tasks
from shoplet.modules.notification.models import NotificationSend
from shoplet.modules.social import public as social
from shoplet.modules.social import tasks
from shoplet.modules.social.tasks import EXPIRE_JOB
from tests.modules.notification.test_sends import sim
from tests.modules.orders.factories import Shopper, pay, product, shopper
from tests.modules.social.factories import (
    group_row,
    join_group,
    make_campaign,
    ok,
    open_group,
    past_deadline,
)

TEMPLATES = "/api/v1/console/subscribe-messages/templates"
TID = "group-TMPL"
FIELDS = {
    "character_string1": "order_no",
    "thing2": "product_name",
    "phrase3": "result",
    "phrase4": "status",
}
TITLE = "新疆阿克苏冰糖心苹果十斤装当季现摘脆甜多汁"


async def set_up(
    app: FastAPI, client: httpx.AsyncClient, staff: dict[str, str], *names: str
) -> list[Shopper]:
    response = await client.put(
        f"{TEMPLATES}/groupbuy_result",
        json={"template_id": TID, "page": "pkg-social/group/index", "fields": FIELDS},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    sim(app).add_template(TID, tuple(FIELDS))
    members = []
    for name in names:
        who = await shopper(client, name)
        answered = await client.post(
            "/api/v1/me/subscriptions", json={"results": {TID: "accept"}}, headers=who.headers
        )
        assert answered.status_code == 200, answered.text
        sim(app).accept(openid_for(name, app.state.ctx.settings.wechat_appid), TID)
        members.append(who)
    return members


async def rows(ctx: AppContext) -> list[NotificationSend]:
    async with ctx.sessionmaker() as s:
        found = await s.scalars(
            select(NotificationSend)
            .where(NotificationSend.event == "groupbuy_result")
            .order_by(NotificationSend.member_id)
        )
        return list(found)


async def test_a_group_that_succeeds_messages_each_member_once(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    _, [sku_id] = await product(ctx, (5900, 10), title=TITLE)
    campaign = await make_campaign(client, staff, sku_id)
    alice, bob, carol = await set_up(app, client, staff, "alice", "bob", "carol")
    opened = ok(await open_group(client, alice, campaign["id"]))
    await pay(client, ctx, alice, opened["order_no"])
    await drain_outbox(ctx)
    seats = [opened["order_no"]]
    for who in (bob, carol):
        seat = ok(await join_group(client, who, opened["share_id"]))
        await pay(client, ctx, who, seat["order_no"])
        seats.append(seat["order_no"])
    await drain_outbox(ctx)
    group = await group_row(ctx, opened["share_id"])
    assert group.status == "succeeded"
    again = Event(
        id="again",
        type=social.GROUP_SUCCEEDED,
        key=group.share_id,
        payload={"group_id": group.id, "share_id": group.share_id,
                 "campaign_id": group.campaign_id, "order_nos": seats},
        occurred_at=datetime.now(UTC),
    )  # fmt: skip
    async with unit_of_work(ctx.sessionmaker) as s:  # the result delivered again
        await tasks.notify_group_succeeded(again, s)

    found = await rows(ctx)
    assert [(r.member_id, r.ref) for r in found] == [
        (who.member_id, order_no) for who, order_no in zip((alice, bob, carol), seats, strict=True)
    ]
    await notification_tasks.send_pending(ctx)
    assert [r.status for r in await rows(ctx)] == ["sent"] * 3
    data = [{k: v["value"] for k, v in b["data"].items()} for b in sim(app).sent]
    assert {d["character_string1"] for d in data} == set(seats)
    assert {(d["thing2"], d["phrase3"], d["phrase4"]) for d in data} == {
        (TITLE[:19] + "…", "拼团成功", "待发货")
    }


async def test_a_group_that_fails_messages_each_refunded_member(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    _, [sku_id] = await product(ctx, (5900, 10), title="苹果")
    campaign = await make_campaign(client, staff, sku_id)
    alice, bob, carol = await set_up(app, client, staff, "alice", "bob", "carol")
    opened = ok(await open_group(client, alice, campaign["id"]))
    await pay(client, ctx, alice, opened["order_no"])
    await drain_outbox(ctx)
    bob_seat = ok(await join_group(client, bob, opened["share_id"]))
    await pay(client, ctx, bob, bob_seat["order_no"])
    ok(await join_group(client, carol, opened["share_id"]))  # never pays
    await drain_outbox(ctx)
    await past_deadline(ctx, opened["share_id"])
    await run_job(ctx, EXPIRE_JOB)
    await drain_outbox(ctx)
    await drain_outbox(ctx)

    found = await rows(ctx)
    assert [(r.member_id, r.ref) for r in found] == [
        (alice.member_id, opened["order_no"]),
        (bob.member_id, bob_seat["order_no"]),
    ]
    assert {(r.values["result"], r.values["status"]) for r in found} == {("拼团失败", "已退款")}
    await notification_tasks.send_pending(ctx)
    assert [r.status for r in await rows(ctx)] == ["sent", "sent"]
