"""Refunds: requesting, submitting, and applying WeChat Pay's answers and notifies."""

from __future__ import annotations

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
from shoplet.integrations.wechat.pay import Refund as WeChatRefund
from shoplet.modules.payments import repository as repo
from shoplet.modules.payments.errors import (
    InvalidAmount,
    InvalidRefundReason,
    NotPaid,
    RefundConflict,
    RefundExceedsPaid,
)
from shoplet.modules.payments.events import REFUND_FAILED, REFUND_REQUESTED, REFUND_SUCCEEDED
from shoplet.modules.payments.models import Refund

from ._common import REASON_MAX, RETRY_LATER_CODES, log, new_number
from .settling import Outcome

# --- refunds -------------------------------------------------------------------------------


async def request_refund(
    session: AsyncSession,
    *,
    order_no: str,
    aftersale_no: str | None,
    amount: int,
    reason: str,
) -> str:
    """Reserve ``amount`` of the order's paid money for a refund and return the refund no.

    The check and the write are atomic (payment rows locked); the WeChat call happens after
    commit. A repeated request for the same after-sale returns the same refund."""
    if amount <= 0:
        raise InvalidAmount()
    reason = " ".join(reason.split())
    if not reason or len(reason) > REASON_MAX:
        raise InvalidRefundReason()
    payments = await repo.lock_paid_payments(session, order_no)
    if aftersale_no is not None:
        existing = await repo.get_live_refund_for_aftersale(session, aftersale_no)
        if existing is not None:
            if existing.order_no != order_no or existing.amount != amount:
                raise RefundConflict(
                    f"refund {existing.refund_no} of {existing.amount} fen exists for "
                    f"after-sale {aftersale_no}"
                )
            return existing.refund_no
    if not payments:
        raise NotPaid()
    totals = await repo.event_totals(session, [p.id for p in payments])
    refundable = {p.id: _refundable(totals[p.id]) for p in payments}
    # One WeChat refund draws on one transaction: take the first payment that covers it.
    payment = next((p for p in payments if refundable[p.id] >= amount), None)
    if payment is None:
        left = sum(refundable.values())
        raise RefundExceedsPaid(
            f"{amount} fen requested, {left} fen left to refund", refundable=left
        )
    now = utcnow()
    refund = Refund(
        refund_no=new_number("R"),
        payment_id=payment.id,
        order_no=order_no,
        aftersale_no=aftersale_no,
        amount=amount,
        reason=reason,
        status="requested",
        created_at=now,
        updated_at=now,
    )
    await repo.add_refund(session, refund)
    await repo.add_event(
        session,
        payment_id=payment.id,
        refund_id=refund.id,
        kind="refund_requested",
        amount=amount,
        data={"refund_no": refund.refund_no, "aftersale_no": aftersale_no, "reason": reason},
        now=now,
    )
    await publish(
        session,
        REFUND_REQUESTED,
        {
            "refund_no": refund.refund_no,
            "order_no": order_no,
            "aftersale_no": aftersale_no,
            "amount": amount,
        },
        key=order_no,
    )
    return refund.refund_no


def _refundable(totals: dict[str, int]) -> int:
    reserved = totals.get("refund_requested", 0) - totals.get("refund_failed", 0)
    return totals.get("succeeded", 0) - reserved


async def submit_refund(ctx: AppContext, pay: WeChatPayClient, refund_no: str) -> None:
    """Send a requested refund to WeChat (no transaction open) and record the answer."""
    async with unit_of_work(ctx.sessionmaker) as session:
        refund = await repo.get_refund(session, refund_no)
        payment = await repo.get_payment_by_id(session, refund.payment_id) if refund else None
    if refund is None or payment is None or refund.status != "requested":
        return
    try:
        answer = await pay.refund(
            out_trade_no=payment.payment_no,
            out_refund_no=refund.refund_no,
            refund=refund.amount,
            total=payment.amount,
            reason=refund.reason,
        )
    except WeChatPayError as exc:
        error = f"{exc.code}: {exc.message}"
        retry = not exc.verified or exc.is_retryable or exc.code in RETRY_LATER_CODES
        log.warning(
            "payments_refund_submit_failed", refund_no=refund_no, code=exc.code, retry=retry
        )
        async with unit_of_work(ctx.sessionmaker) as session:
            if retry:
                await repo.note_refund_error(session, refund.id, error=error, now=utcnow())
            else:
                await _fail_refund(session, refund, error=error, source="submit")
        return
    async with unit_of_work(ctx.sessionmaker) as session:
        await apply_refund_answer(session, refund, answer, source="submit")


async def apply_refund_answer(
    session: AsyncSession, refund: Refund, answer: WeChatRefund, *, source: str
) -> Outcome:
    """Record WeChat's view of a refund (apply answer, query or notify), once per transition."""
    now = utcnow()
    if await repo.mark_refund_submitted(
        session,
        refund.id,
        wechat_refund_id=answer.refund_id,
        submitted_at=answer.create_time or now,
        now=now,
    ):
        await repo.add_event(
            session,
            payment_id=refund.payment_id,
            refund_id=refund.id,
            kind="refund_submitted",
            amount=refund.amount,
            data={"wechat_refund_id": answer.refund_id, "status": answer.status, "source": source},
            now=now,
        )
    if answer.status == "SUCCESS":
        return await _succeed_refund(session, refund, answer, source=source)
    if answer.status in {"CLOSED", "ABNORMAL"}:
        done = await _fail_refund(
            session, refund, error=f"WeChat refund {answer.status}", source=source, answer=answer
        )
        return Outcome("applied" if done else "duplicate")
    return Outcome("ignored", answer.status)


async def _succeed_refund(
    session: AsyncSession, refund: Refund, answer: WeChatRefund, *, source: str
) -> Outcome:
    now = utcnow()
    if not await repo.finish_refund(
        session,
        refund.id,
        status="succeeded",
        wechat_refund_id=answer.refund_id,
        succeeded_at=answer.success_time or now,
        error=None,
        now=now,
    ):
        return Outcome("duplicate")
    await repo.add_event(
        session,
        payment_id=refund.payment_id,
        refund_id=refund.id,
        kind="refund_succeeded",
        amount=refund.amount,
        data={"wechat_refund_id": answer.refund_id, "source": source},
        now=now,
    )
    payment = await repo.get_payment_by_id(session, refund.payment_id)
    assert payment is not None  # noqa: S101 (foreign key)
    await publish(
        session,
        REFUND_SUCCEEDED,
        {
            "refund_no": refund.refund_no,
            "order_no": refund.order_no,
            "aftersale_no": refund.aftersale_no,
            "payment_no": payment.payment_no,
            "amount": refund.amount,
        },
        key=refund.order_no,
    )
    log.info("refund_succeeded", refund_no=refund.refund_no, amount=refund.amount, source=source)
    return Outcome("applied")


async def _fail_refund(
    session: AsyncSession,
    refund: Refund,
    *,
    error: str,
    source: str,
    answer: WeChatRefund | None = None,
) -> bool:
    now = utcnow()
    if not await repo.finish_refund(
        session,
        refund.id,
        status="failed",
        wechat_refund_id=answer.refund_id if answer else None,
        succeeded_at=None,
        error=error[:2000],
        now=now,
    ):
        return False
    # The failed amount is released: refundable again (see _refundable).
    await repo.add_event(
        session,
        payment_id=refund.payment_id,
        refund_id=refund.id,
        kind="refund_failed",
        amount=refund.amount,
        data={"error": error[:500], "source": source},
        now=now,
    )
    payment = await repo.get_payment_by_id(session, refund.payment_id)
    assert payment is not None  # noqa: S101 (foreign key)
    await publish(
        session,
        REFUND_FAILED,
        {
            "refund_no": refund.refund_no,
            "order_no": refund.order_no,
            "aftersale_no": refund.aftersale_no,
            "payment_no": payment.payment_no,
            "amount": refund.amount,
            "error": error[:500],
        },
        key=refund.order_no,
    )
    log.warning("refund_failed", refund_no=refund.refund_no, error=error, source=source)
    return True


async def apply_refund_notify(
    session: AsyncSession, cfg: WeChatPayConfig, notify: NotifyResource
) -> Outcome:
    if notify.event_type not in {"REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"}:
        return Outcome("rejected", f"unexpected event_type {notify.event_type}")
    try:
        answer = notify.refund()
    except ValueError as exc:
        return Outcome("rejected", f"malformed refund: {exc}")
    refund = await repo.get_refund(session, answer.out_refund_no)
    if refund is None:
        return Outcome("rejected", f"unknown out_refund_no {answer.out_refund_no}")
    payment = await repo.get_payment_by_id(session, refund.payment_id)
    if payment is None or answer.out_trade_no != payment.payment_no:
        return Outcome("rejected", "out_trade_no does not match the refund's payment")
    if answer.refund != refund.amount:
        return Outcome("rejected", f"amount {answer.refund} does not match {refund.amount}")
    if answer.status != notify.event_type.removeprefix("REFUND."):
        return Outcome("rejected", "refund_status does not match the event type")
    if refund.status in {"succeeded", "failed"}:
        return Outcome("duplicate")
    return await apply_refund_answer(session, refund, answer, source="notify")


async def sync_refund(ctx: AppContext, pay: WeChatPayClient, refund_no: str) -> Outcome:
    try:
        answer = await pay.query_refund(refund_no)
    except WeChatPayError as exc:
        log.warning("payments_refund_query_failed", refund_no=refund_no, code=exc.code)
        return Outcome("ignored", exc.code)
    async with unit_of_work(ctx.sessionmaker) as session:
        refund = await repo.get_refund(session, refund_no)
        if refund is None:
            return Outcome("ignored", "unknown refund")
        outcome = await apply_refund_answer(session, refund, answer, source="query")
        if outcome.result == "ignored":
            await repo.touch_refund(session, refund.id, utcnow())
        return outcome
