"""What other modules may use from live sessions: its start-up hook, which starts this
process's ``LiveHub`` (the Redis subscription that fans room events out to the sockets it
holds, and the tick that batches likes and presence) and stops it on shutdown; and the orders
each session brought (``session_order_facts``: insights' campaign drill)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext

from .hub import hub_of
from .repository import session_order_facts

__all__ = ["session_order_facts", "startup"]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    hub = hub_of(ctx)
    await hub.start()
    return hub.stop
