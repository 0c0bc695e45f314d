"""WeCom is at the top of the growth layer: no module uses it. ``startup`` registers the
members' merge hook (customers linked to an absorbed account follow the survivor) and gives
the jobs WeCom's client; the other names are for the tests and the CLI."""

from __future__ import annotations

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.setup import Integrations
from shoplet.modules.members import public as members
from shoplet.modules.wecom.repository import move_member as _move_member
from shoplet.modules.wecom.service import (
    CLOCK_KEY,
    STOREFRONT_PAGES,
    batches,
    install,
    link_members,
    make_state,
    parse_state,
)

__all__ = [
    "CLOCK_KEY",
    "STOREFRONT_PAGES",
    "batches",
    "link_members",
    "make_state",
    "parse_state",
    "startup",
]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves linked customers through this hook (members sits below)."""
    members.register_merge_hook(ctx, "wecom", _move_member, tables=("wecom_contact.member_id",))
    integrations: Integrations = app.state.integrations
    install(ctx, integrations)
