"""Events group buys publish (outbox, in the transaction of the change).

- ``groupbuy.group_succeeded`` {group_id, share_id, campaign_id, leader_member_id, order_nos}:
  the last seat was paid; the group's orders may ship;
- ``groupbuy.group_failed`` {group_id, share_id, campaign_id, refunded_order_nos}: the group
  ran out of time; its paid members are refunded.

Group buys subscribe (``tasks.py``) to ``order.paid`` of their own orders
(``source = "groupbuy"``): the order applied ``payment.succeeded`` (stock sold) before the seat
is claimed, so a refund always finds a paid order to cancel.
"""

from __future__ import annotations

from typing import Final

GROUP_SUCCEEDED: Final = "groupbuy.group_succeeded"
GROUP_FAILED: Final = "groupbuy.group_failed"
