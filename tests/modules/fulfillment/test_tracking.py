"""Shipping subscribes the parcel to Kuaidi100 (retried with backoff), WeChat learns of the
shipment, signed pushes build the shopper's timeline (bad signatures, unknown numbers, repeats
and late pushes change nothing), and 签收 makes the order received N days later."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.events import OutboxEvent
from shoplet.core.jobs import run_job
from shoplet.integrations.logistics.kuaidi100 import push_sign
from shoplet.integrations.setup import Integrations
from shoplet.modules.fulfillment import public as fulfillment
from shoplet.modules.fulfillment.models import Shipment, TrackingEvent
from shoplet.modules.orders.models import Order
from shoplet.modules.payments import public as payments
from tests.conftest import snapshot
from tests.modules.fulfillment.factories import CALLBACK, kuaidi100, shipped_order, track
from tests.modules.orders.console_factories import OPENID, shopper_headers

SUBSCRIBE = "fulfillment.subscribe_tracking"
UPLOAD = "fulfillment.upload_wechat_shipping"


async def shipment_of(ctx: AppContext, order_no: str) -> Shipment:
    async with ctx.sessionmaker() as s:
        return (await s.scalars(select(Shipment).where(Shipment.order_no == order_no))).one()


async def order_of(ctx: AppContext, order_no: str) -> Order:
    async with ctx.sessionmaker() as s:
        return (await s.scalars(select(Order).where(Order.order_no == order_no))).one()


async def test_shipping_subscribes_the_parcel_and_uploads_to_wechat_once(
    app: FastAPI, ctx: AppContext
) -> None:
    order_no = await shipped_order(app, ctx)
    shipment = await shipment_of(ctx, order_no)
    assert (shipment.carrier_code, shipment.subscribe_status, shipment.wechat_status) == (
        "zhongtong",
        "pending",
        "pending",
    )
    assert shipment.receiver_contact == "138****8000"

    await run_job(ctx, SUBSCRIBE)
    await run_job(ctx, UPLOAD)

    sim = kuaidi100(app)
    sub = sim.subscriptions[("zhongtong", "ZT7788990011")]
    assert sub.callback_url.endswith(CALLBACK)
    assert sub.salt == ctx.settings.kuaidi100_salt.get_secret_value()
    integrations: Integrations = app.state.integrations
    wechat = integrations.wechat_shipping_simulator
    assert wechat is not None
    [(transaction_id, body)] = wechat.uploads.items()
    assert transaction_id.startswith("42000")
    assert body["payer"] == {"openid": OPENID}
    assert body["shipping_list"] == [
        {
            "tracking_no": "ZT7788990011",
            "express_company": "ZTO",
            "item_desc": "纯棉圆领T恤",
            "contact": {"receiver_contact": "138****8000"},
        }
    ]
    shipment = await shipment_of(ctx, order_no)
    assert (shipment.subscribe_status, shipment.wechat_status) == ("subscribed", "uploaded")

    before = await snapshot(ctx)
    await run_job(ctx, SUBSCRIBE)
    await run_job(ctx, UPLOAD)
    await payments.settle(ctx)
    assert await snapshot(ctx) == before
    assert len(sim.subscriptions) == 1


async def test_failed_subscriptions_are_retried_with_backoff(app: FastAPI, ctx: AppContext) -> None:
    sim = kuaidi100(app)
    sim.fail_next = 2
    order_no = await shipped_order(app, ctx)
    start = (await shipment_of(ctx, order_no)).created_at
    ctx.extras["fulfillment.clock"] = lambda: start

    await run_job(ctx, SUBSCRIBE)
    first = await shipment_of(ctx, order_no)
    assert (first.subscribe_status, first.subscribe_attempts) == ("pending", 1)
    assert first.subscribe_next_at == start + timedelta(minutes=1)
    assert first.subscribe_error is not None
    assert first.subscribe_error.startswith("500")

    ctx.extras["fulfillment.clock"] = lambda: start + timedelta(seconds=59)
    before = await snapshot(ctx)
    await run_job(ctx, SUBSCRIBE)
    assert await snapshot(ctx) == before

    ctx.extras["fulfillment.clock"] = lambda: start + timedelta(minutes=1)
    await run_job(ctx, SUBSCRIBE)
    second = await shipment_of(ctx, order_no)
    assert (second.subscribe_attempts, second.subscribe_next_at) == (
        2,
        start + timedelta(minutes=3),
    )

    ctx.extras["fulfillment.clock"] = lambda: start + timedelta(minutes=3)
    await run_job(ctx, SUBSCRIBE)
    done = await shipment_of(ctx, order_no)
    assert (done.subscribe_status, done.subscribe_attempts) == ("subscribed", 3)
    assert ("zhongtong", "ZT7788990011") in sim.subscriptions


async def test_a_refused_subscription_is_not_retried(app: FastAPI, ctx: AppContext) -> None:
    # SF wants the receiver's phone; an order shipped without the cipher has none to give.
    order_no = await shipped_order(app, ctx, carrier="顺丰速运", tracking_no="SF1400000001")
    async with ctx.sessionmaker() as s:
        row = (await s.scalars(select(Shipment).where(Shipment.order_no == order_no))).one()
        row.receiver_contact = None
        await s.commit()

    await run_job(ctx, SUBSCRIBE)

    failed = await shipment_of(ctx, order_no)
    assert (failed.subscribe_status, failed.subscribe_attempts) == ("failed", 1)
    assert failed.subscribe_error is not None
    assert failed.subscribe_error.startswith("700")


async def test_pushes_build_the_shoppers_timeline(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    order_no = await shipped_order(app, ctx)
    await run_job(ctx, SUBSCRIBE)
    sim = kuaidi100(app)
    steps = track()

    answer = await sim.push("zhongtong", "ZT7788990011", steps[:3])

    assert answer.status_code == 200
    assert answer.json() == {"result": True, "returnCode": "200", "message": "成功"}
    seen = await client.get(f"/api/v1/orders/{order_no}/tracking", headers=shopper_headers(ctx))
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert (body["carrier_name"], body["tracking_no"], body["stage"]) == (
        "中通快递",
        "ZT7788990011",
        "delivering",
    )
    assert [(e["stage"], e["context"]) for e in body["events"]] == [
        ("delivering", "【上海市】快递员正在派件，电话 13800000000"),
        ("in_transit", "【深圳市】已发往 上海转运中心"),
        ("collected", "【深圳市】快递员已揽收"),
    ]
    # Kuaidi100's Asia/Shanghai times, stored in UTC.
    assert body["events"][-1]["occurred_at"] == steps[0].at.isoformat().replace("+00:00", "Z")

    other = await client.get(
        f"/api/v1/orders/{order_no}/tracking", headers=shopper_headers(ctx, member_id=1002)
    )
    assert other.status_code == 404
    assert other.json()["code"] == "fulfillment.shipment_not_found"


async def test_repeated_and_late_pushes_change_nothing(app: FastAPI, ctx: AppContext) -> None:
    order_no = await shipped_order(app, ctx)
    await run_job(ctx, SUBSCRIBE)
    sim = kuaidi100(app)
    steps = track()
    await sim.push("zhongtong", "ZT7788990011", steps[:3])
    before = await snapshot(ctx)

    again = await sim.push("zhongtong", "ZT7788990011", steps[:3])
    late = await sim.push("zhongtong", "ZT7788990011", steps[:2])

    assert again.json()["result"] is True
    assert late.json()["result"] is True
    assert await snapshot(ctx) == before
    shipment = await shipment_of(ctx, order_no)
    assert (shipment.stage, shipment.state_at) == ("delivering", steps[2].at)


async def test_bad_signatures_and_unknown_numbers_are_refused_and_change_nothing(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    await shipped_order(app, ctx)
    await run_job(ctx, SUBSCRIBE)
    sim = kuaidi100(app)
    before = await snapshot(ctx)
    failed = {"result": False, "returnCode": "500", "message": "失败"}

    forged = await sim.push("zhongtong", "ZT7788990011", track(), bad_sign=True)
    param = sim.push_param("zhongtong", "ZT0000000404", track())
    salt = ctx.settings.kuaidi100_salt.get_secret_value()
    unknown = await client.post(CALLBACK, data={"param": param, "sign": push_sign(param, salt)})
    unsigned = await client.post(CALLBACK, data={"param": param})
    garbled = await client.post(
        CALLBACK, data={"param": "{not json", "sign": push_sign("{not json", salt)}
    )

    for answer in (forged, unknown, unsigned, garbled):
        assert answer.status_code == 200
        assert answer.json() == failed
    assert await snapshot(ctx) == before


async def test_signed_for_orders_are_received_n_days_later(app: FastAPI, ctx: AppContext) -> None:
    order_no = await shipped_order(app, ctx)
    await run_job(ctx, SUBSCRIBE)
    steps = track()
    signed_at = steps[-1].at
    # Pushed out of order: the signature first, the earlier lines after it.
    await kuaidi100(app).push("zhongtong", "ZT7788990011", steps)
    await kuaidi100(app).push("zhongtong", "ZT7788990011", steps[:2])
    await payments.settle(ctx)

    order = await order_of(ctx, order_no)
    assert (order.status, order.signed_at) == ("shipped", signed_at)
    shipment = await shipment_of(ctx, order_no)
    assert (shipment.stage, shipment.signed_at) == ("signed", signed_at)

    days = ctx.settings.orders_auto_receive_after_signed_days
    assert days == 7
    ctx.extras["orders.clock"] = lambda: signed_at + timedelta(days=days) - timedelta(seconds=1)
    await run_job(ctx, "orders.auto_complete")
    assert (await order_of(ctx, order_no)).status == "shipped"

    ctx.extras["orders.clock"] = lambda: signed_at + timedelta(days=days)
    await run_job(ctx, "orders.auto_complete")
    received = await order_of(ctx, order_no)
    assert received.status == "received"
    assert received.received_at == signed_at + timedelta(days=days)

    # The signature is news once: a repeated push publishes nothing more.
    await payments.settle(ctx)
    before = await snapshot(ctx)
    await kuaidi100(app).push("zhongtong", "ZT7788990011", steps)
    await payments.settle(ctx)
    assert await snapshot(ctx) == before


async def test_concurrent_pushes_store_each_line_once_and_sign_once(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    order_no = await shipped_order(app, ctx)
    await run_job(ctx, SUBSCRIBE)
    sim = kuaidi100(app)
    param = sim.push_param("zhongtong", "ZT7788990011", track())
    sign = push_sign(param, ctx.settings.kuaidi100_salt.get_secret_value())

    answers = await asyncio.gather(
        *(client.post(CALLBACK, data={"param": param, "sign": sign}) for _ in range(12))
    )

    # A push that lost a race on a line is answered false and pushed again by Kuaidi100.
    assert all(a.status_code == 200 for a in answers)
    assert any(a.json()["result"] is True for a in answers)
    async with ctx.sessionmaker() as s:
        lines = await s.scalar(
            select(func.count())
            .select_from(TrackingEvent)
            .join(Shipment, Shipment.id == TrackingEvent.shipment_id)
            .where(Shipment.order_no == order_no)
        )
        signed = await s.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.type == fulfillment.SHIPMENT_SIGNED)
        )
    assert (lines, signed) == (4, 1)
