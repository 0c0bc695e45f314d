"""Events the open platform publishes (outbox, in the transaction of the change).

- ``cobrand.redeemed`` {app_id, order_no, member_id, amount, discount, items: [{kind, ref_id,
  name, discount}], paid_at} — a paid order used one or more of a partner app's co-branded
  items (bundle or coupon); delivered as a webhook to that app's subscriptions only.

The open platform subscribes (``tasks.py``) to the events it forwards as webhooks, and to
``order.paid`` / ``order.refunded`` to attribute co-branded orders.
"""

from __future__ import annotations

from typing import Final

COBRAND_REDEEMED: Final = "cobrand.redeemed"
