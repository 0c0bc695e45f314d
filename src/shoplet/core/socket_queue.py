"""One open WebSocket with a bounded send queue drained by its own writer task, shared by the
hubs that fan frames out to many sockets (support's chat, live rooms), the hubs' common part
(``ChannelHub``: publish after commit to a Redis channel every API process listens to) and the
sign-in and read loop both sockets speak (``serve_signed_in``).

A hub never awaits a slow socket: ``offer`` queues a frame or, when the queue is full, drops
the connection (closed with ``SLOW_CONSUMER_CLOSE``; the client reconnects and catches up).
``finish`` closes after the frames already queued are sent (an empty frame marks the end).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection, Coroutine
from typing import Any, Self, TypeVar

import orjson
import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket, WebSocketDisconnect

from shoplet.core.db import on_commit
from shoplet.core.errors import ShopletError

log = structlog.get_logger("shoplet.sockets")

SLOW_CONSUMER_CLOSE = 4008
# The token never travels in the URL (it would be logged): the first frame carries it.
AUTH_SECONDS = 10.0
UNAUTHORIZED_CLOSE = 4401
FORBIDDEN_CLOSE = 4403
MAX_TOKEN = 4096


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


class ChannelHub:
    """What every API process's hub does: events published once their transaction commits,
    with Redis to ``channel`` (every process subscribes, so an event written through one process
    reaches sockets held by another), embedded in process; ``deliver`` (the hub's own) hands one
    to this process's sockets. Log events are named ``<name>.publish_failed`` and so on."""

    def __init__(self, redis: Redis | None, *, channel: str, name: str) -> None:
        self.redis = redis
        self.channel = channel
        self.name = name
        self.log = structlog.get_logger(f"shoplet.{name}.hub")
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()

    def deliver(self, data: bytes) -> int:
        """Hand an event to the sockets of this process it concerns; how many took it."""
        raise NotImplementedError

    def background(self) -> list[Coroutine[Any, Any, None]]:
        """Tasks the hub runs besides its subscriber while it is started (none by default)."""
        return []

    async def start(self, *, wait: float = 5.0) -> None:
        self._tasks = [asyncio.create_task(job) for job in self.background()]
        if self.redis is None:
            return
        self._tasks.append(asyncio.create_task(self._listen_forever(self.redis)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), wait)

    async def stop(self) -> None:
        for task in [*self._tasks, *self._pending]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

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
            # The rows are stored: clients read what they missed when they reconnect or poll.
            self.log.warning(f"{self.name}.publish_failed", exc_info=True)

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
                self.log.warning(
                    f"{self.name}.subscriber_lost", channel=self.channel, exc_info=True
                )
            finally:
                self._subscribed.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)


Frame = dict[str, Any]
Handler = Callable[[Frame, Frame], Awaitable[Frame | None]]
C = TypeVar("C", bound=QueuedSocket)


async def first_token(websocket: WebSocket) -> str | None:
    """The token of the client's first frame, ``{"type": "auth", "token": …}``, sent within
    ``AUTH_SECONDS``; None for anything else."""
    try:
        frame = orjson.loads(await asyncio.wait_for(websocket.receive_text(), AUTH_SECONDS))
    except (TimeoutError, orjson.JSONDecodeError, WebSocketDisconnect, KeyError):
        return None
    if not isinstance(frame, dict) or frame.get("type") != "auth":
        return None
    token = frame.get("token")
    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        return None
    return token


async def send_now(websocket: WebSocket, frame: Frame) -> None:
    """One frame outside the queue (before the socket joins a hub); a gone socket is ignored."""
    with contextlib.suppress(Exception):
        await websocket.send_text(orjson.dumps(frame).decode())


async def serve_signed_in(
    websocket: WebSocket,
    *,
    sign_in: Callable[[str], Awaitable[tuple[Frame, Frame]]],
    connect: Callable[[Frame], C],
    register: Callable[[C], None],
    unregister: Callable[[C], Awaitable[None]],
    handle: Handler,
    bad_frame: str,
    forbidden: Collection[int] = (403,),
    leave: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Accept, sign in with the first frame, join the hub, answer frames until the socket goes.

    ``sign_in`` turns the token into who is on the socket and the ``ready`` frame's fields; a
    ``ShopletError`` refuses with an ``error`` frame (its problem code) and a close, 4403 for
    the ``forbidden`` statuses, else 4401. ``handle`` answers each frame (``ping`` is answered
    here); its ``ShopletError`` becomes ``{"type": "error", "ref", "code", "detail"}``. A frame
    that is not JSON gets ``bad_frame``'s error. ``leave`` runs once the socket has gone."""
    await websocket.accept()
    token = await first_token(websocket)
    signed_in: tuple[Frame, Frame] | None = None
    if token is not None:
        try:
            signed_in = await sign_in(token)
        except ShopletError as exc:
            await send_now(websocket, {"type": "error", "code": exc.code, "detail": exc.detail})
            code = FORBIDDEN_CLOSE if exc.status in forbidden else UNAUTHORIZED_CLOSE
            await websocket.close(code=code)
            return
    if signed_in is None:
        await websocket.close(code=UNAUTHORIZED_CLOSE)
        return
    who, ready = signed_in
    connection = connect(who)
    register(connection)
    connection.offer(orjson.dumps({"type": "ready", **ready}))
    try:
        while not connection.dropped:
            try:
                frame = orjson.loads(await websocket.receive_text())
            except orjson.JSONDecodeError:
                connection.offer(orjson.dumps({"type": "error", "code": bad_frame}))
                continue
            if not isinstance(frame, dict):
                continue
            reply = await _answer(frame, who, handle)
            if reply is not None:
                connection.offer(orjson.dumps(reply))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        await unregister(connection)
        if leave is not None:
            await leave()
        with contextlib.suppress(Exception):
            await websocket.close()


async def _answer(frame: Frame, who: Frame, handle: Handler) -> Frame | None:
    if frame.get("type") == "ping":
        return {"type": "pong"}
    try:
        return await handle(frame, who)
    except ShopletError as exc:
        return {"type": "error", "ref": frame.get("ref"), "code": exc.code, "detail": exc.detail}
