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

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.websockets import WebSocket

from shoplet.core.context import AppContext
from shoplet.core.db import read_session
from shoplet.core.socket_queue import serve_signed_in
from shoplet.modules.members.public import member_from_token
from shoplet.modules.staff.public import PermissionDenied, staff_from_token

from . import service
from .hub import Connection, hub_of

Frame = dict[str, Any]


async def _serve(
    websocket: WebSocket,
    session_id: int,
    *,
    authenticate: Callable[[str], Awaitable[Frame]],
    enter: Callable[[Frame], Awaitable[Frame]],
    handle: Callable[[Frame, Frame], Awaitable[Frame | None]],
    leave: Callable[[], Awaitable[None]] | None = None,
) -> None:
    ctx: AppContext = websocket.app.state.ctx
    hub = hub_of(ctx)

    async def sign_in(token: str) -> tuple[Frame, Frame]:
        who = await authenticate(token)
        return who, {"session_id": session_id, **await enter(who)}

    await serve_signed_in(
        websocket,
        sign_in=sign_in,
        connect=lambda who: Connection.of(
            websocket,
            session_id=session_id,
            member_id=who.get("member_id"),
            staff_id=who.get("staff_id"),
        ),
        register=hub.register,
        unregister=hub.unregister,
        handle=handle,
        bad_frame="live.bad_frame",
        forbidden=(403, 404),  # a banned shopper, a room that is not there
        leave=leave,
    )


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
