"""A payment's outcome, from a WeChat Pay notify or a query, and closing a payment with its order
or on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.integrations.wechat.pay import (
    NotifyResource,
    WeChatPayClient,
    WeChatPayConfig,
    WeChatPayError,
)
from shoplet.integrations.wechat.pay import Transaction as WeChatTransaction
from shoplet.modules.payments import repository as repo
from shoplet.modules.payments.events import CLOSE_REQUESTED, PAYMENT_SUCCEEDED
from shoplet.modules.payments.models import OPEN_PAYMENT_STATUSES, Payment

from ._common import log

# --- payment success (notify, sync) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What applying WeChat's word did: ``applied``, ``duplicate`` (already recorded),
    ``ignored`` (nothing to record) or ``rejected`` (does not match our records; ``message``)."""

    result: Literal["applied", "duplicate", "ignored", "rejected"]
    message: str = ""

    @property
    def accepted(self) -> bool:
        return self.result != "rejected"


def _transaction_mismatch(
    payment: Payment, txn: WeChatTransaction, cfg: WeChatPayConfig
) -> str | None:
    if txn.mchid != cfg.mchid:
        return "mchid does not match"
    if txn.appid != cfg.appid:
        return "appid does not match"
    if txn.out_trade_no != payment.payment_no:
        return "out_trade_no does not match"
    if txn.total != payment.amount:
        return f"amount {txn.total} does not match the payment's {payment.amount}"
    if txn.currency != payment.currency:
        return f"currency {txn.currency} does not match"
    return None


async def apply_transaction(
    session: AsyncSession,
    cfg: WeChatPayConfig,
    txn: WeChatTransaction,
    *,
    source: str,
    notify_id: str | None = None,
) -> Outcome:
    """Record a paid transaction (notify, query): succeeded event + status + payment.succeeded,
    exactly once per payment; anything that does not match the payment is rejected unwritten."""
    payment = await repo.get_payment(session, txn.out_trade_no)
    if payment is None:
        return Outcome("rejected", f"unknown out_trade_no {txn.out_trade_no}")
    mismatch = _transaction_mismatch(payment, txn, cfg)
    if mismatch is not None:
        return Outcome("rejected", mismatch)
    if not txn.is_paid:
        return Outcome("ignored", f"trade_state {txn.trade_state}")
    now = utcnow()
    paid_at = txn.success_time or now
    if not await repo.mark_succeeded(
        session, payment.id, transaction_id=txn.transaction_id, paid_at=paid_at, now=now
    ):
        return Outcome("duplicate")
    await repo.add_event(
        session,
        payment_id=payment.id,
        kind="succeeded",
        amount=txn.total,
        data={
            "transaction_id": txn.transaction_id,
            "source": source,
            "notify_id": notify_id,
            "previous_status": payment.status,
            "success_time": paid_at.isoformat(),
        },
        now=now,
    )
    await publish(
        session,
        PAYMENT_SUCCEEDED,
        {
            "payment_no": payment.payment_no,
            "order_no": payment.order_no,
            "member_id": payment.member_id,
            "channel": payment.channel,
            "amount": txn.total,
            "transaction_id": txn.transaction_id,
            "paid_at": paid_at,
        },
        key=payment.order_no,
    )
    log.info(
        "payment_succeeded",
        payment_no=payment.payment_no,
        order_no=payment.order_no,
        amount=txn.total,
        source=source,
    )
    return Outcome("applied")


async def apply_payment_notify(
    session: AsyncSession, cfg: WeChatPayConfig, notify: NotifyResource
) -> Outcome:
    if notify.event_type != "TRANSACTION.SUCCESS":
        return Outcome("rejected", f"unexpected event_type {notify.event_type}")
    try:
        txn = notify.transaction()
    except ValueError as exc:
        return Outcome("rejected", f"malformed transaction: {exc}")
    if txn.trade_state != "SUCCESS":
        return Outcome("rejected", f"trade_state {txn.trade_state} in a success notify")
    return await apply_transaction(session, cfg, txn, source="notify", notify_id=notify.id)


async def sync_payment(ctx: AppContext, pay: WeChatPayClient, payment_no: str) -> Outcome:
    """Ask WeChat about a payment and record what it says (success, close, failure)."""
    try:
        txn = await pay.query_by_out_trade_no(payment_no)
    except WeChatPayError as exc:
        if exc.verified and exc.code == "ORDER_NOT_EXIST":
            return Outcome("ignored", "not at WeChat")
        log.warning("payments_query_failed", payment_no=payment_no, code=exc.code)
        return Outcome("ignored", exc.code)
    async with unit_of_work(ctx.sessionmaker) as session:
        if txn.is_paid:
            outcome = await apply_transaction(session, pay.config, txn, source="query")
            if outcome.result == "rejected":
                log.error("payments_query_mismatch", payment_no=payment_no, reason=outcome.message)
            return outcome
        payment = await repo.get_payment(session, payment_no)
        if payment is None:
            return Outcome("ignored", "unknown payment")
        if txn.trade_state in {"CLOSED", "REVOKED"}:
            await _record_closed(session, payment.id, source="query", closed_by="wechat")
            return Outcome("applied")
        if txn.trade_state == "PAYERROR" and await repo.set_payment_status(
            session,
            payment.id,
            status="failed",
            from_statuses=OPEN_PAYMENT_STATUSES,
            now=utcnow(),
        ):
            await repo.add_event(
                session,
                payment_id=payment.id,
                kind="failed",
                data={"trade_state": txn.trade_state, "desc": txn.trade_state_desc},
                now=utcnow(),
            )
            return Outcome("applied")
        return Outcome("ignored", txn.trade_state)


# --- close ---------------------------------------------------------------------------------


async def close_for_order(session: AsyncSession, *, order_no: str) -> None:
    """Stop every open payment of the order (in the caller's transaction); the WeChat
    transactions are closed after commit by the ``payment.close_requested`` handler.

    A payment that turns out to be paid anyway is recorded as succeeded when WeChat says so
    (``payment.succeeded`` follows; the order decides to refund). Idempotent."""
    now = utcnow()
    for payment_id, payment_no, amount in await repo.close_open_payments(
        session, order_no, now=now
    ):
        await repo.add_event(
            session, payment_id=payment_id, kind="close_requested", amount=0, data={}, now=now
        )
        await publish(
            session,
            CLOSE_REQUESTED,
            {"payment_no": payment_no, "order_no": order_no, "amount": amount},
            key=order_no,
        )


async def close_payment(ctx: AppContext, pay: WeChatPayClient, payment_no: str) -> None:
    """Close the WeChat transaction (no transaction open here) and record the outcome."""
    try:
        await pay.close(payment_no)
    except WeChatPayError as exc:
        if exc.verified and exc.code == "ORDERPAID":
            await sync_payment(ctx, pay, payment_no)
            return
        if not (exc.verified and exc.code in {"ORDER_NOT_EXIST", "ORDER_CLOSED"}):
            log.warning("payments_close_failed", payment_no=payment_no, code=exc.code)
            return  # the sync job tries again
    async with unit_of_work(ctx.sessionmaker) as session:
        payment = await repo.get_payment(session, payment_no)
        if payment is not None:
            await _record_closed(session, payment.id, source="close", closed_by="shoplet")


async def _record_closed(
    session: AsyncSession, payment_id: int, *, source: str, closed_by: str
) -> None:
    now = utcnow()
    payment = await repo.get_payment_by_id(session, payment_id)
    if payment is None or payment.status == "succeeded":
        return
    if payment.status in OPEN_PAYMENT_STATUSES:
        await repo.set_payment_status(
            session, payment_id, status="closed", from_statuses=OPEN_PAYMENT_STATUSES, now=now
        )
    await repo.add_event(
        session,
        payment_id=payment_id,
        kind="closed",
        data={"source": source, "closed_by": closed_by},
        now=now,
    )
