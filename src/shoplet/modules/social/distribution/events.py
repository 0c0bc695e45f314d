"""Events distribution publishes (outbox, in the transaction of the change).

- ``distribution.commission_created`` {order_no, promoter_id, level, amount}: per commission;
- ``distribution.withdrawal_paid`` {withdrawal_no, promoter_id, amount};
- ``distribution.promoter_changed`` {promoter_id, member_id, status, at}: a promoter was
  created or moved (applied, approved, rejected, invited); analytics reads it for the 推广员
  role of profiles (the name is analytics' ``PROMOTER_CHANGED``, since analytics sits below).

Distribution subscribes (``tasks.py``) to orders' ``order.paid`` (commissions, automatic
promoters), ``order.completed`` (the freeze window starts), ``aftersale.refunded`` and
``order.refunded`` (commissions reversed per line, proportionally).
"""

from __future__ import annotations

from typing import Final

from shoplet.modules.analytics.public import PROMOTER_CHANGED

COMMISSION_CREATED: Final = "distribution.commission_created"
WITHDRAWAL_PAID: Final = "distribution.withdrawal_paid"

__all__ = ["COMMISSION_CREATED", "PROMOTER_CHANGED", "WITHDRAWAL_PAID"]
