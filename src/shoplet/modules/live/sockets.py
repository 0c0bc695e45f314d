"""The room's two WebSockets: the shoppers' (``/api/v1/live/sessions/{id}/ws``) and the control
room's (``/api/v1/console/live/sessions/{id}/ws``). The same protocol as the support chat: the
token never travels in the URL; the client's first frame is ``{"type": "auth", "token": …}``
within ``AUTH_SECONDS``, answered ``{"type": "ready", …}`` or a close with 4401 (4403 banned, or
a staff member without ``live:manage``).

Server → client frames (``session_id`` in each):

- ``ready``: ``status``, ``online``, ``viewers``, ``likes``, ``explaining`` (a shelf card or
  null);
- ``comment`` (``comment``: id, nickname, text, created_at; the control room also gets
  ``member_id``), ``stats`` (online, viewers, likes; at most one per room every 0.5 s),
  ``explaining`` (``product``: the card, or null), ``shelf``, ``coupon``, ``session`` (status
  changes: started, ended), and to one shopper only ``muted`` / ``unmuted`` / ``banned`` (then
  the socket closes with 4403).

Client → server (shoppers): ``{"type": "comment", "ref", "text"}`` answered ``ack`` (``ref``,
``comment``) or ``error`` (``ref``, ``code``: ``live.rate_limited``, ``live.comment_blocked``,
``live.muted``, …, the REST problem codes); ``{"type": "like", "count"}`` (1–50, batched);
``{"type": "ping"}``. A client too slow to take its frames is closed with 4008 and reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from shoplet.core.context import AppContext
from shoplet.core.db import read_session
from shoplet.core.errors import ShopletError
from shoplet.modules.members.public import member_from_token
from shoplet.modules.staff.public import PermissionDenied, staff_from_token

from . import service
from .hub import Connection, hub_of

AUTH_SECONDS = 10.0
UNAUTHORIZED_CLOSE = 4401
FORBIDDEN_CLOSE = 4403

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


async def _first_token(websocket: WebSocket) -> str | None:
    try:
        frame = orjson.loads(await asyncio.wait_for(websocket.receive_text(), AUTH_SECONDS))
    except (TimeoutError, orjson.JSONDecodeError, WebSocketDisconnect, KeyError):
        return None
    if not isinstance(frame, dict) or frame.get("type") != "auth":
        return None
    token = frame.get("token")
    if not isinstance(token, str) or len(token) > 4096:
        return None
    return token


async def _send(websocket: WebSocket, frame: dict[str, Any]) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(orjson.dumps(frame).decode())


async def _serve(
    websocket: WebSocket,
    session_id: int,
    *,
    authenticate: Callable[[str], Awaitable[dict[str, Any]]],
    enter: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]],
    handle: Callable[[dict[str, Any], dict[str, Any]], Awaitable[dict[str, Any] | None]],
    leave: Callable[[], Awaitable[None]] | None = None,
) -> None:
    ctx: AppContext = websocket.app.state.ctx
    await websocket.accept()
    token = await _first_token(websocket)
    who: dict[str, Any] | None = None
    ready: dict[str, Any] = {}
    if token is not None:
        try:
            who = await authenticate(token)
            ready = await enter(who)
        except ShopletError as exc:
            await _send(websocket, {"type": "error", "code": exc.code, "detail": exc.detail})
            await websocket.close(code=FORBIDDEN_CLOSE if exc.status in (403, 404) else 4401)
            return
    if who is None:
        await websocket.close(code=UNAUTHORIZED_CLOSE)
        return
    hub = hub_of(ctx)
    connection = Connection.of(
        websocket,
        session_id=session_id,
        member_id=who.get("member_id"),
        staff_id=who.get("staff_id"),
    )
    hub.register(connection)
    connection.offer(orjson.dumps({"type": "ready", "session_id": session_id, **ready}))
    try:
        while not connection.dropped:
            try:
                frame = orjson.loads(await websocket.receive_text())
            except orjson.JSONDecodeError:
                connection.offer(orjson.dumps({"type": "error", "code": "live.bad_frame"}))
                continue
            if not isinstance(frame, dict):
                continue
            reply = await _answer(frame, who, handle)
            if reply is not None:
                connection.offer(orjson.dumps(reply))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        await hub.unregister(connection)
        if leave is not None:
            await leave()
        with contextlib.suppress(Exception):
            await websocket.close()


async def _answer(
    frame: dict[str, Any],
    who: dict[str, Any],
    handle: Callable[[dict[str, Any], dict[str, Any]], Awaitable[dict[str, Any] | None]],
) -> dict[str, Any] | None:
    if frame.get("type") == "ping":
        return {"type": "pong"}
    try:
        return await handle(frame, who)
    except ShopletError as exc:
        return {"type": "error", "ref": frame.get("ref"), "code": exc.code, "detail": exc.detail}


async def serve_shopper(websocket: WebSocket, session_id: int) -> None:
    ctx: AppContext = websocket.app.state.ctx
    hub = hub_of(ctx)
    joined = False

    async def authenticate(token: str) -> dict[str, Any]:
        member = member_from_token(ctx, token)
        return {"member_id": member.id, "openid": member.openid}

    async def enter(who: dict[str, Any]) -> dict[str, Any]:
        nonlocal joined
        ready = await service.join(ctx, hub, session_id=session_id, member_id=who["member_id"])
        joined = True
        return ready

    async def leave() -> None:
        if joined:
            await service.leave(hub, session_id=session_id)

    async def handle(frame: dict[str, Any], who: dict[str, Any]) -> dict[str, Any] | None:
        kind = frame.get("type")
        if kind == "comment":
            text = frame.get("text")
            if not isinstance(text, str) or len(text) > 2000:
                return {"type": "error", "ref": frame.get("ref"), "code": "live.comment_invalid"}
            comment = await service.post_comment(
                ctx,
                hub,
                service.Commenter(who["member_id"], who.get("openid")),
                session_id=session_id,
                text=text,
            )
            return {
                "type": "ack",
                "ref": frame.get("ref"),
                "comment": comment.model_dump(mode="json"),
            }
        if kind == "like":
            count = frame.get("count", 1)
            if not isinstance(count, int) or isinstance(count, bool):
                return {"type": "error", "code": "live.likes_invalid"}
            service.take_likes(hub, session_id=session_id, count=count)
            return None
        return {"type": "error", "ref": frame.get("ref"), "code": "live.bad_frame"}

    # The ready frame carries the room's state; the member id stays off it.
    await _serve(
        websocket, session_id, authenticate=authenticate, enter=enter, handle=handle, leave=leave
    )


async def serve_staff(websocket: WebSocket, session_id: int) -> None:
    ctx: AppContext = websocket.app.state.ctx
    hub = hub_of(ctx)

    async def authenticate(token: str) -> dict[str, Any]:
        async with read_session(ctx.sessionmaker) as session:
            staff = await staff_from_token(ctx, session, token)
        if service.PERMISSION not in staff.permissions:
            raise PermissionDenied(f"Your role ({staff.role}) lacks the live:manage permission")
        return {"staff_id": staff.id}

    async def enter(who: dict[str, Any]) -> dict[str, Any]:
        async with read_session(ctx.sessionmaker) as session:
            metrics = await service.metrics(session, hub, session_id=session_id)
        return {"metrics": metrics.model_dump(mode="json")}

    async def handle(frame: dict[str, Any], who: dict[str, Any]) -> dict[str, Any] | None:
        return {"type": "error", "ref": frame.get("ref"), "code": "live.bad_frame"}

    await _serve(websocket, session_id, authenticate=authenticate, enter=enter, handle=handle)
