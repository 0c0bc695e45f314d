"""The room hub's delivery rules without sockets: a room's events reach its viewers and its
control room only (never another room's); the control room also sees a comment's member id; a
frame for one shopper reaches only that shopper (and the control room), and a ban closes their
sockets after that frame; a consumer whose queue is full is dropped while the others keep up;
likes are added up and published as one ``stats`` frame per tick."""

from __future__ import annotations

import asyncio

import orjson

from shoplet.core.socket_queue import SLOW_CONSUMER_CLOSE
from shoplet.modules.live.hub import BANNED_CLOSE, Connection, LiveHub
from shoplet.modules.live.store import MemoryRoomStore


class Socket:
    def __init__(self, *, stuck: bool = False) -> None:
        self.frames: list[dict[str, object]] = []
        self.closed: int | None = None
        self.stuck = stuck
        self.release = asyncio.Event()

    async def send(self, data: bytes) -> None:
        if self.stuck:
            await self.release.wait()
        self.frames.append(orjson.loads(data))

    async def close(self, code: int) -> None:
        self.closed = code


def hub() -> LiveHub:
    return LiveHub(None, channel="test", store=MemoryRoomStore())


def connect(room: LiveHub, socket: Socket, session_id: int, **who: int) -> Connection:
    connection = Connection(socket.send, socket.close, session_id=session_id, queue_size=4, **who)
    room.register(connection)
    return connection


async def drained(*connections: Connection) -> None:
    for connection in connections:
        await asyncio.wait_for(connection.queue.join(), 5)


async def test_a_rooms_events_reach_its_viewers_and_control_room_only() -> None:
    room = hub()
    alice, bob, other, staff = Socket(), Socket(), Socket(), Socket()
    connections = [
        connect(room, alice, 1, member_id=7),
        connect(room, bob, 1, member_id=8),
        connect(room, other, 2, member_id=9),
        connect(room, staff, 1, staff_id=3),
    ]
    comment = {"type": "comment", "session_id": 1, "comment": {"id": 5, "text": "在吗"}}
    await room.publish({"session_id": 1, "frame": comment, "staff": {"comment": {"member_id": 7}}})
    await room.publish({"session_id": 1, "frame": {"type": "muted"}, "member_id": 8})
    await drained(*connections)
    assert alice.frames == [comment]
    assert bob.frames == [comment, {"type": "muted"}]
    assert other.frames == []
    assert staff.frames == [
        {**comment, "comment": {"id": 5, "text": "在吗", "member_id": 7}},
        {"type": "muted", "member_id": 8},
    ]
    for connection in connections:
        await room.unregister(connection)


async def test_a_ban_closes_the_shoppers_sockets_after_its_frame() -> None:
    room = hub()
    bob, alice = Socket(), Socket()
    bob_conn = connect(room, bob, 1, member_id=8)
    alice_conn = connect(room, alice, 1, member_id=7)
    await room.publish({"session_id": 1, "frame": {"type": "banned"}, "member_id": 8, "kick": True})
    await asyncio.wait_for(bob_conn.queue.join(), 5)
    for _ in range(100):
        if bob.closed is not None:
            break
        await asyncio.sleep(0)
    assert (bob.frames, bob.closed) == ([{"type": "banned"}], BANNED_CLOSE)
    assert alice.frames == []
    for connection in (bob_conn, alice_conn):
        await room.unregister(connection)


async def test_a_slow_viewer_is_dropped_and_the_others_keep_up() -> None:
    room = hub()
    slow, fast = Socket(stuck=True), Socket()
    slow_conn = connect(room, slow, 1, member_id=1)
    fast_conn = connect(room, fast, 1, member_id=2)
    for i in range(10):
        await room.publish({"session_id": 1, "frame": {"type": "comment", "id": i}})
        await drained(fast_conn)
    assert [f["id"] for f in fast.frames] == list(range(10))
    assert slow_conn.dropped
    await slow_conn.stop()
    assert slow.closed == SLOW_CONSUMER_CLOSE
    await room.unregister(slow_conn)
    await room.unregister(fast_conn)


async def test_likes_are_added_up_and_published_once_per_tick() -> None:
    room = hub()
    viewer = Socket()
    conn = connect(room, viewer, 1, member_id=1)
    for _ in range(3):
        room.like(1, 5)
    await room.flush()
    await room.flush()  # nothing moved: no second frame
    await drained(conn)
    assert viewer.frames == [
        {"type": "stats", "session_id": 1, "online": 0, "viewers": 0, "likes": 15}
    ]
    await room.unregister(conn)
