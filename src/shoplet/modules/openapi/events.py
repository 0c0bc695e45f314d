"""Open-platform events: none yet (webhook deliveries will subscribe to other modules' events)."""

from __future__ import annotations
