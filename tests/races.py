"""Helpers of the race tests on PostgreSQL: a context whose engine has a connection for every
racer, and calls released together."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine
from tests.conftest import BackendDb, make_context


@asynccontextmanager
async def pooled_context(
    backend_db: BackendDb, ctx: AppContext, connections: int
) -> AsyncIterator[AppContext]:
    """``ctx`` on an engine of its own with ``connections`` connections (no overflow), so each
    racer holds its own connection and transaction."""
    engine = create_engine(backend_db.url, pool_size=connections, max_overflow=0)
    racing = make_context(dataclasses.replace(backend_db, engine=engine), ctx.settings)
    try:
        yield racing
    finally:
        if racing.redis is not None:
            await racing.redis.aclose()
        await engine.dispose()


async def released_together(
    racing: AppContext, calls: list[Callable[[AppContext], Awaitable[Any]]]
) -> list[Any]:
    """Every call started, then all released at once; their results in order."""
    start = asyncio.Event()

    async def run(call: Callable[[AppContext], Awaitable[Any]]) -> Any:
        await start.wait()
        return await call(racing)

    tasks = [asyncio.create_task(run(c)) for c in calls]
    start.set()
    return await asyncio.gather(*tasks)
