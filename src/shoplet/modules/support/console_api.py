"""Console routes of the support chat (客服工作台): the queue and the staff member's own
conversations, a conversation with the shopper's recent orders, claim, reply, transfer, close,
read receipts, quick replies (快捷回复), and the staff WebSocket ``/support/ws``. Every route
needs ``support:chat``; claims, transfers, closes and quick-reply edits are audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, WebSocket, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.core.storage import get_storage
from shoplet.integrations.setup import IntegrationsDep
from shoplet.modules.staff.public import (
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
)

from . import quick_replies as replies
from . import service, sockets, wechat
from .hub import hub_of
from .schemas import (
    Agent,
    ChatMessage,
    Conversation,
    ConversationDetail,
    MessagePage,
    QuickReply,
    QuickReplyBody,
    ReadBody,
    StaffMessageSend,
    TransferBody,
    Workbench,
)

router = APIRouter(tags=["console-support"])

Agent_ = Annotated[StaffIdentity, Depends(require_permission(service.PERMISSION))]
After = Annotated[str | None, Query(max_length=200)]


@router.get("/support/workbench")
async def workbench(staff: Agent_, session: DbSession, response: Response) -> Workbench:
    """The queue (专属客服 first, then the longest waiting) and my conversations."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.workbench(session, staff_id=staff.id)


@router.get("/support/agents")
async def agents(_: Agent_, session: DbSession) -> list[Agent]:
    """Staff who serve chat (transfer targets)."""
    return await service.agents(session)


@router.get("/support/conversations/{conversation_id}", responses=problem_responses(404))
async def conversation(
    conversation_id: PathId, _: Agent_, session: DbSession, response: Response
) -> ConversationDetail:
    """A conversation, its latest messages and the shopper's recent paid orders."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.conversation_detail(session, conversation_id=conversation_id)


@router.get(
    "/support/conversations/{conversation_id}/messages", responses=problem_responses(400, 404)
)
async def messages(
    conversation_id: PathId,
    _: Agent_,
    session: DbSession,
    response: Response,
    after: After = None,
) -> MessagePage:
    response.headers["Cache-Control"] = NO_STORE
    return await service.staff_messages(session, conversation_id=conversation_id, after=after)


@router.post(
    "/support/conversations/{conversation_id}/claim", responses=problem_responses(404, 409)
)
async def claim(
    conversation_id: PathId, staff: Agent_, request: Request, session: DbSession, ctx: Ctx
) -> Conversation:
    """接入: take a queued conversation; 409 ``support.already_assigned`` if someone did."""
    result = await service.claim(
        session, hub_of(ctx), staff_id=staff.id, conversation_id=conversation_id
    )
    await record_audit(
        session, staff, "support.claim", f"conversation:{conversation_id}", {}, origin_of(request)
    )
    return result


@router.post(
    "/support/conversations/{conversation_id}/messages",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 409, 422, 503),
)
async def send(
    *,
    conversation_id: PathId,
    body: StaffMessageSend,
    staff: Agent_,
    session: DbSession,
    ctx: Ctx,
    integrations: IntegrationsDep,
) -> ChatMessage:
    """Reply in a conversation I serve (409 ``support.not_assignee`` otherwise). On a
    ``wechat`` conversation the reply goes out through WeChat's 客服消息 first and is stored
    only when WeChat took it: 409 ``support.wechat_window_passed`` (48 h after the shopper's
    last message), 409 ``support.wechat_reply_limit``, 503 ``support.wechat_unavailable``."""
    await wechat.relay(
        ctx,
        integrations,
        get_storage(ctx, "media"),
        staff_id=staff.id,
        conversation_id=conversation_id,
        body=body,
    )
    return await service.send_staff_message(
        session, hub_of(ctx), staff_id=staff.id, conversation_id=conversation_id, body=body
    )


@router.post(
    "/support/conversations/{conversation_id}/transfer", responses=problem_responses(404, 409, 422)
)
async def transfer(
    *,
    conversation_id: PathId,
    body: TransferBody,
    staff: Agent_,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> Conversation:
    """转接 to another staff member who serves chat (422 ``support.agent_invalid``)."""
    result = await service.transfer(
        session,
        hub_of(ctx),
        staff_id=staff.id,
        conversation_id=conversation_id,
        to_staff=body.staff_id,
    )
    await record_audit(
        session,
        staff,
        "support.transfer",
        f"conversation:{conversation_id}",
        {"to": body.staff_id},
        origin_of(request),
    )
    return result


@router.post(
    "/support/conversations/{conversation_id}/typing",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409, 503),
)
async def typing(
    conversation_id: PathId, staff: Agent_, ctx: Ctx, integrations: IntegrationsDep
) -> Response:
    """对方正在输入: while I write a reply on a ``wechat`` conversation I serve, the shopper's
    WeChat shows that I am typing (``custom/typing``); nothing on an in-app one. 409
    ``support.wechat_window_passed`` after WeChat's 48 hours."""
    await wechat.typing(ctx, integrations, staff_id=staff.id, conversation_id=conversation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/support/conversations/{conversation_id}/close", responses=problem_responses(404, 409)
)
async def close(
    conversation_id: PathId, staff: Agent_, request: Request, session: DbSession, ctx: Ctx
) -> Conversation:
    """结束会话 (one I serve, or one still in the queue)."""
    result = await service.close(
        session, hub_of(ctx), staff_id=staff.id, conversation_id=conversation_id
    )
    await record_audit(
        session, staff, "support.close", f"conversation:{conversation_id}", {}, origin_of(request)
    )
    return result


@router.post("/support/conversations/{conversation_id}/read", responses=problem_responses(404))
async def mark_read(
    conversation_id: PathId, body: ReadBody, _: Agent_, session: DbSession, ctx: Ctx
) -> Conversation:
    """Staff's read receipt."""
    return await service.mark_read(
        session, hub_of(ctx), conversation_id=conversation_id, message_id=body.message_id
    )


@router.get("/support/quick-replies")
async def quick_replies(_: Agent_, session: DbSession) -> list[QuickReply]:
    return await replies.quick_replies(session)


@router.post(
    "/support/quick-replies", status_code=status.HTTP_201_CREATED, responses=problem_responses(422)
)
async def add_quick_reply(
    body: QuickReplyBody, staff: Agent_, request: Request, session: DbSession
) -> QuickReply:
    reply = await replies.add_quick_reply(session, body)
    await record_audit(
        session,
        staff,
        "support.quick_reply.create",
        f"quick_reply:{reply.id}",
        {},
        origin_of(request),
    )
    return reply


@router.put("/support/quick-replies/{reply_id}", responses=problem_responses(404, 422))
async def update_quick_reply(
    reply_id: PathId, body: QuickReplyBody, staff: Agent_, request: Request, session: DbSession
) -> QuickReply:
    reply = await replies.update_quick_reply(session, reply_id, body)
    await record_audit(
        session,
        staff,
        "support.quick_reply.update",
        f"quick_reply:{reply_id}",
        {},
        origin_of(request),
    )
    return reply


@router.delete(
    "/support/quick-replies/{reply_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def delete_quick_reply(
    reply_id: PathId, staff: Agent_, request: Request, session: DbSession
) -> None:
    await replies.delete_quick_reply(session, reply_id)
    await record_audit(
        session,
        staff,
        "support.quick_reply.delete",
        f"quick_reply:{reply_id}",
        {},
        origin_of(request),
    )


@router.websocket("/support/ws")
async def staff_socket(websocket: WebSocket) -> None:
    """The workbench's live feed (frames in ``support/ws.py``; the first frame authenticates
    with the console token; ``support:chat`` required)."""
    await sockets.serve_staff(websocket)
