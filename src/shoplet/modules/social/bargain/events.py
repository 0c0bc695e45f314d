"""Events bargains publish (outbox, in the transaction of the change).

- ``bargain.floor_reached`` {share_id, campaign_id, helpers}: the last cut landed on the floor;
- ``bargain.ordered`` {share_id, campaign_id, order_no, price, subsidy}: the initiator placed
  the order at the bargain's price;
- ``bargain.expired`` {bargain_id}: past its deadline without an order.

Bargains subscribe (``tasks.py``) to ``order.paid`` and ``order.cancelled`` of their own orders
(``source = "bargain"``).
"""

from __future__ import annotations

from typing import Final

BARGAIN_FLOOR_REACHED: Final = "bargain.floor_reached"
BARGAIN_ORDERED: Final = "bargain.ordered"
BARGAIN_EXPIRED: Final = "bargain.expired"
