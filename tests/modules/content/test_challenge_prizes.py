"""话题挑战 prizes after the settlement, on both backends: each winner who accepted the 获奖通知
on 参与挑战 gets one subscribe message through the simulator (a settlement replayed sends
nothing twice); a coupon prize that could not be issued is retried by the job with a growing
delay and given up (放弃) after the last attempt with promotions' reason; the console's 重新发放
issues it, and answers 409 once it is issued, changing nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.jobs import run_job
from shoplet.integrations.wechat.login_simulator import openid_for
from shoplet.modules.content import service
from shoplet.modules.content.models import ChallengeWinner, Notice
from shoplet.modules.content.service.prizes import MAX_ATTEMPTS, RETRY_BASE
from shoplet.modules.content.tasks import RETRY_PRIZES_JOB
from shoplet.modules.notification import tasks as notification_tasks
from shoplet.modules.notification.models import NotificationSend
from shoplet.modules.promotions.models import Coupon, CouponTemplate
from tests.conftest import snapshot
from tests.modules.content.factories import API, CONSOLE, topic
from tests.modules.content.test_challenges import TABLES, approved_post, end_now, like, save
from tests.modules.notification.test_sends import sim
from tests.modules.notification.test_sends import staff as notification_staff
from tests.modules.orders.factories import Shopper, shopper
from tests.modules.promotions.factories import claimed, make_template

PRIZE_TID = "prize-TMPL"
PRIZE_FIELDS = {"thing1": "challenge_name", "thing2": "prize", "time3": "settled_at"}


async def winners(client: httpx.AsyncClient, staff: dict[str, str], topic_id: int) -> Any:
    response = await client.get(f"{CONSOLE}/topics/{topic_id}/challenge", headers=staff)
    assert response.status_code == 200, response.text
    return response.json()["winners"]


async def reissue(
    client: httpx.AsyncClient, staff: dict[str, str], topic_id: int, rank: int
) -> httpx.Response:
    return await client.post(
        f"{CONSOLE}/topics/{topic_id}/challenge/winners/{rank}/reissue", headers=staff
    )


async def settled_with_exhausted_coupon(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], name: str
) -> tuple[int, int, Shopper, Shopper]:
    """A settled challenge whose rank 1 coupon could not be issued (its quota was taken by
    another shopper); rank 2 wins points only. (topic, coupon template, winner 1, winner 2)"""
    topic_id = await topic(client, staff, name)
    coupon = await make_template(client, staff, name="冠军券", total_quota=1)
    saved = await save(
        client,
        staff,
        topic_id,
        prizes=[
            {"rank": 1, "points": 100, "coupon_template_id": coupon["id"]},
            {"rank": 2, "points": 50},
        ],
    )
    assert saved.status_code == 200, saved.text
    first, second, fan = [await shopper(client, f"{name}-{n}") for n in ("a", "b", "f")]
    p1 = await approved_post(client, first, topic_id, "第一名的作品")
    await approved_post(client, second, topic_id, "第二名的作品")
    await like(client, fan, p1)
    await claimed(client, fan, coupon["id"])  # the quota's one copy is gone
    await end_now(ctx, topic_id)
    settled = await client.post(f"{CONSOLE}/topics/{topic_id}/challenge/settle", headers=staff)
    assert settled.status_code == 200, settled.text
    return topic_id, int(coupon["id"]), first, second


async def raise_quota(ctx: AppContext, template_id: int) -> None:
    """The merchant adds copies to the coupon (its quota raised)."""
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(CouponTemplate).where(CouponTemplate.id == template_id).values(total_quota=5)
        )


async def coupons_of(ctx: AppContext, member_id: int) -> int:
    async with ctx.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).where(Coupon.member_id == member_id)) or 0)


async def test_a_winner_who_accepted_gets_one_prize_message(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    operator = await notification_staff(client, ctx)
    configured = await client.put(
        "/api/v1/console/subscribe-messages/templates/challenge_prize",
        json={"template_id": PRIZE_TID, "page": "pkg-social/posts/index", "fields": PRIZE_FIELDS},
        headers=operator,
    )
    assert configured.status_code == 200, configured.text
    sim(app).add_template(PRIZE_TID, tuple(PRIZE_FIELDS))
    templates = (await client.get(f"{API}/subscribe-templates")).json()
    assert {"event": "challenge_prize", "template_id": PRIZE_TID} in templates

    topic_id = await topic(client, staff, "冬日穿搭挑战赛")
    saved = await save(
        client, staff, topic_id, prizes=[{"rank": 1, "points": 300}, {"rank": 2, "points": 100}]
    )
    assert saved.status_code == 200, saved.text
    alice, bob, fan = [await shopper(client, f"prize-{n}") for n in ("alice", "bob", "fan")]
    # Alice taps 参与挑战 in the mini program and accepts; Bob does not.
    answered = await client.post(
        f"{API}/me/subscriptions", json={"results": {PRIZE_TID: "accept"}}, headers=alice.headers
    )
    assert answered.status_code == 200, answered.text
    sim(app).accept(openid_for("prize-alice", ctx.settings.wechat_appid), PRIZE_TID)
    a1 = await approved_post(client, alice, topic_id, "羽绒服配围巾")
    await approved_post(client, bob, topic_id, "大衣")
    await like(client, fan, a1)
    await end_now(ctx, topic_id)
    settled = await client.post(f"{CONSOLE}/topics/{topic_id}/challenge/settle", headers=staff)
    assert settled.status_code == 200, settled.text
    await notification_tasks.send_pending(ctx)

    [body] = sim(app).sent
    assert body["touser"] == openid_for("prize-alice", ctx.settings.wechat_appid)
    assert body["template_id"] == PRIZE_TID
    data = {k: v["value"] for k, v in body["data"].items()}
    assert data["thing1"] == "#冬日穿搭挑战赛"
    assert data["thing2"] == "300积分"
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", data["time3"])
    async with ctx.sessionmaker() as s:
        rows = list(await s.scalars(select(NotificationSend).order_by(NotificationSend.member_id)))
    assert sorted((r.member_id, r.status, r.ref) for r in rows) == sorted(
        [
            (alice.member_id, "sent", f"challenge:{saved.json()['id']}"),
            (bob.member_id, "no_credit", f"challenge:{saved.json()['id']}"),
        ]
    )
    # Winners keep their in-app notice.
    notices = (await client.get(f"{API}/content/notices", headers=alice.headers)).json()
    assert [n["kind"] for n in notices] == ["challenge"]

    # Settled again (console and job), the message is not recorded or sent again.
    before = await snapshot(ctx, "notification_send", "notification_credit")
    again = await client.post(f"{CONSOLE}/topics/{topic_id}/challenge/settle", headers=staff)
    assert again.json()["settled"] is False
    await service.settle_due(ctx.sessionmaker)
    await notification_tasks.send_pending(ctx)
    assert await snapshot(ctx, "notification_send", "notification_credit") == before
    assert len(sim(app).sent) == 1


async def test_an_unissued_coupon_is_retried_then_issued_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    topic_id, template_id, first, second = await settled_with_exhausted_coupon(
        client, ctx, staff, "重试挑战"
    )
    [w1, w2] = await winners(client, staff, topic_id)
    assert (w1["coupon_status"], w1["coupon_skipped"], w1["coupon_attempts"]) == (
        "retrying",
        "promotions.quota_exhausted",
        1,
    )
    assert w1["coupon_template_id"] is None
    assert (w2["coupon_status"], w2["coupon_attempts"]) == (None, 0)

    # Not due yet: the job leaves it.
    before = await snapshot(ctx, *TABLES)
    await run_job(ctx, RETRY_PRIZES_JOB)
    assert await snapshot(ctx, *TABLES) == before

    # Due, still no copy left: tried again, the next try later.
    later = utcnow() + RETRY_BASE + timedelta(seconds=1)
    assert await service.retry_due(ctx.sessionmaker, now=later) == 0
    [w1, _] = await winners(client, staff, topic_id)
    assert (w1["coupon_status"], w1["coupon_attempts"]) == ("retrying", 2)
    assert w1["coupon_retry_at"] is not None

    # Copies added: the next due try issues it, and the winner is told.
    await raise_quota(ctx, template_id)
    assert await service.retry_due(ctx.sessionmaker, now=later + 2 * RETRY_BASE) == 1
    [w1, _] = await winners(client, staff, topic_id)
    assert (w1["coupon_status"], w1["coupon_template_id"], w1["coupon_skipped"]) == (
        "issued",
        template_id,
        None,
    )
    assert await coupons_of(ctx, first.member_id) == 1
    notices = (await client.get(f"{API}/content/notices", headers=first.headers)).json()
    assert any("已补发" in n["text"] for n in notices)

    # Issued: the job and the console change nothing (409 with a stable code).
    before = await snapshot(ctx, *TABLES, "content_notice", "staff_audit_log")
    assert await service.retry_due(ctx.sessionmaker, now=later + 100 * RETRY_BASE) == 0
    refused = await reissue(client, staff, topic_id, 1)
    assert (refused.status_code, refused.json()["code"]) == (409, "content.prize_already_issued")
    no_coupon = await reissue(client, staff, topic_id, 2)
    assert (no_coupon.status_code, no_coupon.json()["code"]) == (409, "content.prize_has_no_coupon")
    missing = await reissue(client, staff, topic_id, 3)
    assert (missing.status_code, missing.json()["code"]) == (404, "content.winner_not_found")
    no_challenge = await reissue(client, staff, topic_id + 999, 1)
    assert no_challenge.status_code == 404
    assert await snapshot(ctx, *TABLES, "content_notice", "staff_audit_log") == before
    assert await coupons_of(ctx, first.member_id) == 1
    assert await coupons_of(ctx, second.member_id) == 0


async def test_a_coupon_given_up_after_the_last_try_is_reissued_by_hand(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    topic_id, template_id, first, _ = await settled_with_exhausted_coupon(
        client, ctx, staff, "放弃挑战"
    )
    moment = utcnow()
    for _ in range(MAX_ATTEMPTS + 2):  # more runs than attempts: the job stops at the last
        moment += RETRY_BASE * 2**MAX_ATTEMPTS
        await service.retry_due(ctx.sessionmaker, now=moment)
    [w1, _] = await winners(client, staff, topic_id)
    assert (w1["coupon_status"], w1["coupon_attempts"], w1["coupon_retry_at"]) == (
        "given_up",
        MAX_ATTEMPTS,
        None,
    )
    assert w1["coupon_skipped"] == "promotions.quota_exhausted"

    # By hand, still none left: the reason is answered, the row keeps it.
    failed = await reissue(client, staff, topic_id, 1)
    assert failed.status_code == 200, failed.text
    assert (failed.json()["coupon_status"], failed.json()["coupon_skipped"]) == (
        "given_up",
        "promotions.quota_exhausted",
    )
    await raise_quota(ctx, template_id)
    done = await reissue(client, staff, topic_id, 1)
    assert done.status_code == 200, done.text
    assert (done.json()["coupon_status"], done.json()["coupon_template_id"]) == (
        "issued",
        template_id,
    )
    assert await coupons_of(ctx, first.member_id) == 1
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(ChallengeWinner).where(ChallengeWinner.rank == 1))
        told = await s.scalar(
            select(func.count()).where(
                Notice.member_id == first.member_id,
                Notice.kind.in_(("challenge", "challenge_coupon")),
            )
        )
    assert row is not None
    assert row.coupon_attempts == MAX_ATTEMPTS + 2
    assert told == 2  # the settlement's notice and the 补发 one
