"""A 公众号 follower is linked to their member as soon as the member holds the same unionid,
whichever comes first: following then signing up (``member.unionid_recorded``, delivered by the
outbox), or signing up then following (the follow push); a replayed event changes nothing."""

from __future__ import annotations

import time

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event, drain_outbox
from shoplet.integrations.wechat.login_simulator import unionid_for
from shoplet.modules.members import public as members
from shoplet.modules.notification import tasks
from tests.conftest import snapshot
from tests.modules.notification.test_official_account import follow, followers, setup_account
from tests.modules.orders.factories import shopper


async def test_follow_then_sign_up_links_at_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await setup_account(app, client, ctx)
    openid = await follow(app, client, "erin", int(time.time()) - 60)
    assert (await followers(ctx))[openid].member_id is None
    erin = await shopper(client, "erin")  # signs up in the mini program afterwards
    await drain_outbox(ctx)
    row = (await followers(ctx))[openid]
    assert (row.member_id, row.unionid) == (erin.member_id, unionid_for("erin"))
    # The event again (a replay, or a second relay) changes nothing.
    before = await snapshot(ctx, "notification_oa_follower")
    replay = Event(
        id="e-replay",
        type=members.MEMBER_UNIONID_RECORDED,
        key=str(erin.member_id),
        payload={"member_id": erin.member_id + 1000, "unionid": unionid_for("erin")},
        occurred_at=row.updated_at,
    )
    async with unit_of_work(ctx.sessionmaker) as session:
        await tasks.on_member_unionid(replay, session)
    assert await snapshot(ctx, "notification_oa_follower") == before
    # A later login records nothing new: no second event.
    await shopper(client, "erin")
    assert await drain_outbox(ctx) == 0


async def test_sign_up_then_follow_links_at_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await setup_account(app, client, ctx)
    frank = await shopper(client, "frank")
    await drain_outbox(ctx)  # nobody follows yet: nothing to link
    openid = await follow(app, client, "frank", int(time.time()) - 60)
    assert (await followers(ctx))[openid].member_id == frank.member_id
    before = await snapshot(ctx, "notification_oa_follower")
    await drain_outbox(ctx)
    assert await snapshot(ctx, "notification_oa_follower") == before
