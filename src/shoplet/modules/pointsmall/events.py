"""Events the points mall publishes (outbox, in the transaction of the change).

- ``pointsmall.exchanged`` {exchange_no, member_id, item_id, kind, quantity, points, cash,
  order_no}: an exchange was made (a coupon issued, or an order of goods placed).

The mall subscribes (``tasks.py``) to ``order.paid``, ``order.cancelled`` and
``order.refunded`` of its own orders (``source = "pointsmall"``).
"""

from __future__ import annotations

from typing import Final

EXCHANGED: Final = "pointsmall.exchanged"
