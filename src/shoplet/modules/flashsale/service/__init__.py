"""Flash-sale business rules off the hot path: campaigns (console), warm-up, the order consumer,
hand-backs, settlement and reconciliation.

Stock accounting, per campaign SKU (``stock`` = units carved out at creation)::

    database:  hold(flash:<c>:<sku>) + units in live flash orders           == stock
    Redis:     remaining + units of accepted requests not handed back       == stock

A request accepted by the buy script is a stream entry; a consumer turns it into an order
(units move from the hold to the order, ticket row in the same transaction) or fails it (ticket
row ``failed``, units back on the counter, the shopper's allowance back). A cancelled or
timed-out order moves its units back to the hold (orders does that) and ``order.cancelled``
brings them back to the counter (``handle_order_cancelled``). Every hand-back to Redis is
guarded by the ticket (a set of returned tickets), so each happens once.
"""

from __future__ import annotations

from ._common import (
    CAMPAIGN_NAMESPACE,
    HOLD_GRACE,
    LIST_NAMESPACE,
    MAX_LIMIT,
    campaign_info,
    campaign_status,
    hold_ref,
    log,
    parse_hold_ref,
)
from .campaigns import (
    MAX_DURATION,
    campaign_windows,
    cancel_campaign,
    create_campaign,
    get_campaign_admin,
    list_campaigns_admin,
    live_product_ids,
    update_campaign,
)
from .consumers import _ticket_values, consume, process_entry, request_hash
from .hand_backs import handle_order_cancelled, sync_hand_backs
from .lifecycle import settle, warm_up
from .reconciliation import RECONCILE_SAMPLE, reconcile, reconcile_campaign

__all__ = [
    "CAMPAIGN_NAMESPACE",
    "HOLD_GRACE",
    "LIST_NAMESPACE",
    "MAX_DURATION",
    "MAX_LIMIT",
    "RECONCILE_SAMPLE",
    "_ticket_values",
    "campaign_info",
    "campaign_status",
    "campaign_windows",
    "cancel_campaign",
    "consume",
    "create_campaign",
    "get_campaign_admin",
    "handle_order_cancelled",
    "hold_ref",
    "list_campaigns_admin",
    "live_product_ids",
    "log",
    "parse_hold_ref",
    "process_entry",
    "reconcile",
    "reconcile_campaign",
    "request_hash",
    "settle",
    "sync_hand_backs",
    "update_campaign",
    "warm_up",
]
