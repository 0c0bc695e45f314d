"""What other modules may use from content: the events it publishes. Nothing above it calls
it yet."""

from __future__ import annotations

from shoplet.modules.content.events import POST_PUBLISHED, QUESTION_ANSWERED

__all__ = ["POST_PUBLISHED", "QUESTION_ANSWERED"]
