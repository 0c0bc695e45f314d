"""Subscribe messages end to end against the simulator: templates from the console, accepts
as credits, sends from order events by the worker's job, every WeChat error code, field
limits before the call, and on PostgreSQL N credits yielding exactly N sends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event
from shoplet.integrations.wechat.login_simulator import openid_for
from shoplet.integrations.wechat.subscribe_simulator import SubscribeMessageSimulator
from shoplet.integrations.wechat.wxacode_simulator import WxacodeSimulator
from shoplet.modules.notification import service, tasks
from shoplet.modules.notification.models import NotificationCredit, NotificationSend
from tests.conftest import BackendDb, snapshot
from tests.modules.orders.factories import Shopper, shopper
from tests.modules.staff.conftest import bearer as staff_bearer
from tests.modules.staff.conftest import token_for

TEMPLATES = "/api/v1/console/subscribe-messages/templates"
SENDS = "/api/v1/console/subscribe-messages/sends"
ANSWERS = "/api/v1/me/subscriptions"
PAID_TID = "pay-ok-TMPL-0001"
KEYS = ("character_string1", "amount2", "time3", "phrase4")
FIELDS = {
    "character_string1": "order_no",
    "amount2": "amount",
    "time3": "paid_at",
    "phrase4": "status",
}


def sim(app: FastAPI) -> SubscribeMessageSimulator:
    found = app.state.integrations.subscribe_simulator
    assert isinstance(found, SubscribeMessageSimulator)
    return found


async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return staff_bearer(await token_for(client, ctx, "olivia", role="operator"))


async def configure(
    client: httpx.AsyncClient, headers: dict[str, str], fields: dict[str, str] = FIELDS
) -> dict[str, Any]:
    response = await client.put(
        f"{TEMPLATES}/payment_success",
        json={"template_id": PAID_TID, "page": "pages/orders/detail", "fields": fields},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def accept(client: httpx.AsyncClient, who: Shopper, times: int = 1) -> dict[str, Any]:
    for _ in range(times):
        response = await client.post(
            ANSWERS, json={"results": {PAID_TID: "accept"}}, headers=who.headers
        )
        assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def paid(member_id: int, order_no: str, amount: int = 5900) -> Event:
    at = datetime(2026, 1, 2, 7, 30, tzinfo=UTC)
    return Event(
        id=f"e-{order_no}",
        type="order.paid",
        key=order_no,
        payload={"order_no": order_no, "member_id": member_id, "amount": amount,
                 "paid_at": at.isoformat()},
        occurred_at=at,
    )  # fmt: skip


async def order_paid(ctx: AppContext, member_id: int, order_no: str, amount: int = 5900) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await tasks.on_order_paid(paid(member_id, order_no, amount), session)


async def sends(ctx: AppContext) -> list[NotificationSend]:
    async with ctx.sessionmaker() as s:
        return list(await s.scalars(select(NotificationSend).order_by(NotificationSend.id)))


async def credits(ctx: AppContext, member_id: int) -> int:
    async with ctx.sessionmaker() as s:
        found = await s.scalar(
            select(NotificationCredit.credits).where(NotificationCredit.member_id == member_id)
        )
    return int(found or 0)


async def ready(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> tuple[Shopper, dict[str, str]]:
    headers = await staff(client, ctx)
    await configure(client, headers)
    sim(app).add_template(PAID_TID, KEYS)
    return await shopper(client, "alice"), headers


async def test_an_accept_becomes_one_message(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, headers = await ready(app, client, ctx)
    answered = await accept(client, alice)
    assert answered == {"credits": {PAID_TID: 1}}
    sim(app).accept(openid_for("alice", ctx.settings.wechat_appid), PAID_TID)
    await order_paid(ctx, alice.member_id, "S202601020001")
    await order_paid(ctx, alice.member_id, "S202601020001")  # redelivered: one send
    await tasks.send_pending(ctx)
    [row] = await sends(ctx)
    assert (row.status, row.errcode, row.template_id) == ("sent", 0, PAID_TID)
    [body] = sim(app).sent
    assert body == {
        "touser": openid_for("alice", ctx.settings.wechat_appid),
        "template_id": PAID_TID,
        "page": "pages/orders/detail",
        "miniprogram_state": "formal",
        "lang": "zh_CN",
        "data": {
            "character_string1": {"value": "S202601020001"},
            "amount2": {"value": "¥59.00"},
            "time3": {"value": "2026年1月2日 15:30"},
            "phrase4": {"value": "支付成功"},
        },
    }
    assert await credits(ctx, alice.member_id) == 0
    # A second order: no credit left, nothing sent.
    await order_paid(ctx, alice.member_id, "S202601020002")
    await tasks.send_pending(ctx)
    assert [r.status for r in await sends(ctx)] == ["sent", "no_credit"]
    assert len(sim(app).sent) == 1
    log = await client.get(SENDS, headers=headers)
    assert [s["status"] for s in log.json()["items"]] == ["no_credit", "sent"]
    only = await client.get(SENDS, params={"status": "sent"}, headers=headers)
    assert [s["ref"] for s in only.json()["items"]] == ["S202601020001"]


async def test_43101_consumes_the_credit_and_is_recorded(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, _ = await ready(app, client, ctx)
    await accept(client, alice, 2)  # WeChat holds none (turned off in WeChat's settings)
    await order_paid(ctx, alice.member_id, "S1")
    await tasks.send_pending(ctx)
    [row] = await sends(ctx)
    assert (row.status, row.errcode) == ("refused", 43101)
    assert await credits(ctx, alice.member_id) == 1


async def test_47003_is_recorded_without_retry_and_the_credit_returns(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, _ = await ready(app, client, ctx)
    sim(app).add_template(PAID_TID, ("thing1", "amount2"))  # WeChat's template has other keys
    await accept(client, alice)
    sim(app).accept(openid_for("alice", ctx.settings.wechat_appid), PAID_TID)
    await order_paid(ctx, alice.member_id, "S1")
    await tasks.send_pending(ctx)
    await tasks.send_pending(ctx)
    [row] = await sends(ctx)
    assert (row.status, row.errcode) == ("params_invalid", 47003)
    assert await credits(ctx, alice.member_id) == 1
    assert sim(app).sent == []


async def test_40037_disables_the_template_with_a_notice(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, headers = await ready(app, client, ctx)
    del sim(app).templates[PAID_TID]  # the merchant deleted it in WeChat
    await accept(client, alice)
    await order_paid(ctx, alice.member_id, "S1")
    await tasks.send_pending(ctx)
    [row] = await sends(ctx)
    assert (row.status, row.errcode) == ("template_invalid", 40037)
    [template] = (await client.get(TEMPLATES, headers=headers)).json()["items"]
    assert template["is_enabled"] is False
    assert "40037" in template["disabled_reason"]
    # A disabled template records no more sends.
    await order_paid(ctx, alice.member_id, "S2")
    assert len(await sends(ctx)) == 1


async def test_an_expired_token_is_refreshed(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, _ = await ready(app, client, ctx)
    await accept(client, alice)
    sim(app).accept(openid_for("alice", ctx.settings.wechat_appid), PAID_TID)
    codes = app.state.wxacode_simulator
    assert isinstance(codes, WxacodeSimulator)
    await order_paid(ctx, alice.member_id, "S1")
    codes.expire_tokens()
    await tasks.send_pending(ctx)
    assert [r.status for r in await sends(ctx)] == ["sent"]


async def test_a_value_over_its_limit_is_refused_before_the_call(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, _ = await ready(app, client, ctx)
    await accept(client, alice)
    sim(app).accept(openid_for("alice", ctx.settings.wechat_appid), PAID_TID)
    await order_paid(ctx, alice.member_id, "S" + "1" * 40)  # character_string: 32 at most
    await tasks.send_pending(ctx)
    [row] = await sends(ctx)
    assert (row.status, row.error) == (
        "field_invalid",
        "notification.field_too_long:character_string1",
    )
    assert await credits(ctx, alice.member_id) == 1  # no credit spent
    assert sim(app).sent == []


async def test_bad_console_and_shopper_input_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, headers = await ready(app, client, ctx)
    tables = ("notification_template", "notification_credit", "notification_send")
    before = await snapshot(ctx, *tables)
    unknown_type = await client.put(
        f"{TEMPLATES}/shipped",
        json={"template_id": "T2", "fields": {"colour1": "order_no"}},
        headers=headers,
    )
    assert (unknown_type.status_code, unknown_type.json()["code"]) == (
        400,
        "notification.field_type_unknown",
    )
    unknown_source = await client.put(
        f"{TEMPLATES}/shipped",
        json={"template_id": "T2", "fields": {"thing1": "amount"}},
        headers=headers,
    )
    assert (unknown_source.status_code, unknown_source.json()["code"]) == (
        400,
        "notification.source_unknown",
    )
    other = await client.post(
        ANSWERS, json={"results": {"not-ours": "accept"}}, headers=alice.headers
    )
    assert (other.status_code, other.json()["code"]) == (400, "notification.template_unknown")
    bad_answer = await client.post(
        ANSWERS, json={"results": {PAID_TID: "maybe"}}, headers=alice.headers
    )
    assert bad_answer.status_code == 422
    support = staff_bearer(await token_for(client, ctx, "sam", role="support"))
    assert (await client.get(TEMPLATES, headers=support)).status_code == 403
    assert await snapshot(ctx, *tables) == before
    public = await client.get("/api/v1/subscribe-templates")
    assert public.json() == [{"event": "payment_success", "template_id": PAID_TID}]


async def test_n_credits_yield_exactly_n_sends(
    backend_db: BackendDb, app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    if backend_db.name != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    alice, _ = await ready(app, client, ctx)
    await accept(client, alice, 5)
    sim(app).accept(openid_for("alice", ctx.settings.wechat_appid), PAID_TID, times=50)
    for i in range(20):
        await order_paid(ctx, alice.member_id, f"S{i:04d}")
    ids = [r.id for r in await sends(ctx)]
    start = asyncio.Event()

    async def worker(send_id: int) -> str | None:
        await start.wait()
        return await service.deliver_one(ctx, send_id)

    # Every row twice: two workers on one row must not send it twice either.
    runs = [asyncio.create_task(worker(i)) for i in ids + ids]
    await asyncio.sleep(0.05)
    start.set()
    results = await asyncio.gather(*runs)
    assert results.count("sent") == 5
    assert results.count("no_credit") == 15
    assert results.count(None) == 20
    assert len(sim(app).sent) == 5
    assert await credits(ctx, alice.member_id) == 0


async def test_the_simulator_takes_its_template_and_accepts_over_http(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    """What a browser test or the embedded demo drives: the merchant's WeChat template library
    and the phone's 允许 through the simulator's control routes; bad bodies are 400."""
    headers = await staff(client, ctx)
    await configure(client, headers)
    alice = await shopper(client, "alice")
    await accept(client, alice)
    openid = openid_for("alice", ctx.settings.wechat_appid)

    added = await client.post(
        "/_sim/wxacode/sim/subscribe/template", json={"template_id": PAID_TID, "keys": list(KEYS)}
    )
    accepted = await client.post(
        "/_sim/wxacode/sim/subscribe/accept", json={"openid": openid, "template_id": PAID_TID}
    )
    bad = [
        await client.post("/_sim/wxacode/sim/subscribe/template", json={"keys": ["thing1"]}),
        await client.post("/_sim/wxacode/sim/subscribe/accept", content=b"{"),
    ]
    await order_paid(ctx, alice.member_id, "S202601020009")
    await tasks.send_pending(ctx)

    assert (added.status_code, accepted.status_code) == (200, 200)
    assert accepted.json() == {"accepts": 1}
    assert [b.status_code for b in bad] == [400, 400]
    [row] = await sends(ctx)
    assert (row.status, row.ref) == ("sent", "S202601020009")
    assert sim(app).accepts[(openid, PAID_TID)] == 0
