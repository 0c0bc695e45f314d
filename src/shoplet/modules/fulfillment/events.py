"""Events fulfillment publishes (outbox, in the transaction of the change).

- ``shipment.signed`` {order_no, member_id, carrier, tracking_no, signed_at} — once per
  shipment, when the carrier's newest line says 签收; orders subscribes and receives the order
  ``orders_auto_receive_after_signed_days`` later.

Fulfillment sits below orders and may not import it: orders hands it its shipped orders
(``track_shipment``, from orders' own ``order.shipped`` subscriber).
"""

from __future__ import annotations

from typing import Final

SHIPMENT_SIGNED: Final = "shipment.signed"
