"""What other modules may use from reviews: the events they publish, and how many approved
reviews members wrote (achievements count them)."""

from __future__ import annotations

from shoplet.modules.review.events import CREATED, MODERATED
from shoplet.modules.review.repository import approved_counts

__all__ = ["CREATED", "MODERATED", "approved_counts"]
