"""Live delivery of chat events to open WebSockets, across API processes.

Every API process keeps the sockets it serves in a ``SupportHub``: shoppers' by member id, staff
members' in one set (every staff socket hears every conversation's news; the workbench shows
the queue and its own conversations). An event is published after its transaction commits:
with Redis, to the channel ``<prefix>support:events`` that every process subscribes to, so a
message written through one process reaches a socket held by another; embedded (no Redis), it is
delivered in process.

Each connection has a bounded send queue drained by its own writer task. A consumer that falls
behind (its queue full) is dropped (closed with 4008) rather than slowing the others: its client
reconnects and catches up with ``GET …/messages?after=<cursor>``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import orjson
import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import on_commit
from shoplet.core.socket_queue import QueuedSocket

log = structlog.get_logger("shoplet.support.hub")

QUEUE_SIZE = 64


class Connection(QueuedSocket):
    """One open socket: who it is and its send queue."""

    def __init__(
        self,
        send: Callable[[bytes], Any],
        close: Callable[[int], Any],
        *,
        member_id: int | None = None,
        staff_id: int | None = None,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        super().__init__(send, close, member_id=member_id, staff_id=staff_id, queue_size=queue_size)


class SupportHub:
    def __init__(self, redis: Redis | None, *, channel: str) -> None:
        self.redis = redis
        self.channel = channel
        self.members: dict[int, set[Connection]] = {}
        self.staff: set[Connection] = set()
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, *, wait: float = 5.0) -> None:
        if self.redis is None:
            return
        self._listener = asyncio.create_task(self._listen_forever(self.redis))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), wait)

    async def stop(self) -> None:
        for task in [self._listener, *self._pending]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    # -- registration ----------------------------------------------------------------------

    def register(self, connection: Connection) -> None:
        if connection.member_id is not None:
            self.members.setdefault(connection.member_id, set()).add(connection)
        else:
            self.staff.add(connection)
        connection.start()

    async def unregister(self, connection: Connection) -> None:
        if connection.member_id is not None:
            group = self.members.get(connection.member_id)
            if group is not None:
                group.discard(connection)
                if not group:
                    del self.members[connection.member_id]
        else:
            self.staff.discard(connection)
        await connection.stop()

    # -- publishing ------------------------------------------------------------------------

    def after_commit(self, session: AsyncSession, event: dict[str, Any]) -> None:
        """Publish ``event`` once ``session`` commits (never for a rolled-back change)."""
        on_commit(session, lambda: self._spawn(event))

    def _spawn(self, event: dict[str, Any]) -> None:
        task = asyncio.create_task(self.publish(event))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def publish(self, event: dict[str, Any]) -> None:
        data = orjson.dumps(event)
        if self.redis is None:
            self.deliver(data)
            return
        try:
            await self.redis.publish(self.channel, data)
        except Exception:
            # Clients poll ``…/messages?after=`` when a socket stays quiet; the row is stored.
            log.warning("support.publish_failed", exc_info=True)

    def deliver(self, data: bytes) -> int:
        """Hand an event to the sockets of this process it concerns; how many took it."""
        try:
            event = orjson.loads(data)
            member_id = int(event["member_id"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("support.bad_event", data=data[:200])
            return 0
        frame = orjson.dumps({k: v for k, v in event.items() if k != "member_id"})
        delivered = 0
        for connection in list(self.members.get(member_id, ())):
            delivered += connection.offer(frame)
        for connection in list(self.staff):
            delivered += connection.offer(frame)
        return delivered

    async def _listen_forever(self, redis: Redis) -> None:
        backoff = 0.1
        while True:
            try:
                async with redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    async for message in pubsub.listen():
                        kind = message.get("type")
                        if kind == "subscribe":
                            self._subscribed.set()
                            backoff = 0.1
                        elif kind == "message":
                            self.deliver(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("support.subscriber_lost", channel=self.channel, exc_info=True)
            finally:
                self._subscribed.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)


HUB = "support.hub"


def hub_of(ctx: AppContext) -> SupportHub:
    """This process's hub (``ctx.extras``), made on first use."""
    hub = ctx.extras.get(HUB)
    if not isinstance(hub, SupportHub):
        hub = ctx.extras[HUB] = SupportHub(
            ctx.redis, channel=f"{ctx.settings.redis_prefix}support:events"
        )
    return hub
