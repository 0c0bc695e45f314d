"""What other modules may use from reviews: the events they publish. Nothing above them calls
them yet."""

from __future__ import annotations

from shoplet.modules.review.events import CREATED, MODERATED

__all__ = ["CREATED", "MODERATED"]
