"""Events achievements publish (outbox, in the transaction of the change).

- ``achievement.unlocked`` {member_id, achievement_id, code, name, points, unlocked_at}: a
  member reached an achievement (once per member and achievement); ``points`` were credited.

Achievements subscribe (``tasks.py``) to ``order.paid`` (paid orders), ``review.created`` and
``review.moderated`` (approved reviews), ``loyalty.signed_in`` (streaks),
``groupbuy.group_succeeded`` (the group's leader) and ``content.post_published`` (posts).
"""

from __future__ import annotations

from typing import Final

UNLOCKED: Final = "achievement.unlocked"
