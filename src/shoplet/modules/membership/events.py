"""Events membership publishes (outbox, in the transaction of the change).

- ``membership.tier_changed`` {member_id, from_level, to_level, from_code, to_code, direction
  ("up" | "down"), growth_total, cause (the growth reason, or "downgrade")}: once per crossing —
  an upgrade in the transaction of the growth that crossed the threshold (several levels at once
  make one event), a downgrade in the job's transaction.

Membership subscribes (``tasks.py``) to ``order.paid`` (growth), ``aftersale.refunded``
(proportional reversal) and ``order.refunded`` (what is left of the order's growth).
"""

from __future__ import annotations

from typing import Final

TIER_CHANGED: Final = "membership.tier_changed"
