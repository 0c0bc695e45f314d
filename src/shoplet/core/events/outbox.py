"""``publish``: write an event to the outbox in the caller's transaction.

Nothing is delivered if the transaction rolls back; once it commits the relay delivers it at
least once. A commit that carried events wakes the relays of this process at once (low latency
in embedded mode and for the worker's own handlers); polling covers every other process.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import tracing
from shoplet.core.db import on_commit, utcnow
from shoplet.core.events.models import OutboxEvent

EVENT_TYPE_MAX = 100
EVENT_KEY_MAX = 100

_wakers: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}


async def publish(
    session: AsyncSession, type: str, payload: Mapping[str, Any], *, key: str | None = None
) -> str:
    """Add an event to the outbox of ``session``'s transaction (flush only); return its id.

    ``payload`` is stored as JSON: datetimes, UUIDs and dataclasses become JSON values here, so a
    handler sees exactly what was stored; anything not serialisable raises ``TypeError`` now,
    not in the relay.
    """
    if not type or len(type) > EVENT_TYPE_MAX:
        raise ValueError(f"event type must be 1..{EVENT_TYPE_MAX} characters")
    if key is not None and len(key) > EVENT_KEY_MAX:
        raise ValueError(f"event key must be at most {EVENT_KEY_MAX} characters")
    stored = orjson.loads(orjson.dumps(dict(payload)))
    event_id = str(uuid.uuid4())
    session.add(
        OutboxEvent(
            event_id=event_id,
            type=type,
            key=key,
            payload=stored,
            occurred_at=utcnow(),
            trace_context=tracing.current_traceparent(),
        )
    )
    await session.flush()
    on_commit(session, _wake_relays, key=_wake_relays)
    return event_id


def register_wakeup(wake: asyncio.Event) -> Callable[[], None]:
    """Set ``wake`` after every commit in this process that wrote outbox events.

    Returns the function that unregisters it.
    """
    token = id(wake)
    _wakers[token] = (asyncio.get_running_loop(), wake)

    def unregister() -> None:
        _wakers.pop(token, None)

    return unregister


def _wake_relays() -> None:
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for loop, wake in list(_wakers.values()):
        if loop.is_closed():
            continue
        if loop is running:
            wake.set()
        else:
            loop.call_soon_threadsafe(wake.set)
