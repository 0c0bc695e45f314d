"""The chat's two sockets: the shopper's (``/api/v1/support/ws``) and the staff's
(``/api/v1/console/support/ws``). Each authenticates its first frame and answers ``send`` and
``read`` frames in a transaction of its own (``unit_of_work``: a socket outlives any request),
through the same service calls as the REST routes (``ws.py`` holds the protocol)."""

from __future__ import annotations

from typing import Any

from starlette.websockets import WebSocket

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work
from shoplet.core.storage import get_storage
from shoplet.modules.members.public import member_from_token
from shoplet.modules.staff.public import PermissionDenied, staff_from_token

from . import service, wechat, ws
from .errors import MessageRefused
from .hub import hub_of
from .schemas import MessageSend, ReadBody, StaffMessageSend


async def serve_shopper(websocket: WebSocket) -> None:
    ctx: AppContext = websocket.app.state.ctx

    openids: dict[int, str | None] = {}

    async def authenticate(token: str) -> dict[str, Any]:
        member = member_from_token(ctx, token)
        openids[member.id] = member.openid
        return {"member_id": member.id}

    async def handle(frame: dict[str, Any], who: dict[str, Any]) -> dict[str, Any] | None:
        member_id = int(who["member_id"])
        kind = frame.get("type")
        if kind == "send":
            body = MessageSend.model_validate(
                {k: v for k, v in frame.items() if k not in ("type", "ref")}
            )
            openid = openids.get(member_id)
            # Screened before the transaction opens (WeChat is called here).
            screening = await service.screen_text(ctx, openid=openid, body=body)
            refused: MessageRefused | None = None
            async with unit_of_work(ctx.sessionmaker) as session:
                try:
                    message = await service.send_member_message(
                        session,
                        hub_of(ctx),
                        ctx.limiter,
                        member_id=member_id,
                        body=body,
                        screening=screening,
                        openid=openid,
                    )
                except MessageRefused as exc:
                    # The audit item is kept: this unit of work commits it.
                    refused = exc
            if refused is not None:
                raise refused
            return {
                "type": "ack",
                "ref": frame.get("ref"),
                "message": message.model_dump(mode="json"),
            }
        if kind == "read":
            body_read = ReadBody.model_validate({"message_id": frame.get("message_id")})
            async with unit_of_work(ctx.sessionmaker) as session:
                await service.mark_read(
                    session,
                    hub_of(ctx),
                    conversation_id=int(frame.get("conversation_id") or 0),
                    message_id=body_read.message_id,
                    member_id=member_id,
                )
            return None
        return {"type": "error", "code": "support.bad_frame"}

    await ws.serve(websocket, ctx, authenticate, handle)


async def serve_staff(websocket: WebSocket) -> None:
    ctx: AppContext = websocket.app.state.ctx

    async def authenticate(token: str) -> dict[str, Any]:
        async with read_session(ctx.sessionmaker) as session:
            staff = await staff_from_token(ctx, session, token)
        if service.PERMISSION not in staff.permissions:
            raise PermissionDenied(f"Your role ({staff.role}) lacks the support:chat permission")
        return {"staff_id": staff.id}

    async def handle(frame: dict[str, Any], who: dict[str, Any]) -> dict[str, Any] | None:
        staff_id = int(who["staff_id"])
        kind = frame.get("type")
        conversation_id = frame.get("conversation_id")
        if not isinstance(conversation_id, int) or conversation_id < 1:
            return {"type": "error", "ref": frame.get("ref"), "code": "support.bad_frame"}
        if kind == "send":
            body = StaffMessageSend.model_validate(
                {k: v for k, v in frame.items() if k not in ("type", "ref", "conversation_id")}
            )
            # A wechat conversation's reply goes to WeChat first, with no transaction open.
            await wechat.relay(
                ctx,
                websocket.app.state.integrations,
                get_storage(ctx, "media"),
                staff_id=staff_id,
                conversation_id=conversation_id,
                body=body,
            )
            async with unit_of_work(ctx.sessionmaker) as session:
                message = await service.send_staff_message(
                    session,
                    hub_of(ctx),
                    staff_id=staff_id,
                    conversation_id=conversation_id,
                    body=body,
                )
            return {
                "type": "ack",
                "ref": frame.get("ref"),
                "message": message.model_dump(mode="json"),
            }
        if kind == "read":
            read = ReadBody.model_validate({"message_id": frame.get("message_id")})
            async with unit_of_work(ctx.sessionmaker) as session:
                await service.mark_read(
                    session,
                    hub_of(ctx),
                    conversation_id=conversation_id,
                    message_id=read.message_id,
                )
            return None
        return {"type": "error", "code": "support.bad_frame"}

    await ws.serve(websocket, ctx, authenticate, handle)
