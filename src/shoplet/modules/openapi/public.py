"""What other modules (and the app) may use of the open platform: the app table's model for
the webhooks to come, the scopes, and the start-up hook that flushes the access log."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.members import public as members
from shoplet.modules.openapi import merge_hook as _merge
from shoplet.modules.openapi.api import access_log
from shoplet.modules.openapi.models import App
from shoplet.modules.openapi.schemas import SCOPES, Scope

__all__ = ["SCOPES", "App", "Scope", "startup"]

FLUSH_EVERY_SECONDS = 1.0


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    """Flush the access-log buffer every second; the last rows on shutdown."""
    members.register_merge_hook(ctx, "openapi", _merge.move_member, tables=_merge.TABLES)
    buffer = access_log(ctx)

    async def loop() -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY_SECONDS)
            await buffer.flush(ctx.sessionmaker)

    task = asyncio.create_task(loop(), name="openapi-access-log")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await buffer.flush(ctx.sessionmaker)

    return stop
