"""Payments' event handlers and jobs (registered on import; the worker runs them).

The handlers only schedule WeChat calls for after their transaction commits (see
``service.after_commit``); the jobs are the safety net that converges whatever a crash, a lost
notify or an unavailable WeChat left half done. All of it is idempotent.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.payments import service
from shoplet.modules.payments.events import CLOSE_REQUESTED, REFUND_REQUESTED

SYNC_PENDING_JOB = "payments.sync_pending"
SYNC_REFUNDS_JOB = "payments.sync_refunds"
RECONCILE_JOB = "payments.reconcile_daily"


@subscriber(REFUND_REQUESTED, name="payments.submit_refund")
async def submit_refund(event: Event, session: AsyncSession) -> None:
    runtime = service.runtime_for(session)
    refund_no = str(event.payload["refund_no"])

    async def call() -> None:
        await service.submit_refund(runtime.ctx, runtime.pay, refund_no)

    service.after_commit(session, call)


@subscriber(CLOSE_REQUESTED, name="payments.close_transaction")
async def close_transaction(event: Event, session: AsyncSession) -> None:
    runtime = service.runtime_for(session)
    payment_no = str(event.payload["payment_no"])

    async def call() -> None:
        await service.close_payment(runtime.ctx, runtime.pay, payment_no)

    service.after_commit(session, call)


@periodic(every_seconds=60, name=SYNC_PENDING_JOB)
async def sync_pending(ctx: AppContext) -> None:
    runtime = service.runtime_of(ctx)
    await service.sync_pending(ctx, runtime.pay)


@periodic(every_seconds=60, name=SYNC_REFUNDS_JOB)
async def sync_refunds(ctx: AppContext) -> None:
    runtime = service.runtime_of(ctx)
    await service.sync_refunds(ctx, runtime.pay)


@periodic(every_seconds=3600, name=RECONCILE_JOB)
async def reconcile_daily(ctx: AppContext) -> None:
    runtime = service.runtime_of(ctx)
    await service.reconcile_previous_day(ctx, runtime.pay)
