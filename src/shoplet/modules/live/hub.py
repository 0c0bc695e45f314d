"""Live delivery of room events to open WebSockets, across API processes.

Every API process keeps the sockets it serves in a ``LiveHub``, by session: shoppers' (viewers)
and staff's (the control room). An event is published after its transaction commits: with
Redis, to the channel ``<prefix>live:events`` every process subscribes to, so a comment written
through one process reaches viewers held by another; embedded (no Redis), in process.

An event is ``{"session_id", "frame": {...}}``, optionally with ``"staff": {...}`` (fields only
the control room sees, such as a comment's member id), ``"member_id"`` (only that shopper's
sockets, and the control room, get it) and ``"kick": true`` (then close that shopper's sockets:
a ban). The frame is serialised once per event and per audience,
then offered to each connection's bounded queue; a consumer that falls behind is dropped (closed
with 4008) rather than slowing the room: its client reconnects.

Likes and presence are batched: each process adds up the likes its sockets sent and, every
``TICK`` seconds, adds them to the room's counter in one step (``store.add_likes``) and
publishes one ``stats`` frame per room whose figures moved, however many shoppers tapped.
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

from .store import MemoryRoomStore, RedisRoomStore, RoomStore

log = structlog.get_logger("shoplet.live.hub")

QUEUE_SIZE = 256
BANNED_CLOSE = 4403
TICK = 0.5


class Connection(QueuedSocket):
    """One open socket in a room: the session it watches (or controls), who it is, its queue."""

    def __init__(
        self,
        send: Callable[[bytes], Any],
        close: Callable[[int], Any],
        *,
        session_id: int,
        member_id: int | None = None,
        staff_id: int | None = None,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        super().__init__(send, close, member_id=member_id, staff_id=staff_id, queue_size=queue_size)
        self.session_id = session_id


class Room:
    __slots__ = ("staff", "viewers")

    def __init__(self) -> None:
        self.viewers: set[Connection] = set()
        self.staff: set[Connection] = set()


class LiveHub:
    def __init__(self, redis: Redis | None, *, channel: str, store: RoomStore) -> None:
        self.redis = redis
        self.channel = channel
        self.store = store
        self.rooms: dict[int, Room] = {}
        self.pending_likes: dict[int, int] = {}
        self.moved: set[int] = set()
        self._listener: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, *, wait: float = 5.0) -> None:
        self._ticker = asyncio.create_task(self._tick_forever())
        if self.redis is None:
            return
        self._listener = asyncio.create_task(self._listen_forever(self.redis))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), wait)

    async def stop(self) -> None:
        for task in [self._listener, self._ticker, *self._pending]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    # -- registration ----------------------------------------------------------------------

    def register(self, connection: Connection) -> None:
        room = self.rooms.setdefault(connection.session_id, Room())
        (room.viewers if connection.member_id is not None else room.staff).add(connection)
        connection.start()

    async def unregister(self, connection: Connection) -> None:
        room = self.rooms.get(connection.session_id)
        if room is not None:
            room.viewers.discard(connection)
            room.staff.discard(connection)
            if not room.viewers and not room.staff:
                del self.rooms[connection.session_id]
        await connection.stop()

    def online_here(self, session_id: int) -> int:
        room = self.rooms.get(session_id)
        return len(room.viewers) if room is not None else 0

    # -- likes and presence (batched) ------------------------------------------------------

    def like(self, session_id: int, count: int) -> None:
        self.pending_likes[session_id] = self.pending_likes.get(session_id, 0) + count

    def note_moved(self, session_id: int) -> None:
        self.moved.add(session_id)

    async def flush(self) -> None:
        """Add the likes taken since the last tick, then one ``stats`` frame per moved room."""
        likes, self.pending_likes = self.pending_likes, {}
        moved, self.moved = self.moved | set(likes), set()
        for session_id, count in likes.items():
            await self.store.add_likes(session_id, count)
        for session_id in moved:
            counters = await self.store.counters(session_id)
            await self.publish(
                {
                    "session_id": session_id,
                    "frame": {
                        "type": "stats",
                        "session_id": session_id,
                        "online": counters.online,
                        "viewers": counters.viewers,
                        "likes": counters.likes,
                    },
                }
            )

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live.flush_failed", exc_info=True)

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
            # Viewers read the latest comments with GET …/comments when they reconnect.
            log.warning("live.publish_failed", exc_info=True)

    def deliver(self, data: bytes) -> int:
        """Hand an event to this process's sockets in its room; how many took it."""
        try:
            event = orjson.loads(data)
            session_id = int(event["session_id"])
            frame = event["frame"]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("live.bad_event", data=data[:200])
            return 0
        room = self.rooms.get(session_id)
        if room is None:
            return 0
        target = event.get("member_id")
        kick = bool(event.get("kick"))
        public = orjson.dumps(frame)
        extra = event.get("staff")
        if target is not None:
            extra = {**(extra if isinstance(extra, dict) else {}), "member_id": target}
        staff = orjson.dumps(_merge(frame, extra)) if isinstance(extra, dict) else public
        delivered = 0
        for connection in list(room.viewers):
            if target is not None and connection.member_id != target:
                continue
            delivered += connection.offer(public)
            if kick:
                connection.finish(BANNED_CLOSE)
        for connection in list(room.staff):
            delivered += connection.offer(staff)
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
                log.warning("live.subscriber_lost", channel=self.channel, exc_info=True)
            finally:
                self._subscribed.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)


def _merge(frame: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra``'s fields added to the frame's nested object of the same name, or on top."""
    merged = dict(frame)
    for key, value in extra.items():
        inner = merged.get(key)
        if isinstance(inner, dict) and isinstance(value, dict):
            merged[key] = {**inner, **value}
        else:
            merged[key] = value
    return merged


HUB = "live.hub"


def hub_of(ctx: AppContext) -> LiveHub:
    """This process's hub (``ctx.extras``), made on first use."""
    hub = ctx.extras.get(HUB)
    if not isinstance(hub, LiveHub):
        prefix = ctx.settings.redis_prefix
        store: RoomStore = (
            RedisRoomStore(ctx.redis, prefix) if ctx.redis is not None else MemoryRoomStore()
        )
        hub = ctx.extras[HUB] = LiveHub(ctx.redis, channel=f"{prefix}live:events", store=store)
    return hub
