"""One open WebSocket with a bounded send queue drained by its own writer task, shared by the
hubs that fan frames out to many sockets (support's chat, live rooms).

A hub never awaits a slow socket: ``offer`` queues a frame or, when the queue is full, drops
the connection (closed with ``SLOW_CONSUMER_CLOSE``; the client reconnects and catches up).
``finish`` closes after the frames already queued are sent (an empty frame marks the end).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Self

import structlog
from starlette.websockets import WebSocket

log = structlog.get_logger("shoplet.sockets")

SLOW_CONSUMER_CLOSE = 4008


class QueuedSocket:
    """Who is on the socket (a member or a staff account) and its send queue."""

    def __init__(
        self,
        send: Callable[[bytes], Any],
        close: Callable[[int], Any],
        *,
        member_id: int | None = None,
        staff_id: int | None = None,
        queue_size: int,
    ) -> None:
        self._send = send
        self._close = close
        self.member_id = member_id
        self.staff_id = staff_id
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=queue_size)
        self.dropped = False
        self.close_code = SLOW_CONSUMER_CLOSE
        self._writer: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, websocket: WebSocket, **who: Any) -> Self:
        return cls(
            lambda data: websocket.send_text(data.decode()),
            lambda code: websocket.close(code=code),
            **who,
        )

    def offer(self, frame: bytes) -> bool:
        """Queue ``frame``; a full queue drops the connection instead of waiting."""
        if self.dropped:
            return False
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            log.info("sockets.slow_consumer_dropped", member=self.member_id, staff=self.staff_id)
            self.drop(SLOW_CONSUMER_CLOSE)
            return False
        return True

    def drop(self, code: int) -> None:
        self.dropped = True
        self.close_code = code
        if self._writer is not None:
            self._writer.cancel()

    def finish(self, code: int) -> None:
        """Close after the frames already queued are sent (a ban's last frame arrives)."""
        if self.dropped:
            return
        try:
            self.queue.put_nowait(b"")
        except asyncio.QueueFull:
            self.drop(code)
            return
        self.close_code = code
        self.dropped = True

    def start(self) -> None:
        self._writer = asyncio.create_task(self._drain())

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer

    async def _drain(self) -> None:
        try:
            while True:
                data = await self.queue.get()
                if not data:
                    self.queue.task_done()
                    await self._close(self.close_code)
                    return
                await self._send(data)
                self.queue.task_done()
        except asyncio.CancelledError:
            if self.dropped:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._close(self.close_code))
            raise
        except Exception:
            # The socket went away; its reader notices and unregisters it.
            self.dropped = True
