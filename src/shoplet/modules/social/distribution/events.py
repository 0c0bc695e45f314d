"""Events distribution publishes (outbox, in the transaction of the change).

- ``distribution.commission_created`` {order_no, promoter_id, level, amount}: per commission;
- ``distribution.withdrawal_paid`` {withdrawal_no, promoter_id, amount}.

Distribution subscribes (``tasks.py``) to orders' ``order.paid`` (commissions, automatic
promoters), ``order.completed`` (the freeze window starts), ``aftersale.refunded`` and
``order.refunded`` (commissions reversed per line, proportionally).
"""

from __future__ import annotations

from typing import Final

COMMISSION_CREATED: Final = "distribution.commission_created"
WITHDRAWAL_PAID: Final = "distribution.withdrawal_paid"
