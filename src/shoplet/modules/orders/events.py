"""Events orders publishes (outbox, in the transaction of the change); payloads always carry
``order_no``, ``member_id`` and the amounts (fen); the ``order.*`` ones also ``status``,
``payable_total``, ``shipping_fee`` and ``refunded_total``.

- ``order.created`` {order_no, member_id, source, stock_source_ref, items_total, shipping_fee,
  discount_total, payable_total, expires_at, lines: [{sku_id, quantity}]}
- ``order.paid`` {…, payment_no, amount, paid_at}
- ``order.cancelled`` {…, source, stock_source_ref, reason, actor, lines, returned_to_source}
  — for a flash-sale order (``stock_source_ref`` set) the units listed in
  ``returned_to_source`` are already back in that reservation (exactly once: the cancel is a
  conditional update); the flash sale returns them to its Redis counter in its own idempotent
  subscriber. A paid order cancelled because its stock was gone has empty lists.
- ``order.shipped`` {…, carrier, tracking_no, item_desc, receiver_contact (masked phone, or
  None)}, ``order.received``, ``order.completed``,
  ``order.refunded``
- ``aftersale.requested`` / ``.approved`` / ``.rejected`` / ``.refunded`` {aftersale_no,
  order_no, member_id, kind, status, amount, refund_no, payable_total}

Orders subscribes (``tasks.py``) to ``payment.succeeded``, ``refund.succeeded``,
``refund.failed`` and fulfillment's ``shipment.signed``, and hands its own ``order.shipped`` to
fulfillment (tracking subscription, WeChat 发货信息录入).
"""

from __future__ import annotations

from typing import Final

ORDER_CREATED: Final = "order.created"
ORDER_PAID: Final = "order.paid"
ORDER_CANCELLED: Final = "order.cancelled"
ORDER_SHIPPED: Final = "order.shipped"
ORDER_RECEIVED: Final = "order.received"
ORDER_COMPLETED: Final = "order.completed"
ORDER_REFUNDED: Final = "order.refunded"
AFTERSALE_REQUESTED: Final = "aftersale.requested"
AFTERSALE_APPROVED: Final = "aftersale.approved"
AFTERSALE_REJECTED: Final = "aftersale.rejected"
AFTERSALE_REFUNDED: Final = "aftersale.refunded"
