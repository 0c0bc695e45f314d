"""Reconciliation of a day's payments and refunds against WeChat Pay's bills."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.integrations.wechat.pay import TradeBillRow, WeChatPayClient, WeChatPayError
from shoplet.integrations.wechat.pay_crypto import CHINA_TZ
from shoplet.modules.payments import repository as repo
from shoplet.modules.payments.models import Payment, Refund
from shoplet.modules.payments.schemas import ReconciliationReport

from ._common import log

# WeChat publishes the previous day's trade bill from 10:00 China time.
BILL_READY = time(10, 0)


# --- reconciliation ------------------------------------------------------------------------


def china_day_bounds(bill_date: date) -> tuple[datetime, datetime]:
    start = datetime.combine(bill_date, time(0, 0), tzinfo=CHINA_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


async def reconcile(ctx: AppContext, pay: WeChatPayClient, bill_date: date) -> ReconciliationReport:
    """Compare WeChat's trade bill of ``bill_date`` (China date) with the payments paid and the
    refunds submitted that day; store (or replace) the day's reconciliation."""
    try:
        bill = await pay.trade_bill(bill_date)
        rows = list(bill.rows)
        fee_total = str(bill.summary.fee_total)
    except WeChatPayError as exc:
        if not (exc.verified and exc.code == "NO_STATEMENT_EXIST"):
            raise
        rows, fee_total = [], "0"
    start, end = china_day_bounds(bill_date)
    bill_payments = {r.out_trade_no: r for r in rows if r.trade_state == "SUCCESS"}
    bill_refunds = {r.out_refund_no: r for r in rows if r.out_refund_no}
    async with unit_of_work(ctx.sessionmaker) as session:
        payments = {p.payment_no: p for p in await repo.payments_paid_between(session, start, end)}
        refunds = {
            r.refund_no: r for r in await repo.refunds_submitted_between(session, start, end)
        }
        differences = _payment_differences(bill_payments, payments)
        for difference in differences:
            if difference["kind"] == "missing_local_payment":
                known = await repo.get_payment(session, difference["payment_no"])
                difference["local_status"] = known.status if known else None
        differences += _refund_differences(bill_refunds, refunds)
        summary = {
            "bill_payments": len(bill_payments),
            "bill_payment_total": sum(r.order_amount for r in bill_payments.values()),
            "bill_refunds": len(bill_refunds),
            "bill_refund_total": sum(r.refund_amount for r in bill_refunds.values()),
            "local_payments": len(payments),
            "local_payment_total": sum(p.amount for p in payments.values()),
            "local_refunds": len(refunds),
            "local_refund_total": sum(r.amount for r in refunds.values()),
            "fee_total": fee_total,
        }
        status = "differences" if differences else "ok"
        now = utcnow()
        await repo.save_reconciliation(
            session,
            bill_date=bill_date,
            status=status,
            summary=summary,
            differences=differences,
            now=now,
        )
    if differences:
        log.warning(
            "payments_reconciliation_differences", bill_date=str(bill_date), count=len(differences)
        )
    return ReconciliationReport(
        bill_date=bill_date,
        status=status,
        summary=summary,
        differences=differences,
        created_at=now,
    )


def _payment_differences(
    bill: dict[str, TradeBillRow], local: dict[str, Payment]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for no, row in sorted(bill.items()):
        payment = local.get(no)
        if payment is None:
            out.append(
                {
                    "kind": "missing_local_payment",
                    "payment_no": no,
                    "transaction_id": row.transaction_id,
                    "bill_amount": row.order_amount,
                }
            )
        elif payment.amount != row.order_amount:
            out.append(
                {
                    "kind": "payment_amount_mismatch",
                    "payment_no": no,
                    "local_amount": payment.amount,
                    "bill_amount": row.order_amount,
                }
            )
    out.extend(
        {"kind": "missing_bill_payment", "payment_no": no, "local_amount": payment.amount}
        for no, payment in sorted(local.items())
        if no not in bill
    )
    return out


def _refund_differences(
    bill: dict[str, TradeBillRow], local: dict[str, Refund]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for no, row in sorted(bill.items()):
        refund = local.get(no)
        if refund is None:
            out.append(
                {
                    "kind": "missing_local_refund",
                    "refund_no": no,
                    "payment_no": row.out_trade_no,
                    "bill_amount": row.refund_amount,
                }
            )
        elif refund.amount != row.refund_amount:
            out.append(
                {
                    "kind": "refund_amount_mismatch",
                    "refund_no": no,
                    "local_amount": refund.amount,
                    "bill_amount": row.refund_amount,
                }
            )
    out.extend(
        {"kind": "missing_bill_refund", "refund_no": no, "local_amount": refund.amount}
        for no, refund in sorted(local.items())
        if no not in bill
    )
    return out


async def reconcile_previous_day(
    ctx: AppContext, pay: WeChatPayClient, *, now: datetime | None = None
) -> ReconciliationReport | None:
    """The daily job: yesterday (China time), once the bill is published, once."""
    local_now = (now or utcnow()).astimezone(CHINA_TZ)
    if local_now.time() < BILL_READY:
        return None
    bill_date = local_now.date() - timedelta(days=1)
    async with unit_of_work(ctx.sessionmaker) as session:
        if await repo.get_reconciliation(session, bill_date) is not None:
            return None
    return await reconcile(ctx, pay, bill_date)


async def get_reconciliation(session: AsyncSession, bill_date: date) -> ReconciliationReport | None:
    row = await repo.get_reconciliation(session, bill_date)
    if row is None:
        return None
    return ReconciliationReport(
        bill_date=row.bill_date,
        status=row.status,
        summary=dict(row.summary),
        differences=list(row.differences),
        created_at=row.created_at,
    )
