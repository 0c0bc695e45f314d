"""What other modules may use from content: the events it publishes, and how many public posts
members wrote (achievements count them)."""

from __future__ import annotations

from shoplet.modules.content.events import POST_PUBLISHED, QUESTION_ANSWERED
from shoplet.modules.content.repository import approved_post_counts

__all__ = ["POST_PUBLISHED", "QUESTION_ANSWERED", "approved_post_counts"]
