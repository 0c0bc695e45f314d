"""What other modules may use from group buys: the events they publish. Nothing above them
calls them yet."""

from __future__ import annotations

from shoplet.modules.social.distribution.public import startup  # 分销: payouts client
from shoplet.modules.social.events import GROUP_FAILED, GROUP_SUCCEEDED
from shoplet.modules.social.sharing.events import SHARE_CONVERTED, SHARE_VISITED

__all__ = [
    "GROUP_FAILED",
    "GROUP_SUCCEEDED",
    "SHARE_CONVERTED",
    "SHARE_VISITED",
    "startup",
]
