"""What other modules may use from social: the events group buys and sharing publish, how many
groups members led to success, card posters drawn through the share-poster pipeline
(achievements' badge cards), and the orders each play placed (``play_order_facts``: insights'
campaign drill)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.members import public as members
from shoplet.modules.social import repository as _merge
from shoplet.modules.social.distribution.public import startup as _distribution_startup
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


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]] | None:
    """Members' account merge moves group buys, bargains, pledges, distribution and sharing
    through this hook; distribution (分销) gets its payouts client."""
    members.register_merge_hook(ctx, "social", _merge.move_member, tables=_merge.MERGED_TABLES)
    return await _distribution_startup(app, ctx)
