"""The chat's WebSocket protocol, shared by the shoppers' and the staff's sockets.

The token never travels in the URL (it would be logged): the client's first frame is
``{"type": "auth", "token": "<access token>"}`` within ``AUTH_SECONDS``; the server answers
``{"type": "ready"}`` or closes with 4401. After that the server pushes

- ``{"type": "message", "message": ChatMessage}``,
- ``{"type": "conversation", "conversation": Conversation}`` (queued, claimed, transferred,
  closed),
- ``{"type": "read", "conversation_id", "side": "member"|"staff", "message_id"}``,

and the client may send ``{"type": "send", "ref", ...}`` (the REST body of a message, plus
``conversation_id`` for staff), ``{"type": "read", "conversation_id", "message_id"}`` and
``{"type": "ping"}``. A send is answered ``{"type": "ack", "ref", "message": …}`` or
``{"type": "error", "ref", "code", "detail"}`` with the REST problem code
(``support.rate_limited`` over the limit). A client too slow to take its frames is closed with
4008; it reconnects and reads what it missed with ``GET …/messages?after=<cursor>``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from shoplet.core.context import AppContext
from shoplet.core.errors import ShopletError

from .hub import Connection, hub_of

AUTH_SECONDS = 10.0
UNAUTHORIZED_CLOSE = 4401
FORBIDDEN_CLOSE = 4403

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


async def _first_token(websocket: WebSocket) -> str | None:
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), AUTH_SECONDS)
        frame = orjson.loads(raw)
    except (TimeoutError, orjson.JSONDecodeError, WebSocketDisconnect, KeyError):
        return None
    token = frame.get("token") if isinstance(frame, dict) else None
    if not isinstance(frame, dict) or frame.get("type") != "auth":
        return None
    if not isinstance(token, str) or len(token) > 4096:
        return None
    return token


async def serve(
    websocket: WebSocket,
    ctx: AppContext,
    authenticate: Callable[[str], Awaitable[dict[str, Any]]],
    handle: Callable[[dict[str, Any], dict[str, Any]], Awaitable[dict[str, Any] | None]],
) -> None:
    """Accept, authenticate with the first frame, register with the hub, answer frames."""
    await websocket.accept()
    token = await _first_token(websocket)
    who: dict[str, Any] | None = None
    if token is not None:
        try:
            who = await authenticate(token)
        except ShopletError as exc:
            await _send(websocket, {"type": "error", "code": exc.code, "detail": exc.detail})
            close = FORBIDDEN_CLOSE if exc.status == 403 else UNAUTHORIZED_CLOSE
            await websocket.close(code=close)
            return
    if who is None:
        await websocket.close(code=UNAUTHORIZED_CLOSE)
        return
    hub = hub_of(ctx)
    connection = Connection.of(
        websocket, member_id=who.get("member_id"), staff_id=who.get("staff_id")
    )
    hub.register(connection)
    connection.offer(orjson.dumps({"type": "ready", **who}))
    try:
        while not connection.dropped:
            try:
                frame = orjson.loads(await websocket.receive_text())
            except orjson.JSONDecodeError:
                connection.offer(orjson.dumps({"type": "error", "code": "support.bad_frame"}))
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
        with contextlib.suppress(Exception):
            await websocket.close()


async def _answer(
    frame: dict[str, Any],
    who: dict[str, Any],
    handle: Callable[[dict[str, Any], dict[str, Any]], Awaitable[dict[str, Any] | None]],
) -> dict[str, Any] | None:
    kind = frame.get("type")
    ref = frame.get("ref")
    if kind == "ping":
        return {"type": "pong"}
    try:
        return await handle(frame, who)
    except ShopletError as exc:
        return {"type": "error", "ref": ref, "code": exc.code, "detail": exc.detail}
    except ValidationError:
        return {"type": "error", "ref": ref, "code": "support.message_invalid"}


async def _send(websocket: WebSocket, frame: dict[str, Any]) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(orjson.dumps(frame).decode())
