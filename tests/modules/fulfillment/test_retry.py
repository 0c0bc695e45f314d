"""重试 in the console: a failed tracking subscription is queued again with a fresh attempt
budget (one audit entry); what is not failed or waiting cannot be retried and nothing
changes."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.jobs import run_job
from shoplet.modules.fulfillment.models import Shipment
from tests.conftest import snapshot
from tests.modules.fulfillment.factories import kuaidi100, shipped_order
from tests.modules.staff.conftest import audit_rows, bearer, token_for

SUBSCRIBE = "fulfillment.subscribe_tracking"
CONSOLE = "/api/v1/console"


async def shipment_of(ctx: AppContext, order_no: str) -> Shipment:
    async with ctx.sessionmaker() as s:
        return (await s.scalars(select(Shipment).where(Shipment.order_no == order_no))).one()


async def test_a_failed_subscription_is_retried_from_the_console(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    staff = bearer(await token_for(client, ctx, "shipper", role="owner"))
    # SF wants the receiver's phone: without it Kuaidi100 refuses for good (failed at once).
    order_no = await shipped_order(app, ctx, carrier="顺丰速运", tracking_no="SF1400000002")
    async with ctx.sessionmaker() as s:
        row = (await s.scalars(select(Shipment).where(Shipment.order_no == order_no))).one()
        contact, row.receiver_contact = row.receiver_contact, None
        await s.commit()
    await run_job(ctx, SUBSCRIBE)
    assert (await shipment_of(ctx, order_no)).subscribe_status == "failed"

    # The merchant fixes the cause, then clicks 重试.
    async with ctx.sessionmaker() as s:
        row = (await s.scalars(select(Shipment).where(Shipment.order_no == order_no))).one()
        row.receiver_contact = contact
        await s.commit()
    retried = await client.post(
        f"{CONSOLE}/orders/{order_no}/tracking/subscribe/retry", headers=staff
    )
    assert retried.status_code == 200, retried.text
    assert retried.json()["subscribe_status"] == "pending"
    queued = await shipment_of(ctx, order_no)
    assert (queued.subscribe_status, queued.subscribe_attempts) == ("pending", 0)
    await run_job(ctx, SUBSCRIBE)
    assert (await shipment_of(ctx, order_no)).subscribe_status == "subscribed"
    assert ("shunfeng", "SF1400000002") in kuaidi100(app).subscriptions
    assert len(await audit_rows(ctx, "fulfillment.retry")) == 1

    before = await snapshot(ctx)
    for path, status, code in [
        (f"/orders/{order_no}/tracking/subscribe/retry", 409, "fulfillment.retry_not_allowed"),
        ("/orders/99999999/tracking/wechat/retry", 404, "fulfillment.shipment_not_found"),
    ]:
        refused = await client.post(CONSOLE + path, headers=staff)
        assert (refused.status_code, refused.json()["code"]) == (status, code)
    bad_kind = await client.post(f"{CONSOLE}/orders/{order_no}/tracking/sms/retry", headers=staff)
    assert bad_kind.status_code == 422
    assert await snapshot(ctx) == before
