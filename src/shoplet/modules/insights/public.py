"""What other modules may use from insights: nothing yet (it is the top of the layers; its
reports are served to the console only)."""

from __future__ import annotations

__all__: list[str] = []
