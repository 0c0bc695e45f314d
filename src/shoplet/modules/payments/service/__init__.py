"""Payments: WeChat Pay v3 prepay, notifies, refunds, closes, sync jobs and reconciliation.

Two rules shape this file:

- **No transaction is open across a WeChat Pay call.** ``request_prepay`` runs a short
  transaction, commits, calls WeChat, then records the answer in a second one. Refund
  submissions and closes are requested inside the caller's transaction (outbox event), and the
  payments handler of that event schedules the WeChat call for *after its own commit*
  (:func:`after_commit`); the call's outcome is written in a new short transaction. If the
  process dies in between, the sync jobs pick the work up again: WeChat is idempotent on
  ``out_trade_no`` / ``out_refund_no``.
- **Money is counted from the append-only history** (``payments_event``); statuses are caches,
  and every transition is a conditional UPDATE, so a notify, its retries and the sync job can
  race without applying anything twice.
"""

from __future__ import annotations

from ._common import (
    DESCRIPTION_MAX,
    NOTIFY_GRACE,
    REASON_MAX,
    REFUND_NOTIFY_GRACE,
    REFUND_SUBMIT_GRACE,
    REFUND_SYNC_HORIZON,
    RETRY_LATER_CODES,
    SYNC_BATCH,
    SYNC_HORIZON,
    Channel,
    log,
    new_number,
)
from .jobs import sync_pending, sync_refunds
from .prepay import H5_URL_REUSE, PREPAY_REUSE, request_prepay
from .queries import amounts_for_order, mini_program_payer, payments_for_order, refunds_for_order
from .reconciliation import (
    BILL_READY,
    china_day_bounds,
    get_reconciliation,
    reconcile,
    reconcile_previous_day,
)
from .refunds import (
    apply_refund_answer,
    apply_refund_notify,
    request_refund,
    submit_refund,
    sync_refund,
)
from .runtime import (
    RUNTIME_KEY,
    CallFactory,
    PaymentsRuntime,
    after_commit,
    install_runtime,
    runtime_for,
    runtime_of,
    settle,
)
from .settling import (
    Outcome,
    apply_payment_notify,
    apply_transaction,
    close_for_order,
    close_payment,
    sync_payment,
)

__all__ = [
    "BILL_READY",
    "DESCRIPTION_MAX",
    "H5_URL_REUSE",
    "NOTIFY_GRACE",
    "PREPAY_REUSE",
    "REASON_MAX",
    "REFUND_NOTIFY_GRACE",
    "REFUND_SUBMIT_GRACE",
    "REFUND_SYNC_HORIZON",
    "RETRY_LATER_CODES",
    "RUNTIME_KEY",
    "SYNC_BATCH",
    "SYNC_HORIZON",
    "CallFactory",
    "Channel",
    "Outcome",
    "PaymentsRuntime",
    "after_commit",
    "amounts_for_order",
    "apply_payment_notify",
    "apply_refund_answer",
    "apply_refund_notify",
    "apply_transaction",
    "china_day_bounds",
    "close_for_order",
    "close_payment",
    "get_reconciliation",
    "install_runtime",
    "log",
    "mini_program_payer",
    "new_number",
    "payments_for_order",
    "reconcile",
    "reconcile_previous_day",
    "refunds_for_order",
    "request_prepay",
    "request_refund",
    "runtime_for",
    "runtime_of",
    "settle",
    "submit_refund",
    "sync_payment",
    "sync_pending",
    "sync_refund",
    "sync_refunds",
]
