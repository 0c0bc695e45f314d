"""Storefront endpoints of the support chat (tag ``support``): open the conversation, send text,
cards and images, read messages after a cursor (the polling fallback), read receipts, end and
rate; and the shoppers' WebSocket ``/support/ws`` (``ws.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, WebSocket, status
from fastapi.responses import PlainTextResponse

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.core.storage import get_storage
from shoplet.core.uploads import MULTIPART_OVERHEAD, read_upload, upload_body
from shoplet.integrations.setup import Integrations, IntegrationsDep
from shoplet.integrations.wechat.customer_service import open_message_push, parse_message
from shoplet.integrations.wechat.message_crypto import (
    PushCryptoError,
    aes_key,
    signature_matches,
)
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.moderation import public as moderation

from . import service, sockets, wechat
from .errors import ImageInvalid, ImageTooLarge, WeChatPushInvalid
from .hub import hub_of
from .schemas import ChatMessage, Conversation, MessagePage, MessageSend, RatingBody, ReadBody

router = APIRouter(tags=["support"])

After = Annotated[
    str | None,
    Query(max_length=200, description="next_cursor of the last page: only newer messages"),
]
MAX_IMAGE_BYTES = 5 * 1024 * 1024


@router.post("/support/conversation", responses=problem_responses(401))
async def open_conversation(member: CurrentMember, session: DbSession, ctx: Ctx) -> Conversation:
    """联系客服: the shopper's open conversation, or a new one in the queue."""
    return await service.open_conversation(session, hub_of(ctx), member_id=member.id)


@router.get("/support/conversation", responses=problem_responses(401, 404))
async def current_conversation(
    member: CurrentMember, session: DbSession, response: Response
) -> Conversation:
    """The open conversation, else the latest one (to rate it); 404 when there is none."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.current_conversation(session, member_id=member.id)


@router.get(
    "/support/conversations/{conversation_id}/messages", responses=problem_responses(400, 401, 404)
)
async def messages(
    conversation_id: PathId,
    member: CurrentMember,
    session: DbSession,
    response: Response,
    after: After = None,
) -> MessagePage:
    """Messages oldest first: the latest 50, or those after ``after`` (the same the socket
    pushes; a client without a socket polls this)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.member_messages(
        session, member_id=member.id, conversation_id=conversation_id, after=after
    )


@router.post(
    "/support/conversation/messages",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404, 409, 422, 429),
)
async def send_message(
    body: MessageSend, member: CurrentMember, session: DbSession, ctx: Ctx
) -> ChatMessage:
    """Send text (≤ 1000 characters), an order card (your own order) or a product card.
    A text is screened first (the shop's sensitive words, then WeChat): 400
    ``support.message_refused`` when refused (not stored, not delivered). 422
    ``support.message_invalid`` / ``support.card_invalid``, 429 ``support.rate_limited``
    (10 per 10 s), 409 ``support.conversation_closed``."""
    # Screened before the request's transaction opens: WeChat is called here.
    screening = await service.screen_text(ctx, openid=member.openid, body=body)
    return await service.send_member_message(
        session,
        hub_of(ctx),
        ctx.limiter,
        member_id=member.id,
        body=body,
        screening=screening,
        openid=member.openid,
    )


async def _read_image(request: Request) -> bytes:
    upload = await read_upload(
        request, MAX_IMAGE_BYTES, too_large=ImageTooLarge, invalid=ImageInvalid, noun="image"
    )
    return upload.data


@router.post(
    "/support/conversation/images",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404, 409, 413, 429),
    openapi_extra=upload_body("an image: PNG, JPEG or WebP, at most 5 MB"),
    max_body_size=MAX_IMAGE_BYTES + MULTIPART_OVERHEAD,
)
async def send_image(
    request: Request, member: CurrentMember, session: DbSession, ctx: Ctx
) -> ChatMessage:
    """Send an image (the multipart field ``file``). 400 ``support.image_invalid``, 413
    ``support.image_too_large``."""
    data = await _read_image(request)
    return await service.send_member_image(
        session,
        hub_of(ctx),
        ctx.limiter,
        get_storage(ctx, "media"),
        member_id=member.id,
        data=data,
    )


@router.post("/support/conversations/{conversation_id}/read", responses=problem_responses(401, 404))
async def mark_read(
    conversation_id: PathId, body: ReadBody, member: CurrentMember, session: DbSession, ctx: Ctx
) -> Conversation:
    """The shopper's read receipt: the last message they have seen."""
    return await service.mark_read(
        session,
        hub_of(ctx),
        conversation_id=conversation_id,
        message_id=body.message_id,
        member_id=member.id,
    )


@router.post("/support/conversation/close", responses=problem_responses(401, 404, 409))
async def close_conversation(member: CurrentMember, session: DbSession, ctx: Ctx) -> Conversation:
    """The shopper ends the chat."""
    return await service.close_by_member(session, hub_of(ctx), member_id=member.id)


@router.post(
    "/support/conversations/{conversation_id}/rating",
    responses=problem_responses(401, 404, 409, 422),
)
async def rate(
    conversation_id: PathId, body: RatingBody, member: CurrentMember, session: DbSession
) -> Conversation:
    """满意度 1–5, once, after the conversation ended. 422 ``support.rating_invalid``, 409
    ``support.not_closed`` / ``support.already_rated``."""
    return await service.rate(
        session, member_id=member.id, conversation_id=conversation_id, score=body.score
    )


Signed = Annotated[str, Query(max_length=128)]
PUSH_MAX = 64 * 1024


def _aes_key(integrations: Integrations) -> bytes | None:
    key = integrations.wechat_push_aes_key
    return aes_key(key) if key else None


@router.get(
    "/support/wechat/push", response_class=PlainTextResponse, responses=problem_responses(401)
)
async def verify_wechat_push_url(
    integrations: IntegrationsDep,
    signature: Signed = "",
    timestamp: Signed = "",
    nonce: Signed = "",
    echostr: Annotated[str, Query(max_length=512)] = "",
) -> PlainTextResponse:
    """WeChat's check of the message-push URL (消息推送): ``echostr`` back when signed with the
    shop's token (``signature`` = SHA1 of the sorted token, timestamp and nonce); 401
    ``support.wechat_push_invalid`` otherwise."""
    if not signature_matches(signature, integrations.wechat_push_token, timestamp, nonce):
        raise WeChatPushInvalid()
    return PlainTextResponse(echostr)


@router.post(
    "/support/wechat/push", response_class=PlainTextResponse, responses=problem_responses(401)
)
async def wechat_push(
    request: Request, session: DbSession, ctx: Ctx, integrations: IntegrationsDep
) -> PlainTextResponse:
    """WeChat's message push (JSON; plain mode, or 安全模式 when the shop set an
    EncodingAESKey): a shopper's 客服消息 (text, image, mini-program card) or entering the chat
    becomes part of their support conversation (channel ``wechat``); a content-security image
    verdict is handed to moderation. 401 ``support.wechat_push_invalid`` (nothing read or
    written) when the signature, the timestamp (±5 min) or the appid is not right. Answers
    ``success``."""
    body = await request.body()
    if len(body) > PUSH_MAX:
        raise WeChatPushInvalid("The push is too large")
    try:
        plain = open_message_push(
            request.query_params,
            body,
            token=integrations.wechat_push_token,
            aes_key=_aes_key(integrations),
            appid=integrations.wechat_appid,
        )
    except PushCryptoError as exc:
        raise WeChatPushInvalid(f"Refused: {exc.reason}") from exc
    message = parse_message(plain)
    if message is None:
        # The one push URL of the mini program also carries content-security verdicts.
        await moderation.apply_media_push(session, plain)
        return PlainTextResponse("success")
    incoming = await wechat.prepare(ctx, integrations, message)
    if incoming is not None:
        await wechat.receive(session, hub_of(ctx), get_storage(ctx, "media"), incoming)
    return PlainTextResponse("success")


@router.websocket("/support/ws")
async def shopper_socket(websocket: WebSocket) -> None:
    """The shopper's live chat (frames in ``support/ws.py``; the first frame authenticates)."""
    await sockets.serve_shopper(websocket)
