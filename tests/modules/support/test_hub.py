"""The hub's delivery rules without sockets: a shopper's events reach that shopper's
connections and every staff connection, never another shopper's; a consumer whose send queue
is full is dropped while the others keep receiving."""

from __future__ import annotations

import asyncio

import orjson

from shoplet.modules.support.hub import Connection, SupportHub


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


def connect(hub: SupportHub, socket: Socket, **who: int) -> Connection:
    connection = Connection(socket.send, socket.close, queue_size=4, **who)
    hub.register(connection)
    return connection


async def drained(*connections: Connection) -> None:
    for connection in connections:
        await asyncio.wait_for(connection.queue.join(), 5)


async def test_events_reach_their_shopper_and_all_staff_only() -> None:
    hub = SupportHub(None, channel="test")
    alice, bob, staff = Socket(), Socket(), Socket()
    connections = [
        connect(hub, alice, member_id=1),
        connect(hub, bob, member_id=2),
        connect(hub, staff, staff_id=9),
    ]
    await hub.publish({"type": "message", "member_id": 1, "message": {"id": 5}})
    await drained(*connections)
    assert alice.frames == staff.frames == [{"type": "message", "message": {"id": 5}}]
    assert bob.frames == []
    for connection in connections:
        await hub.unregister(connection)


async def test_a_slow_consumer_is_dropped_and_the_others_keep_up() -> None:
    hub = SupportHub(None, channel="test")
    slow, fast = Socket(stuck=True), Socket()
    slow_conn = connect(hub, slow, staff_id=1)
    fast_conn = connect(hub, fast, staff_id=2)
    for i in range(10):
        await hub.publish({"type": "message", "member_id": 7, "message": {"id": i}})
        await drained(fast_conn)
    assert [f["message"] for f in fast.frames] == [{"id": i} for i in range(10)]  # type: ignore[index]
    assert slow_conn.dropped
    await slow_conn.stop()  # the writer closes the socket as it ends
    assert slow.closed == 4008
    await hub.unregister(slow_conn)
    await hub.unregister(fast_conn)
