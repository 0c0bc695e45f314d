"""What other modules may use from notification: ``enqueue`` (a module that knows of a
group-buy result or points expiring records a send for a shopper), ``shorten`` (a product name
cut to WeChat's 20-character ``thing``) and the start-up hook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.setup import Integrations
from shoplet.modules.notification.service import enqueue, install, shorten

__all__ = ["enqueue", "shorten", "startup"]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]] | None:
    """App lifespan hook: give the sender its WeChat client."""
    integrations: Integrations = app.state.integrations
    install(ctx, integrations)
    return None
