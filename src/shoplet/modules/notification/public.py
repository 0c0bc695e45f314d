"""What other modules may use from notification: ``enqueue`` (a module that knows of a price
drop, a product back in stock or points expiring records a send for a shopper) and the
start-up hook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.setup import Integrations
from shoplet.modules.notification.service import enqueue, install

__all__ = ["enqueue", "startup"]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]] | None:
    """App lifespan hook: give the sender its WeChat client."""
    integrations: Integrations = app.state.integrations
    install(ctx, integrations)
    return None
