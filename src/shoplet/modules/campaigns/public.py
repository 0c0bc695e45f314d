"""Campaigns are at the top of the growth layer: no module uses them. The names here are
for the CLI and the tests."""

from __future__ import annotations

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.campaigns import merge_hook as _merge
from shoplet.modules.campaigns.running import run
from shoplet.modules.campaigns.service import results
from shoplet.modules.members import public as members

__all__ = ["results", "run", "startup"]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves campaign touches through this hook (members sits below)."""
    members.register_merge_hook(ctx, "campaigns", _merge.move_member, tables=_merge.TABLES)
