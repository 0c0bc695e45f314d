"""What other modules may use from the points mall: the event it publishes. Nothing above it
calls it yet."""

from __future__ import annotations

from shoplet.modules.pointsmall.events import EXCHANGED

__all__ = ["EXCHANGED"]
