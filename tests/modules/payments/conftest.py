"""Payments test helpers: the app's WeChat Pay client and simulator, and plain async factories."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import OutboxEvent
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.pay import WeChatPayClient
from shoplet.integrations.wechat.pay_simulator import WeChatPaySimulator
from shoplet.modules.payments.models import Payment, PaymentEvent, Refund
from shoplet.modules.payments.public import PrepayResult, request_prepay, request_refund

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
MEMBER_ID = 7


@pytest.fixture
def pay(app: FastAPI) -> WeChatPayClient:
    integrations: Integrations = app.state.integrations
    return integrations.wechat_pay


@pytest.fixture
def sim(app: FastAPI) -> WeChatPaySimulator:
    integrations: Integrations = app.state.integrations
    assert integrations.wechat_pay_simulator is not None
    return integrations.wechat_pay_simulator


def alerts(ctx: AppContext) -> float:
    """How many unmatched WeChat Pay notifies were acknowledged with an alert."""
    value = ctx.metrics.registry.get_sample_value(
        "shoplet_alerts_total", {"kind": "wechatpay_notify_unmatched"}
    )
    return value or 0.0


async def prepay(
    ctx: AppContext,
    pay: WeChatPayClient,
    *,
    order_no: str = "SO20240520000001",
    amount: int = 2990,
    channel: Literal["wechat_jsapi", "wechat_h5"] = "wechat_jsapi",
    openid: str | None = OPENID,
    member_id: int = MEMBER_ID,
    expires_in: timedelta = timedelta(minutes=30),
) -> PrepayResult:
    return await request_prepay(
        ctx,
        pay,
        order_no=order_no,
        member_id=member_id,
        amount=amount,
        description="Shoplet 测试商品 ×1",
        payer_openid=openid,
        channel=channel,
        time_expire=utcnow() + expires_in,
        client_ip="203.0.113.7",
    )


async def paid(
    ctx: AppContext,
    pay: WeChatPayClient,
    sim: WeChatPaySimulator,
    *,
    order_no: str = "SO20240520000001",
    amount: int = 2990,
) -> PrepayResult:
    """A payment the shopper paid, its notify delivered to (and accepted by) the app."""
    result = await prepay(ctx, pay, order_no=order_no, amount=amount)
    _txn, delivery = await sim.pay(result.prepay_id)
    assert delivery is not None
    assert delivery.status_code == 204, delivery.response_text
    return result


async def refund(
    ctx: AppContext,
    *,
    order_no: str = "SO20240520000001",
    amount: int,
    aftersale_no: str | None = None,
    reason: str = "不想要了",
) -> str:
    async with unit_of_work(ctx.sessionmaker) as session:
        return await request_refund(
            session, order_no=order_no, aftersale_no=aftersale_no, amount=amount, reason=reason
        )


async def payment_row(ctx: AppContext, payment_no: str) -> Payment:
    async with ctx.sessionmaker() as session:
        row = await session.scalar(select(Payment).where(Payment.payment_no == payment_no))
        assert row is not None
        return row


async def refund_row(ctx: AppContext, refund_no: str) -> Refund:
    async with ctx.sessionmaker() as session:
        row = await session.scalar(select(Refund).where(Refund.refund_no == refund_no))
        assert row is not None
        return row


async def history(ctx: AppContext, payment_no: str) -> list[tuple[str, int]]:
    """(kind, amount) of a payment's events, oldest first."""
    async with ctx.sessionmaker() as session:
        rows = await session.execute(
            select(PaymentEvent.kind, PaymentEvent.amount)
            .join(Payment, Payment.id == PaymentEvent.payment_id)
            .where(Payment.payment_no == payment_no)
            .order_by(PaymentEvent.id)
        )
        return [(kind, amount) for kind, amount in rows]


async def published(ctx: AppContext, type: str) -> list[dict[str, Any]]:
    """Payloads of the outbox events of ``type``, oldest first."""
    async with ctx.sessionmaker() as session:
        rows = await session.scalars(
            select(OutboxEvent.payload).where(OutboxEvent.type == type).order_by(OutboxEvent.id)
        )
        return [dict(row) for row in rows]


async def backdate_payment(ctx: AppContext, payment_no: str, by: timedelta) -> None:
    """Pretend the prepay (or the close) happened ``by`` ago."""
    async with unit_of_work(ctx.sessionmaker) as session:
        row = await session.scalar(select(Payment).where(Payment.payment_no == payment_no))
        assert row is not None
        values: dict[str, datetime] = {"updated_at": row.updated_at - by}
        if row.prepaid_at is not None:
            values["prepaid_at"] = row.prepaid_at - by
        await session.execute(update(Payment).where(Payment.id == row.id).values(**values))


async def backdate_refund(ctx: AppContext, refund_no: str, by: timedelta) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        row = await session.scalar(select(Refund).where(Refund.refund_no == refund_no))
        assert row is not None
        await session.execute(
            update(Refund).where(Refund.id == row.id).values(updated_at=row.updated_at - by)
        )
