"""What other modules may use from achievements: the event it publishes. Nothing above it
calls it yet."""

from __future__ import annotations

from shoplet.modules.achievements.events import UNLOCKED

__all__ = ["UNLOCKED"]
