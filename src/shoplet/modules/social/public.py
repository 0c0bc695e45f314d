"""What other modules may use from social: the events group buys and sharing publish, how many
groups members led to success, card posters drawn through the share-poster pipeline
(achievements' badge cards), and the orders each play placed (``play_order_facts``: insights'
campaign drill)."""

from __future__ import annotations

from shoplet.modules.social.distribution.public import startup  # 分销: payouts client
from shoplet.modules.social.events import GROUP_FAILED, GROUP_SUCCEEDED
from shoplet.modules.social.repository import play_order_facts, succeeded_groups_led
from shoplet.modules.social.sharing.events import SHARE_CONVERTED, SHARE_VISITED
from shoplet.modules.social.sharing.schemas import SharePoster
from shoplet.modules.social.sharing.service import CardPoster, make_card_poster

__all__ = [
    "GROUP_FAILED",
    "GROUP_SUCCEEDED",
    "SHARE_CONVERTED",
    "SHARE_VISITED",
    "CardPoster",
    "SharePoster",
    "make_card_poster",
    "play_order_facts",
    "startup",
    "succeeded_groups_led",
]
