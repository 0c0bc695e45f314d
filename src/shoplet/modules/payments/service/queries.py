"""Reading an order's payments, refunds and amounts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.payments import repository as repo
from shoplet.modules.payments.schemas import PaymentAmounts, PaymentInfo, RefundInfo

# --- reads ---------------------------------------------------------------------------------


async def amounts_for_order(session: AsyncSession, order_no: str) -> PaymentAmounts:
    totals = await repo.order_event_totals(session, order_no)
    requested = totals.get("refund_requested", 0)
    refunded = totals.get("refund_succeeded", 0)
    failed = totals.get("refund_failed", 0)
    return PaymentAmounts(
        paid=totals.get("succeeded", 0),
        refunded=refunded,
        refunding=requested - refunded - failed,
    )


async def payments_for_order(session: AsyncSession, order_no: str) -> list[PaymentInfo]:
    return [
        PaymentInfo(
            payment_no=p.payment_no,
            order_no=p.order_no,
            channel=p.channel,
            amount=p.amount,
            status=p.status,
            transaction_id=p.transaction_id,
            paid_at=p.paid_at,
            created_at=p.created_at,
        )
        for p in await repo.list_payments(session, order_no)
    ]


async def mini_program_payer(session: AsyncSession, order_no: str) -> tuple[str, str] | None:
    """(transaction_id, payer openid) of the order's settled mini-program (JSAPI) payment, for
    WeChat's 发货信息录入; None when it was paid otherwise or not at all."""
    for p in await repo.list_payments(session, order_no):
        if p.channel == "wechat_jsapi" and p.transaction_id and p.payer_openid:
            return p.transaction_id, p.payer_openid
    return None


async def refunds_for_order(session: AsyncSession, order_no: str) -> list[RefundInfo]:
    payments = {p.id: p.payment_no for p in await repo.list_payments(session, order_no)}
    return [
        RefundInfo(
            refund_no=r.refund_no,
            order_no=r.order_no,
            payment_no=payments.get(r.payment_id, ""),
            aftersale_no=r.aftersale_no,
            amount=r.amount,
            reason=r.reason,
            status=r.status,
            wechat_refund_id=r.wechat_refund_id,
            last_error=r.last_error,
            created_at=r.created_at,
            succeeded_at=r.succeeded_at,
        )
        for r in await repo.list_refunds(session, order_no)
    ]
