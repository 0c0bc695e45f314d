"""What other modules may use from reviews: the events they publish, and how many approved
reviews members wrote (achievements count them)."""

from __future__ import annotations

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.members import public as members
from shoplet.modules.review import merge_hook as _merge
from shoplet.modules.review.events import CREATED, MODERATED
from shoplet.modules.review.repository import approved_counts

__all__ = ["CREATED", "MODERATED", "approved_counts", "startup"]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves review's member rows through this hook (members sits below)."""
    members.register_merge_hook(ctx, "review", _merge.move_member, tables=_merge.TABLES)
