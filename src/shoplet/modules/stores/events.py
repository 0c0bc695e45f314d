"""Events stores publishes (outbox, in the transaction of the change).

- ``pickup.verified`` {order_no, store_id, member_id, staff_id, picked_up_at} — once per
  order, when the store's staff check the shopper's code.
"""

from __future__ import annotations

from typing import Final

PICKUP_VERIFIED: Final = "pickup.verified"
