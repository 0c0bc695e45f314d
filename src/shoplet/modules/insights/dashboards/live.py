"""The live stream of a board as server-sent events (``text/event-stream``).

The simplest design that stays correct with any number of API replicas: each open stream
re-reads its board every ``insights_live_seconds`` in a short read session of its own (no
transaction stays open between reads), compares every tile with what it last sent and sends
only the tiles that changed (``event: tiles``; the first event carries all of them, marked
``full``). A comment line (``: heartbeat``) goes out after ``insights_live_heartbeat_seconds``
without an event, so proxies and the browser see the connection alive; the stream ends after
``insights_live_max_seconds`` and the console opens a new one, which checks the token and the
role again (a demotion or an expired session takes effect then)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection

from shoplet.core.context import AppContext
from shoplet.core.replicas import replica_session

from . import frontline
from .schemas import BoardTile, FrontlineUpdate

# Sent first: how long the browser's EventSource waits before reconnecting.
RETRY_MS = 3000
HEADERS = {
    "Cache-Control": "no-store",
    # nginx: pass each event on as it comes (no proxy buffering of the answer).
    "X-Accel-Buffering": "no",
}
MEDIA_TYPE = "text/event-stream"


def event(name: str, data: str, event_id: int) -> str:
    # The JSON is one line (no raw newlines in compact JSON), so one data: field carries it.
    return f"id: {event_id}\nevent: {name}\ndata: {data}\n\n"


async def frontline_events(
    ctx: AppContext,
    permissions: Collection[str],
    *,
    is_disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[str]:
    settings = ctx.settings
    interval = settings.insights_live_seconds
    started = last_sent = time.monotonic()
    sent: dict[str, BoardTile] = {}
    event_id = 0
    yield f"retry: {RETRY_MS}\n\n"
    while True:
        async with replica_session(ctx, ctx.sessionmaker) as session:
            board = await frontline.frontline_board(session, permissions)
        changed = [t for t in board.tiles if sent.get(t.code) != t]
        now = time.monotonic()
        if changed or not event_id:
            event_id += 1
            update = FrontlineUpdate(
                generated_at=board.generated_at, full=event_id == 1, tiles=changed
            )
            yield event("tiles", update.model_dump_json(), event_id)
            sent.update((t.code, t) for t in changed)
            last_sent = now
        elif now - last_sent >= settings.insights_live_heartbeat_seconds:
            yield ": heartbeat\n\n"
            last_sent = now
        if now - started >= settings.insights_live_max_seconds or await is_disconnected():
            return
        await asyncio.sleep(interval)
