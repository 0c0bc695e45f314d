"""The order and after-sale state machines as pure transition tables (no I/O, tested alone).

Order::

    pending_payment ─pay─> paid ─ship─> shipped ─confirm─> received ─(N days)─> completed
          │                 │  │           │                ↑  │                   │
          └─cancel/timeout─> cancelled     └──── full refund ──┴──────> refunded <─┘
                            (paid -> cancelled only when the stock it paid for is gone)
                               └──── handed over at a store (自提核销) ──┘
                            (paid -> received only for a store pickup, never a shopper's confirm)

After-sale::

    requested ─approve (refund_only)──> approved ──────────────────────────> refunding ─> refunded
        │      approve (return_refund)─> awaiting_return ─ship back─> returned ─receive─┘
        ├─reject─> rejected
        └─withdraw─> cancelled   (also from awaiting_return, before the goods are sent)

Callers never write a status directly: they ask :func:`check_order_transition` /
:func:`check_aftersale_transition` first and then update conditionally on the old status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from shoplet.modules.orders.errors import IllegalTransition

OrderStatus = Literal[
    "pending_payment", "paid", "shipped", "received", "completed", "cancelled", "refunded"
]
AfterSaleStatus = Literal[
    "requested",
    "approved",
    "awaiting_return",
    "returned",
    "refunding",
    "refunded",
    "rejected",
    "cancelled",
]
AfterSaleKind = Literal["refund_only", "return_refund"]

ORDER_STATUSES: tuple[str, ...] = get_args(OrderStatus)
AFTERSALE_STATUSES: tuple[str, ...] = get_args(AfterSaleStatus)

ORDER_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "pending_payment": frozenset({"paid", "cancelled"}),
    "paid": frozenset({"shipped", "received", "refunded", "cancelled"}),
    "shipped": frozenset({"received", "refunded"}),
    "received": frozenset({"completed", "refunded"}),
    "completed": frozenset({"refunded"}),
    "cancelled": frozenset(),
    "refunded": frozenset(),
}

AFTERSALE_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "requested": frozenset({"approved", "awaiting_return", "rejected", "cancelled"}),
    "approved": frozenset({"refunding"}),
    "awaiting_return": frozenset({"returned", "cancelled"}),
    "returned": frozenset({"refunding"}),
    "refunding": frozenset({"refunded"}),
    "refunded": frozenset(),
    "rejected": frozenset(),
    "cancelled": frozenset(),
}

# Orders on which a shopper may still ask for money back (within the window once received).
AFTERSALE_ORDER_STATUSES = frozenset({"paid", "shipped", "received", "completed"})
# After-sales still holding part of the order's refundable amount.
OPEN_AFTERSALE_STATUSES = frozenset(
    {"requested", "approved", "awaiting_return", "returned", "refunding"}
)
TERMINAL_ORDER_STATUSES = frozenset(s for s, nxt in ORDER_TRANSITIONS.items() if not nxt)


def can_transition_order(from_status: str, to_status: str) -> bool:
    return to_status in ORDER_TRANSITIONS.get(from_status, frozenset())


def check_order_transition(from_status: str, to_status: str) -> None:
    """Raise :class:`IllegalTransition` (409 ``orders.illegal_transition``) unless allowed."""
    if not can_transition_order(from_status, to_status):
        raise IllegalTransition(
            f"an order cannot go from {from_status} to {to_status}",
            from_status=from_status,
            to_status=to_status,
        )


def can_transition_aftersale(from_status: str, to_status: str) -> bool:
    return to_status in AFTERSALE_TRANSITIONS.get(from_status, frozenset())


def check_aftersale_transition(from_status: str, to_status: str) -> None:
    """Raise :class:`IllegalTransition` (409 ``orders.illegal_transition``) unless allowed."""
    if not can_transition_aftersale(from_status, to_status):
        raise IllegalTransition(
            f"an after-sale cannot go from {from_status} to {to_status}",
            from_status=from_status,
            to_status=to_status,
        )
