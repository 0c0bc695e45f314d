"""What other modules may use from the points mall: the event it publishes. Nothing above it
calls it yet."""

from __future__ import annotations

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.members import public as members
from shoplet.modules.pointsmall import repository as _merge
from shoplet.modules.pointsmall.events import EXCHANGED

__all__ = ["EXCHANGED", "startup"]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves exchanges and usage through this hook (members sits below)."""
    members.register_merge_hook(ctx, "pointsmall", _merge.move_member, tables=_merge.MERGED_TABLES)
