"""Events loyalty publishes (outbox, in the transaction of the change).

- ``points.changed`` {member_id, kind, reason, points, ref, order_no, balance}: every ledger entry;
- ``loyalty.signed_in`` {member_id, day, streak}: a daily sign-in (achievements count streaks).

Loyalty subscribes (``tasks.py``) to ``order.completed`` (earn), ``aftersale.refunded`` (take
back in proportion), ``order.refunded`` (take back the rest, return points spent) and
``order.cancelled`` (return points spent).
"""

from __future__ import annotations

from typing import Final

POINTS_CHANGED: Final = "points.changed"
SIGNED_IN: Final = "loyalty.signed_in"
