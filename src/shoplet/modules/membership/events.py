"""Events membership publishes (outbox, in the transaction of the change).

- ``membership.tier_changed`` {member_id, from_level, to_level, from_code, to_code, direction
  ("up" | "down"), growth_total, cause (the growth reason, or "downgrade")}: once per crossing —
  an upgrade in the transaction of the growth that crossed the threshold (several levels at once
  make one event), a downgrade in the job's transaction.

- ``membership.plan_started`` {member_id, order_no, plan_id, plan_name, starts_at, ends_at,
  renewal, coupon_template_ids}: a paid plan period started (or was queued after the running
  one), once per order — promotions may hand out the plan's coupon pack from it;
- ``membership.plan_revoked`` {member_id, order_no, plan_id, refunded, ends_at}: a refund ended
  the period (``ends_at`` its new end);
- ``membership.renewal_due`` {member_id, ends_at, message}: once per member and end date,
  ``RENEWAL_REMIND_DAYS`` before it (subscribe messages may send it).

Membership subscribes (``tasks.py``) to ``order.paid`` (growth), ``aftersale.refunded``
(proportional reversal) and ``order.refunded`` (what is left of the order's growth); for plan
orders also to ``order.paid`` (the period starts), ``order.cancelled`` (never paid),
``aftersale.refunded`` and ``order.refunded`` (the period is revoked).
"""

from __future__ import annotations

from typing import Final

TIER_CHANGED: Final = "membership.tier_changed"
PLAN_STARTED: Final = "membership.plan_started"
PLAN_REVOKED: Final = "membership.plan_revoked"
RENEWAL_DUE: Final = "membership.renewal_due"
