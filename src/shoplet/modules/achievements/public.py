"""What other modules may use from achievements: the event it publishes. Nothing above it
calls it yet. ``startup`` registers the members' merge hook (unlocks follow a merged account)."""

from __future__ import annotations

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.achievements.events import UNLOCKED
from shoplet.modules.achievements.repository import move_member as _move_member
from shoplet.modules.members import public as members

__all__ = ["UNLOCKED", "startup"]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves the unlocks through this hook (members sits below)."""
    members.register_merge_hook(
        ctx, "achievements", _move_member, tables=("achievements_unlock.member_id",)
    )
