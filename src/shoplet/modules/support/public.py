"""What other modules may use from the support chat: nothing yet but its start-up hook, which
starts this process's ``SupportHub`` (the Redis subscription that fans chat events out to the
sockets it holds) and stops it on shutdown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.members import public as members
from shoplet.modules.support import repository as _merge

from .hub import hub_of

__all__ = ["startup"]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    members.register_merge_hook(ctx, "support", _merge.move_member, tables=_merge.MERGED_TABLES)
    hub = hub_of(ctx)
    await hub.start()
    return hub.stop
