"""Flag changes travel as ruleset versions on pub/sub (``runtime.CHANNEL``), not as outbox
events: a process needs the newest ruleset, not each change, and reloads it from the database."""

from __future__ import annotations

from .runtime import CHANNEL

__all__ = ["CHANNEL"]
