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
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from redis.asyncio import Redis

from shoplet.core.context import AppContext
from shoplet.core.socket_queue import ChannelHub, QueuedSocket

from .store import MemoryRoomStore, RedisRoomStore, RoomStore

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


class LiveHub(ChannelHub):
    def __init__(self, redis: Redis | None, *, channel: str, store: RoomStore) -> None:
        super().__init__(redis, channel=channel, name="live")
        self.store = store
        self.rooms: dict[int, Room] = {}
        self.pending_likes: dict[int, int] = {}
        self.moved: set[int] = set()

    def background(self) -> list[Coroutine[Any, Any, None]]:
        return [self._tick_forever()]

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
                self.log.warning("live.flush_failed", exc_info=True)

    # -- delivery ------------------------------------------------------------------------

    def deliver(self, data: bytes) -> int:
        """Hand an event to this process's sockets in its room; how many took it."""
        try:
            event = orjson.loads(data)
            session_id = int(event["session_id"])
            frame = event["frame"]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            self.log.warning("live.bad_event", data=data[:200])
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
