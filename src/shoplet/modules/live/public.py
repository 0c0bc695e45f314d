"""What other modules may use from live sessions: nothing yet but its start-up hook, which
starts this process's ``LiveHub`` (the Redis subscription that fans room events out to the
sockets it holds, and the tick that batches likes and presence) and stops it on shutdown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext

from .hub import hub_of

__all__ = ["startup"]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    hub = hub_of(ctx)
    await hub.start()
    return hub.stop
