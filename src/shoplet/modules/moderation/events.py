"""Events moderation publishes (outbox, in the transaction of the change).

- ``moderation.decided`` {item_id, subject_type, subject_id, member_id, status, actor, reason}:
  an item reached ``approved`` or ``rejected`` (by the filter, WeChat, staff), or went back to
  the queue on appeal (``held``). The owner of the subject applies it (reviews: show or hide).
"""

from __future__ import annotations

from typing import Final

DECIDED: Final = "moderation.decided"
