"""Events promotions publishes (outbox, in the transaction of the change).

- ``coupon.claimed`` {coupon_id, template_id, member_id, source ("claim" | "issue")}
- ``coupon.used`` {coupon_id, template_id, member_id, order_no, discount, shipping_discount}
- ``coupon.returned`` {coupon_id, template_id, member_id, order_no, state ("unused" | "expired")}

Promotions subscribes (``tasks.py``) to ``order.paid`` (a locked coupon becomes used),
``order.cancelled`` and ``order.refunded`` (a full refund): the coupon comes back.
"""

from __future__ import annotations

from typing import Final

COUPON_CLAIMED: Final = "coupon.claimed"
COUPON_USED: Final = "coupon.used"
COUPON_RETURNED: Final = "coupon.returned"
