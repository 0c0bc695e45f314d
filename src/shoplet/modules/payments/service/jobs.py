"""The payments jobs: syncing payments and refunds still waiting for WeChat Pay."""

from __future__ import annotations

from datetime import datetime

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.integrations.wechat.pay import WeChatPayClient
from shoplet.modules.payments import repository as repo

from ._common import (
    NOTIFY_GRACE,
    REFUND_NOTIFY_GRACE,
    REFUND_SUBMIT_GRACE,
    REFUND_SYNC_HORIZON,
    SYNC_BATCH,
    SYNC_HORIZON,
)
from .refunds import submit_refund, sync_refund
from .settling import close_payment, sync_payment

# --- jobs ----------------------------------------------------------------------------------


async def sync_pending(
    ctx: AppContext, pay: WeChatPayClient, *, now: datetime | None = None
) -> int:
    """Settle payments whose notify did not come (query), and confirm closes WeChat has not
    acknowledged yet. Returns how many payments were looked at."""
    now = now or utcnow()
    async with unit_of_work(ctx.sessionmaker) as session:
        pending = await repo.pending_payments(
            session,
            prepaid_before=now - NOTIFY_GRACE,
            expires_after=now - SYNC_HORIZON,
            limit=SYNC_BATCH,
        )
        closes = await repo.unconfirmed_closes(
            session,
            updated_before=now - NOTIFY_GRACE,
            updated_after=now - SYNC_HORIZON,
            limit=SYNC_BATCH,
        )
    for payment in pending:
        outcome = await sync_payment(ctx, pay, payment.payment_no)
        if outcome.result == "ignored":
            async with unit_of_work(ctx.sessionmaker) as session:
                await repo.touch_payment(session, payment.id, utcnow())
    for payment in closes:
        await close_payment(ctx, pay, payment.payment_no)
    return len(pending) + len(closes)


async def sync_refunds(
    ctx: AppContext, pay: WeChatPayClient, *, now: datetime | None = None
) -> int:
    """Submit refunds whose submission did not happen (crash, WeChat down, balance short) and
    query submitted ones whose notify did not come. Returns how many were looked at."""
    now = now or utcnow()
    async with unit_of_work(ctx.sessionmaker) as session:
        to_submit = await repo.refunds_in_status(
            session,
            status="requested",
            updated_before=now - REFUND_SUBMIT_GRACE,
            created_after=now - REFUND_SYNC_HORIZON,
            limit=SYNC_BATCH,
        )
        to_query = await repo.refunds_in_status(
            session,
            status="processing",
            updated_before=now - REFUND_NOTIFY_GRACE,
            created_after=now - REFUND_SYNC_HORIZON,
            limit=SYNC_BATCH,
        )
    for refund in to_submit:
        await submit_refund(ctx, pay, refund.refund_no)
    for refund in to_query:
        await sync_refund(ctx, pay, refund.refund_no)
    return len(to_submit) + len(to_query)
