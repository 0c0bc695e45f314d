"""Orders business rules: placing an order with its stock, the state machine in action, after-sales,
and the reactions to payments.

Every status change is ``states.check_*`` (is it legal?) + a conditional UPDATE on the old
status (did we win the race?) + an ``orders_event`` row + an outbox event, all in the caller's
transaction (flush only). Stock follows the order in the same transaction: reserved when it is
placed, committed when it is paid, released (or handed back to its flash sale) when it is
cancelled, put back on the shelf when goods come back.
"""

from __future__ import annotations

from ._common import (
    AUTO_REFUND_REASON,
    CHINA,
    DESCRIPTION_MAX,
    MAX_LIMIT,
    REPLACEMENT_SUFFIX,
    RESERVATION_GRACE,
    SYSTEM,
    log,
    member_actor,
    staff_actor,
)
from .aftersales import (
    approve_aftersale,
    confirm_return_received,
    list_aftersales,
    reject_aftersale,
    request_aftersale,
    submit_return,
    withdraw_aftersale,
)
from .fulfilment import (
    cancel_order,
    confirm_handed_over,
    confirm_receipt,
    lock_held_orders,
    release_ship_hold,
    ship_order,
    void_held_order,
)
from .payment import (
    handle_payment_succeeded,
    handle_refund_failed,
    handle_refund_succeeded,
    settle_without_payment,
)
from .placing import NUMBER_ATTEMPTS, create_order, find_by_idempotency_key
from .queries import (
    count_export_rows,
    export_rows,
    get_order_admin,
    get_order_detail,
    get_payable_order,
    has_paid_order,
    list_member_orders,
    list_orders_admin,
    require_order,
    sales_summary,
)
from .timeouts import (
    auto_advance,
    cancel_expired,
    due_for_completion,
    due_for_receipt,
    expired_order_ids,
    handle_shipment_signed,
)

__all__ = [
    "AUTO_REFUND_REASON",
    "CHINA",
    "DESCRIPTION_MAX",
    "MAX_LIMIT",
    "NUMBER_ATTEMPTS",
    "REPLACEMENT_SUFFIX",
    "RESERVATION_GRACE",
    "SYSTEM",
    "approve_aftersale",
    "auto_advance",
    "cancel_expired",
    "cancel_order",
    "confirm_handed_over",
    "confirm_receipt",
    "confirm_return_received",
    "count_export_rows",
    "create_order",
    "due_for_completion",
    "due_for_receipt",
    "expired_order_ids",
    "export_rows",
    "find_by_idempotency_key",
    "get_order_admin",
    "get_order_detail",
    "get_payable_order",
    "handle_payment_succeeded",
    "handle_refund_failed",
    "handle_refund_succeeded",
    "handle_shipment_signed",
    "has_paid_order",
    "list_aftersales",
    "list_member_orders",
    "list_orders_admin",
    "lock_held_orders",
    "log",
    "member_actor",
    "reject_aftersale",
    "release_ship_hold",
    "request_aftersale",
    "require_order",
    "sales_summary",
    "settle_without_payment",
    "ship_order",
    "staff_actor",
    "submit_return",
    "void_held_order",
    "withdraw_aftersale",
]
