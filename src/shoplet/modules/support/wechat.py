"""The mini program's native 客服消息 in the support chat.

In: WeChat pushes what the shopper writes in WeChat's own 客服 chat (``api.py``'s
``/support/wechat/push``). :func:`prepare` does what needs the outside world with no transaction
open — moderation's screening of a text, reading an image from WeChat (``media/get``) and
through catalog's pipeline — then :func:`receive` writes it into the shopper's conversation
(the openid resolved to the member, created as a first login would be), with channel
``wechat``: staff answer it in 客服工作台 like any other. A retried push (same ``MsgId``) is
stored once; a refused text is kept only as moderation's audit item.

Out: a staff reply in a ``wechat`` conversation is sent with ``custom/send`` before it is
stored (:func:`relay`, no transaction open): text as text, a product card as a
``miniprogrampage`` with an uploaded thumbnail. WeChat's refusals reach the staff member as
problems: 409 ``support.wechat_window_passed`` (45015, 48 h after the shopper's last message),
409 ``support.wechat_reply_limit`` (45047), 503 ``support.wechat_unavailable`` (anything else;
an expired token is refreshed and the call retried once by the client).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, utcnow
from shoplet.core.storage import Storage
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.customer_service import (
    REPLY_WINDOW_PASSED,
    TOO_MANY_REPLIES,
    CustomerServiceError,
    IncomingMessage,
    product_of_page,
    product_page,
)
from shoplet.modules.catalog import public as catalog
from shoplet.modules.members import public as members
from shoplet.modules.moderation import public as moderation

from . import repository as repo
from . import schemas, service
from .errors import (
    CardInvalid,
    ConversationClosed,
    ConversationNotFound,
    NotAssignee,
    WeChatReplyLimit,
    WeChatUnavailable,
    WeChatWindowPassed,
)
from .hub import SupportHub
from .models import Conversation

log = structlog.get_logger("shoplet.support")

# WeChat's card thumbnail: 5:4, JPEG.
THUMB_SIZE = (520, 416)
MAX_TITLE = 64


@dataclass(frozen=True, slots=True)
class Incoming:
    """A pushed message, prepared outside any transaction."""

    openid: str
    kind: str  # text | image | product | enter
    msg_id: int | None = None
    text: str = ""
    screening: moderation.Screening | None = None
    image: catalog.ProcessedImage | None = None
    product_id: int | None = None


async def prepare(
    ctx: AppContext, integrations: Integrations, message: IncomingMessage
) -> Incoming | None:
    """What a push becomes; None when there is nothing to store (an empty text)."""
    openid, msg_id = message.openid, message.msg_id
    if message.msg_type == "event":
        return Incoming(openid, "enter")
    if message.msg_type == "text":
        text = message.content.strip()[: service.MAX_TEXT]
        if not text:
            return None
        screening = await moderation.screen(ctx, text=text, openid=openid)
        return Incoming(openid, "text", msg_id, text=text, screening=screening)
    if message.msg_type == "image":
        image = await _read_image(integrations, message.media_id)
        if image is None:
            # Unreadable: the staff member still sees that an image came.
            return Incoming(openid, "text", msg_id, text="[图片]")
        return Incoming(openid, "image", msg_id, image=image)
    product_id = product_of_page(message.page_path)
    if product_id is None:
        return Incoming(openid, "text", msg_id, text=message.title[: service.MAX_TEXT] or "[卡片]")
    return Incoming(openid, "product", msg_id, text=message.title, product_id=product_id)


async def _read_image(integrations: Integrations, media_id: str) -> catalog.ProcessedImage | None:
    client = integrations.customer_service
    if client is None or not media_id:
        return None
    try:
        data = await client.get_media(media_id)
        return catalog.process_image(data)
    except CustomerServiceError as exc:
        log.warning("wechat_media_get_failed", errcode=exc.errcode)
    except catalog.MediaInvalid:
        log.warning("wechat_media_unreadable")
    return None


async def receive(
    session: AsyncSession, hub: SupportHub, storage: Storage, incoming: Incoming
) -> schemas.ChatMessage | None:
    """Write a prepared push into the shopper's conversation (channel ``wechat``); the message,
    or None (entered the chat, a retried push, a refused text)."""
    member_id = await members.member_for_openid(session, incoming.openid)
    if incoming.msg_id is not None and await repo.message_by_wechat_msgid(session, incoming.msg_id):
        return None
    opened = await service.open_conversation(session, hub, member_id=member_id, channel="wechat")
    if incoming.kind == "enter":
        return None
    if incoming.screening is not None and moderation.is_refused(incoming.screening):
        await moderation.record_refusal(
            session,
            subject_type=service.MODERATION_SUBJECT,
            member_id=member_id,
            openid=incoming.openid,
            screening=incoming.screening,
        )
        return None
    conversation = await repo.get_conversation(session, opened.id)
    if conversation is None:  # pragma: no cover - opened in this transaction
        raise ConversationNotFound()
    kind, body = "text", incoming.text
    payload: dict[str, Any] | None = None
    if incoming.screening is not None:
        body = incoming.screening.text  # replace words masked
    if incoming.kind == "image" and incoming.image is not None:
        stored = await catalog.store_processed_image(session, storage, incoming.image)
        kind, body = "image", ""
        payload = {"url": stored.url, "image_set": stored.image_set.model_dump(mode="json")}
    elif incoming.kind == "product" and incoming.product_id is not None:
        card = (await catalog.buyable_cards(session, [incoming.product_id])).get(
            incoming.product_id
        )
        if card is not None:
            kind, body = "product", card.title
            payload = {
                "product_id": card.id,
                "title": card.title,
                "image": card.image,
                "price": card.price,
            }
    return await write_pushed_message(
        session,
        hub,
        conversation,
        kind=kind,
        body=body,
        payload=payload,
        wechat_msgid=incoming.msg_id,
    )


async def write_pushed_message(
    session: AsyncSession,
    hub: SupportHub,
    conversation: Conversation,
    *,
    kind: str,
    body: str,
    payload: dict[str, Any] | None,
    wechat_msgid: int | None,
) -> schemas.ChatMessage | None:
    """A shopper's message WeChat pushed (客服消息), checked already; None when that ``MsgId``
    is stored already (one atomic insert: a retry racing the first push stores nothing)."""
    new_id = await repo.insert_pushed_message(
        session,
        {
            "conversation_id": conversation.id,
            "sender": "member",
            "kind": kind,
            "body": body,
            "payload": payload,
            "wechat_msgid": wechat_msgid,
            "created_at": utcnow(),
        },
    )
    message = await repo.get_message(session, new_id) if new_id is not None else None
    if message is None:
        return None
    if not await repo.note_last_message(session, conversation.id, message.id, open_only=True):
        raise ConversationClosed()
    service.publish_message(hub, session, conversation.member_id, message)
    return service.message_out(message)


# -- staff replies out ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reply:
    openid: str
    text: str = ""
    card: dict[str, Any] | None = None


async def relay(
    ctx: AppContext,
    integrations: Integrations,
    storage: Storage,
    *,
    staff_id: int,
    conversation_id: int,
    body: schemas.StaffMessageSend,
) -> bool:
    """Send a staff reply to WeChat when the conversation is on ``wechat`` (True), before it is
    stored; False when it is not (the reply stays in the app). Raises the problem the staff
    member sees when WeChat refuses."""
    reply = await _reply_of(ctx, staff_id=staff_id, conversation_id=conversation_id, body=body)
    if reply is None:
        return False
    client = integrations.customer_service
    if client is None:
        raise WeChatUnavailable("WeChat customer service is not configured")
    try:
        if reply.card is None:
            await client.send_text(reply.openid, reply.text)
        else:
            thumb = await _thumbnail(storage, reply.card.get("image"))
            media_id = await client.upload_image(
                thumb, filename="card.jpg", content_type="image/jpeg"
            )
            await client.send_page(
                reply.openid,
                title=str(reply.card["title"])[:MAX_TITLE],
                pagepath=product_page(int(reply.card["product_id"])),
                thumb_media_id=media_id,
            )
    except CustomerServiceError as exc:
        log.warning("wechat_custom_send_failed", errcode=exc.errcode, errmsg=exc.errmsg)
        if exc.errcode == REPLY_WINDOW_PASSED:
            raise WeChatWindowPassed() from exc
        if exc.errcode == TOO_MANY_REPLIES:
            raise WeChatReplyLimit() from exc
        raise WeChatUnavailable(f"WeChat answered {exc.errcode}") from exc
    return True


async def _reply_of(
    ctx: AppContext, *, staff_id: int, conversation_id: int, body: schemas.StaffMessageSend
) -> _Reply | None:
    async with read_session(ctx.sessionmaker) as session:
        row = await repo.get_conversation(session, conversation_id)
        if row is None or row.channel != "wechat":
            return None
        # The same refusals as storing it would give, before WeChat is asked.
        if row.status == "closed":
            raise ConversationClosed()
        if row.assignee_id != staff_id:
            raise NotAssignee()
        openid = await members.get_wechat_openid(session, row.member_id)
        if openid is None:
            return None
        if body.kind == "text":
            return _Reply(openid, text=service.clean_text(body.text))
        if body.product_id is None:
            raise CardInvalid("Choose a product")
        card = (await catalog.buyable_cards(session, [body.product_id])).get(body.product_id)
        if card is None:
            raise CardInvalid("This product is not on sale")
        return _Reply(
            openid, card={"product_id": card.id, "title": card.title, "image": card.image}
        )


async def _thumbnail(storage: Storage, image_url: object) -> bytes:
    """The card's thumbnail: the product's image cropped to 5:4 as JPEG; a blank one when the
    image cannot be read (WeChat requires one)."""
    # Pillow loads only when a card is sent (the app starts without it).
    from PIL import Image, ImageOps, UnidentifiedImageError

    picture: Image.Image | None = None
    key = _key_of(storage, image_url)
    if key is not None:
        try:
            picture = Image.open(io.BytesIO(await storage.read(key)))
            picture.load()
        except (OSError, LookupError, UnidentifiedImageError, ValueError):
            picture = None
    if picture is None:
        picture = Image.new("RGB", THUMB_SIZE, "white")
    thumb = ImageOps.fit(picture.convert("RGB"), THUMB_SIZE)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=85)
    return out.getvalue()


def _key_of(storage: Storage, url: object) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    prefix = (storage.public_url("k") or "")[:-1]
    if not prefix or not url.startswith(prefix):
        return None
    return url[len(prefix) :].split("?", 1)[0] or None


async def typing(
    ctx: AppContext, integrations: Integrations, *, staff_id: int, conversation_id: int
) -> bool:
    """对方正在输入 in the shopper's WeChat while the staff member writes (``custom/typing``);
    False on an in-app conversation (nothing to send). WeChat's refusals are the same problems
    as a reply's."""
    async with read_session(ctx.sessionmaker) as session:
        row = await repo.get_conversation(session, conversation_id)
        if row is None:
            raise ConversationNotFound(conversation_id=conversation_id)
        if row.status == "closed":
            raise ConversationClosed()
        if row.assignee_id != staff_id:
            raise NotAssignee()
        openid = await members.get_wechat_openid(session, row.member_id)
    client = integrations.customer_service
    if row.channel != "wechat" or openid is None or client is None:
        return False
    try:
        await client.typing(openid)
    except CustomerServiceError as exc:
        if exc.errcode == REPLY_WINDOW_PASSED:
            raise WeChatWindowPassed() from exc
        raise WeChatUnavailable(f"WeChat answered {exc.errcode}") from exc
    return True
