"""Events payments publishes (through the outbox, in the transaction of the change).

Public, for other modules to subscribe to:

- ``payment.succeeded`` {payment_no, order_no, member_id, channel, amount, transaction_id,
  paid_at} — once per payment, also when the money arrives after the payment was closed (the
  order decides: a cancelled order requests a refund);
- ``refund.succeeded`` {refund_no, order_no, aftersale_no, payment_no, amount};
- ``refund.failed`` {refund_no, order_no, aftersale_no, payment_no, amount, error}.

Internal (handled by payments itself, after commit, in ``tasks.py``):

- ``refund.requested`` {refund_no, order_no, aftersale_no, amount} -> submit to WeChat;
- ``payment.close_requested`` {payment_no, order_no} -> close the WeChat transaction.
"""

from __future__ import annotations

from typing import Final

PAYMENT_SUCCEEDED: Final = "payment.succeeded"
REFUND_SUCCEEDED: Final = "refund.succeeded"
REFUND_FAILED: Final = "refund.failed"
REFUND_REQUESTED: Final = "refund.requested"
CLOSE_REQUESTED: Final = "payment.close_requested"
