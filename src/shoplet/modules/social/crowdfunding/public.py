"""What other modules may use from crowdfunding: the events it publishes."""

from __future__ import annotations

from shoplet.modules.social.crowdfunding.events import CROWDFUNDING_FAILED, CROWDFUNDING_SUCCEEDED

__all__ = ["CROWDFUNDING_FAILED", "CROWDFUNDING_SUCCEEDED"]
