"""What other modules may use from payments.

Money in fen. ``payments`` never imports orders: orders learns of payments through the events
``payment.succeeded``, ``refund.succeeded`` and ``refund.failed`` (payloads in ``events.py``).

```python
result = await request_prepay(ctx, integrations.wechat_pay, order_no=…, member_id=…, amount=…,
                              description=…, payer_openid=…, channel="wechat_jsapi",
                              time_expire=…, client_ip=…)          # its own short transactions
refund_no = await request_refund(session, order_no=…, aftersale_no=…, amount=…, reason=…)
await close_for_order(session, order_no=…)                         # caller's transaction
amounts = await amounts_for_order(session, order_no)                # paid, refunded, refunding
```

``request_refund`` and ``close_for_order`` write in the caller's transaction; the WeChat calls
happen after it commits (payments' own event handlers). In tests, ``await settle(ctx)`` drains
the outbox *and* waits for those calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.integrations.setup import Integrations
from shoplet.modules.members import public as members
from shoplet.modules.payments import merge_hook as _merge
from shoplet.modules.payments import repository as _repo
from shoplet.modules.payments.errors import (
    AlreadyPaid,
    AmountChanged,
    InvalidAmount,
    InvalidRefundReason,
    NotPaid,
    OpenidRequired,
    PaymentClosed,
    PaymentExpired,
    PaymentNotFound,
    ProviderError,
    RefundConflict,
    RefundExceedsPaid,
)
from shoplet.modules.payments.events import (
    PAYMENT_SUCCEEDED,
    REFUND_FAILED,
    REFUND_SUCCEEDED,
)
from shoplet.modules.payments.schemas import (
    PaymentAmounts,
    PaymentInfo,
    PrepayResult,
    ReconciliationReport,
    RefundInfo,
)
from shoplet.modules.payments.service import (
    amounts_for_order,
    close_for_order,
    get_reconciliation,
    install_runtime,
    mini_program_payer,
    payments_for_order,
    refunds_for_order,
    request_prepay,
    request_refund,
    runtime_of,
    settle,
)
from shoplet.modules.payments.service import reconcile as _reconcile

__all__ = [
    "PAYMENT_SUCCEEDED",
    "REFUND_FAILED",
    "REFUND_SUCCEEDED",
    "AlreadyPaid",
    "AmountChanged",
    "InvalidAmount",
    "InvalidRefundReason",
    "NotPaid",
    "OpenidRequired",
    "PaymentAmounts",
    "PaymentClosed",
    "PaymentExpired",
    "PaymentInfo",
    "PaymentNotFound",
    "PrepayResult",
    "ProviderError",
    "ReconciliationReport",
    "RefundConflict",
    "RefundExceedsPaid",
    "RefundInfo",
    "amounts_for_order",
    "close_for_order",
    "failed_payment_times",
    "get_reconciliation",
    "mini_program_payer",
    "payments_for_order",
    "reconcile",
    "refund_times",
    "refunds_for_order",
    "request_prepay",
    "request_refund",
    "settle",
    "startup",
]


async def reconcile(ctx: AppContext, bill_date: date) -> ReconciliationReport:
    """Reconcile ``bill_date`` (China date) now, replacing an earlier report of that day
    (the console's "run again"; the daily job does yesterday by itself)."""
    return await _reconcile(ctx, runtime_of(ctx).pay, bill_date)


async def failed_payment_times(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[datetime]:
    """When each payment that failed in [since, until) failed, for insights' alerts."""
    return await _repo.failed_payment_times(session, since=since, until=until)


async def refund_times(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[datetime]:
    """When each refund that succeeded in [since, until) succeeded, for insights' alerts."""
    return await _repo.refund_times(session, since=since, until=until)


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    """App lifespan hook: give payments' handlers and jobs the WeChat Pay client."""
    members.register_merge_hook(ctx, "payments", _merge.move_member, tables=_merge.TABLES)
    integrations: Integrations = app.state.integrations
    runtime = install_runtime(ctx, integrations.wechat_pay)
    return runtime.aclose
