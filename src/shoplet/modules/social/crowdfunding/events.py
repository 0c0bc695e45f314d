"""Events crowdfunding publishes (outbox, in the transaction of the change).

- ``crowdfunding.succeeded`` {campaign_id, pledged_units, target_quantity}: the target was
  reached by the deadline; the paid pledges' orders ship;
- ``crowdfunding.failed`` {campaign_id, pledged_units, target_quantity}: it was not; every paid
  pledge is refunded.

Crowdfunding subscribes (``tasks.py``) to ``order.paid`` and ``order.cancelled`` of its own
orders (``source = "crowdfunding"``).
"""

from __future__ import annotations

from typing import Final

CROWDFUNDING_SUCCEEDED: Final = "crowdfunding.succeeded"
CROWDFUNDING_FAILED: Final = "crowdfunding.failed"
