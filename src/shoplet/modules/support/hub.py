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

from collections.abc import Callable
from typing import Any

import orjson
from redis.asyncio import Redis

from shoplet.core.context import AppContext
from shoplet.core.socket_queue import ChannelHub, QueuedSocket

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


class SupportHub(ChannelHub):
    def __init__(self, redis: Redis | None, *, channel: str) -> None:
        super().__init__(redis, channel=channel, name="support")
        self.members: dict[int, set[Connection]] = {}
        self.staff: set[Connection] = set()

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

    # -- delivery ------------------------------------------------------------------------

    def deliver(self, data: bytes) -> int:
        """Hand an event to the sockets of this process it concerns; how many took it."""
        try:
            event = orjson.loads(data)
            member_id = int(event["member_id"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            self.log.warning("support.bad_event", data=data[:200])
            return 0
        frame = orjson.dumps({k: v for k, v in event.items() if k != "member_id"})
        delivered = 0
        for connection in list(self.members.get(member_id, ())):
            delivered += connection.offer(frame)
        for connection in list(self.staff):
            delivered += connection.offer(frame)
        return delivered


HUB = "support.hub"


def hub_of(ctx: AppContext) -> SupportHub:
    """This process's hub (``ctx.extras``), made on first use."""
    hub = ctx.extras.get(HUB)
    if not isinstance(hub, SupportHub):
        hub = ctx.extras[HUB] = SupportHub(
            ctx.redis, channel=f"{ctx.settings.redis_prefix}support:events"
        )
    return hub
