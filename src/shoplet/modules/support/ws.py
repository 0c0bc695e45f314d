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
4008; it reconnects and reads what it missed with ``GET …/messages?after=<cursor>``. The sign-in
and the read loop are ``core/socket_queue.serve_signed_in``, as the live rooms' are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.websockets import WebSocket

from shoplet.core.context import AppContext
from shoplet.core.socket_queue import serve_signed_in

from .hub import Connection, hub_of

Frame = dict[str, Any]


async def serve(
    websocket: WebSocket,
    ctx: AppContext,
    authenticate: Callable[[str], Awaitable[Frame]],
    handle: Callable[[Frame, Frame], Awaitable[Frame | None]],
) -> None:
    """Accept, authenticate with the first frame, register with the hub, answer frames."""
    hub = hub_of(ctx)

    async def sign_in(token: str) -> tuple[Frame, Frame]:
        who = await authenticate(token)
        return who, who

    async def answer(frame: Frame, who: Frame) -> Frame | None:
        try:
            return await handle(frame, who)
        except ValidationError:
            return {"type": "error", "ref": frame.get("ref"), "code": "support.message_invalid"}

    await serve_signed_in(
        websocket,
        sign_in=sign_in,
        connect=lambda who: Connection.of(
            websocket, member_id=who.get("member_id"), staff_id=who.get("staff_id")
        ),
        register=hub.register,
        unregister=hub.unregister,
        handle=answer,
        bad_frame="support.bad_frame",
    )
