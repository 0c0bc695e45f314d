"""The support chat's use cases: a shopper opens a conversation and writes; staff claim it from
the queue, answer, transfer and close it; the shopper rates it once.

Every change is published to the open sockets after commit (``hub.SupportHub.after_commit``);
the same messages are read back with ``after=<cursor>`` when a socket is not available.
Shoppers' messages are rate limited per member (``RATE``, one atomic step in Redis, so it holds
under concurrent sends), checked after validation and before anything is written.

A shopper's text is screened by moderation (lexicon, then WeChat's ``msgSecCheck``) before the
request's transaction opens (:func:`screen_text`); one refused outright (a ``block`` word,
WeChat's ``risky``) is neither stored nor delivered, only kept by moderation for audit (a
``chat_message`` item), and its sender gets 400 ``support.message_refused``. ``replace`` words
arrive masked; ``hold`` words and ``review`` reach the staff member, who reads them.
Quick replies live in ``quick_replies.py``; WeChat's 客服消息 in ``wechat.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import keep_writes_on_error, utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.ratelimit import RateLimiter
from shoplet.core.storage import Storage
from shoplet.modules.catalog import public as catalog
from shoplet.modules.members import public as members
from shoplet.modules.membership import public as membership
from shoplet.modules.moderation import public as moderation
from shoplet.modules.orders import public as orders
from shoplet.modules.staff import public as staff_public

from . import repository as repo
from . import schemas
from .errors import (
    AgentInvalid,
    AlreadyAssigned,
    AlreadyRated,
    CardInvalid,
    ChatRateLimited,
    ConversationClosed,
    ConversationNotFound,
    ImageInvalid,
    MessageInvalid,
    MessageRefused,
    NotAssignee,
    NotClosed,
    RatingInvalid,
)
from .hub import SupportHub
from .models import Conversation, Message

PERMISSION = "support:chat"
MAX_TEXT = 1000
RATE = "10/10 seconds"
RATE_WINDOW_SECONDS = 10
PAGE = 50
RECENT_ORDERS = 5
# Refused texts are kept by moderation under this subject type (audit only).
MODERATION_SUBJECT = "chat_message"


def conversation_out(row: Conversation) -> schemas.Conversation:
    return schemas.Conversation.model_validate(row)


def message_out(row: Message) -> schemas.ChatMessage:
    return schemas.ChatMessage(
        id=row.id,
        conversation_id=row.conversation_id,
        sender=row.sender,  # type: ignore[arg-type]
        staff_id=row.staff_id,
        kind=row.kind,  # type: ignore[arg-type]
        text=row.body,
        card=row.payload,
        created_at=row.created_at,
    )


def _page(rows: list[Message], after: str | None) -> schemas.MessagePage:
    cursor = encode_id_cursor(rows[-1].id) if rows else after
    return schemas.MessagePage(items=[message_out(r) for r in rows], next_cursor=cursor)


def _publish_conversation(hub: SupportHub, session: AsyncSession, row: Conversation) -> None:
    hub.after_commit(
        session,
        {
            "type": "conversation",
            "member_id": row.member_id,
            "conversation": conversation_out(row).model_dump(mode="json"),
        },
    )


def publish_message(
    hub: SupportHub, session: AsyncSession, member_id: int, message: Message
) -> None:
    hub.after_commit(
        session,
        {
            "type": "message",
            "member_id": member_id,
            "message": message_out(message).model_dump(mode="json"),
        },
    )


def clean_text(text: str | None) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise MessageInvalid("Write something first")
    if len(cleaned) > MAX_TEXT:
        raise MessageInvalid(f"{len(cleaned)} characters; at most {MAX_TEXT}")
    return cleaned


async def _write(
    session: AsyncSession,
    hub: SupportHub,
    conversation: Conversation,
    *,
    sender: str,
    kind: str,
    body: str,
    payload: dict[str, Any] | None = None,
    staff_id: int | None = None,
    open_only: bool = True,
) -> Message:
    message = await repo.insert_message(
        session,
        {
            "conversation_id": conversation.id,
            "sender": sender,
            "staff_id": staff_id,
            "kind": kind,
            "body": body,
            "payload": payload,
            "created_at": utcnow(),
        },
    )
    if not await repo.note_last_message(session, conversation.id, message.id, open_only=open_only):
        raise ConversationClosed()
    publish_message(hub, session, conversation.member_id, message)
    return message


# -- shoppers --------------------------------------------------------------------------------


async def open_conversation(
    session: AsyncSession, hub: SupportHub, *, member_id: int, channel: str = "app"
) -> schemas.Conversation:
    """The shopper's open conversation, or a new one in the queue (one per shopper, also when
    two devices open chat at once). ``channel``: where the shopper writes from (``wechat``:
    WeChat's 客服消息); an open conversation follows the shopper there."""
    existing = await repo.open_conversation_of(session, member_id)
    if existing is not None:
        return conversation_out(await _follow(session, hub, existing, channel))
    benefits = await membership.benefits_for(session, member_id)
    now = utcnow()
    new_id = await repo.insert_conversation(
        session,
        {
            "member_id": member_id,
            "status": "queued",
            "priority": benefits.priority_service,
            "channel": channel,
            "queued_at": now,
            "created_at": now,
        },
    )
    if new_id is None:
        # Another device opened it a moment ago: the same conversation.
        return conversation_out(
            await _follow(session, hub, await _open_of(session, member_id), channel)
        )
    row = await _staff_conversation(session, new_id)
    _publish_conversation(hub, session, row)
    return conversation_out(row)


async def _follow(
    session: AsyncSession, hub: SupportHub, row: Conversation, channel: str
) -> Conversation:
    """Replies go where the shopper last wrote from: staff see the change."""
    if row.channel == channel or not await repo.set_channel(session, row.id, channel):
        return row
    row = await _staff_conversation(session, row.id)
    _publish_conversation(hub, session, row)
    return row


async def current_conversation(session: AsyncSession, *, member_id: int) -> schemas.Conversation:
    """The shopper's open conversation, else their latest (closed, perhaps to rate)."""
    row = await repo.latest_conversation_of(session, member_id)
    if row is None:
        raise ConversationNotFound()
    return conversation_out(row)


async def _member_conversation(
    session: AsyncSession, member_id: int, conversation_id: int
) -> Conversation:
    row = await repo.get_conversation(session, conversation_id)
    if row is None or row.member_id != member_id:
        raise ConversationNotFound(conversation_id=conversation_id)
    return row


async def member_messages(
    session: AsyncSession, *, member_id: int, conversation_id: int, after: str | None
) -> schemas.MessagePage:
    await _member_conversation(session, member_id, conversation_id)
    rows = await repo.messages_after(
        session, conversation_id, after_id=decode_id_cursor(after), limit=PAGE
    )
    return _page(rows, after)


async def _card(
    session: AsyncSession, body: schemas.MessageSend | schemas.StaffMessageSend, member_id: int
) -> tuple[str, dict[str, Any]]:
    if isinstance(body, schemas.MessageSend) and body.kind == "order":
        if not body.order_no:
            raise CardInvalid("Choose an order")
        try:
            order = await orders.member_order_lines(
                session, member_id=member_id, order_no=body.order_no
            )
        except orders.OrderNotFound as exc:
            raise CardInvalid("Send one of your own orders") from exc
        first = order.lines[0] if order.lines else None
        return order.order_no, {
            "order_no": order.order_no,
            "status": order.status,
            "title": first.title if first else "",
            "image": first.image if first else None,
            "quantity": sum(line.quantity for line in order.lines),
        }
    if body.product_id is None:
        raise CardInvalid("Choose a product")
    cards = await catalog.buyable_cards(session, [body.product_id])
    product = cards.get(body.product_id)
    if product is None:
        raise CardInvalid("This product is not on sale")
    return product.title, {
        "product_id": product.id,
        "title": product.title,
        "image": product.image,
        "price": product.price,
    }


async def _take_rate(limiter: RateLimiter, member_id: int) -> None:
    if not await limiter.acquire(RATE, "support-message", str(member_id)):
        raise ChatRateLimited(
            f"At most {RATE.replace('/', ' per ')}", retry_after=RATE_WINDOW_SECONDS
        )


async def _open_of(session: AsyncSession, member_id: int) -> Conversation:
    row = await repo.open_conversation_of(session, member_id)
    if row is None:
        if await repo.latest_conversation_of(session, member_id) is not None:
            raise ConversationClosed("Open a new conversation first")
        raise ConversationNotFound("Open a conversation first")
    return row


async def screen_text(
    ctx: AppContext, *, openid: str | None, body: schemas.MessageSend
) -> moderation.Screening | None:
    """Moderation's screening of a text (None for cards), before the request's transaction
    opens (WeChat is called); an empty or too long text is 422 first, asking nobody."""
    if body.kind != "text":
        return None
    return await moderation.screen(ctx, text=clean_text(body.text), openid=openid)


async def refuse_if_refused(
    session: AsyncSession,
    screening: moderation.Screening | None,
    *,
    member_id: int,
    openid: str | None,
) -> None:
    """400 ``support.message_refused`` for a refused text; its audit item is still committed."""
    if screening is None or not moderation.is_refused(screening):
        return
    await moderation.record_refusal(
        session,
        subject_type=MODERATION_SUBJECT,
        member_id=member_id,
        openid=openid,
        screening=screening,
    )
    keep_writes_on_error(session)
    raise MessageRefused()


async def send_member_message(
    session: AsyncSession,
    hub: SupportHub,
    limiter: RateLimiter,
    *,
    member_id: int,
    body: schemas.MessageSend,
    screening: moderation.Screening | None,
    openid: str | None = None,
) -> schemas.ChatMessage:
    """``screening``: :func:`screen_text`'s answer for a text (required: no text is stored
    unscreened)."""
    conversation = await _open_of(session, member_id)
    if body.kind == "text":
        if screening is None:
            raise MessageInvalid("A text is screened before it is sent")
        text, payload = screening.text, None
    else:
        text, card = await _card(session, body, member_id)
        payload = card
    await _take_rate(limiter, member_id)
    await refuse_if_refused(session, screening, member_id=member_id, openid=openid)
    conversation = await _follow(session, hub, conversation, "app")
    message = await _write(
        session, hub, conversation, sender="member", kind=body.kind, body=text, payload=payload
    )
    return message_out(message)


async def send_member_image(
    session: AsyncSession,
    hub: SupportHub,
    limiter: RateLimiter,
    storage: Storage,
    *,
    member_id: int,
    data: bytes,
) -> schemas.ChatMessage:
    """An image through catalog's pipeline (upright, metadata stripped, WebP variants)."""
    conversation = await _open_of(session, member_id)
    try:
        image = catalog.process_image(data)
    except catalog.MediaInvalid as exc:
        raise ImageInvalid(exc.detail) from exc
    await _take_rate(limiter, member_id)
    conversation = await _follow(session, hub, conversation, "app")
    stored = await catalog.store_processed_image(session, storage, image)
    payload = {"url": stored.url, "image_set": stored.image_set.model_dump(mode="json")}
    message = await _write(
        session, hub, conversation, sender="member", kind="image", body="", payload=payload
    )
    return message_out(message)


async def mark_read(
    session: AsyncSession,
    hub: SupportHub,
    *,
    conversation_id: int,
    message_id: int,
    member_id: int | None = None,
) -> schemas.Conversation:
    """A read receipt: ``member_id`` for the shopper's side, None for staff's."""
    if member_id is not None:
        row = await _member_conversation(session, member_id, conversation_id)
    else:
        row = await _staff_conversation(session, conversation_id)
    side = "member" if member_id is not None else "staff"
    await repo.advance_read(session, conversation_id, side=side, message_id=message_id)
    row = await _staff_conversation(session, conversation_id)
    hub.after_commit(
        session,
        {
            "type": "read",
            "member_id": row.member_id,
            "conversation_id": row.id,
            "side": side,
            "message_id": row.member_read_id if side == "member" else row.staff_read_id,
        },
    )
    return conversation_out(row)


async def close_by_member(
    session: AsyncSession, hub: SupportHub, *, member_id: int
) -> schemas.Conversation:
    conversation = await _open_of(session, member_id)
    return await _close(session, hub, conversation, staff_id=None)


async def rate(
    session: AsyncSession, *, member_id: int, conversation_id: int, score: int
) -> schemas.Conversation:
    if not 1 <= score <= 5:
        raise RatingInvalid(f"{score} is not from 1 to 5")
    row = await _member_conversation(session, member_id, conversation_id)
    if not await repo.rate(session, conversation_id, member_id, score, utcnow()):
        row = await _member_conversation(session, member_id, conversation_id)
        if row.status != "closed":
            raise NotClosed()
        raise AlreadyRated()
    return conversation_out(await _member_conversation(session, member_id, conversation_id))


# -- staff -----------------------------------------------------------------------------------


async def _staff_conversation(session: AsyncSession, conversation_id: int) -> Conversation:
    row = await repo.get_conversation(session, conversation_id)
    if row is None:
        raise ConversationNotFound(conversation_id=conversation_id)
    return row


async def _entries(
    session: AsyncSession, rows: list[Conversation], now: datetime
) -> list[schemas.QueueEntry]:
    names = await members.get_nicknames(session, [r.member_id for r in rows])
    return [
        schemas.QueueEntry(
            conversation=conversation_out(r),
            nickname=names.get(r.member_id, ""),
            waiting_seconds=max(0, int((now - r.queued_at).total_seconds())),
        )
        for r in rows
    ]


async def workbench(session: AsyncSession, *, staff_id: int) -> schemas.Workbench:
    """The queue in serving order (专属客服 first, then the longest waiting) and the
    conversations this staff member serves."""
    now = utcnow()
    queued = await repo.conversations_by_status(session, "queued")
    mine = await repo.conversations_by_status(session, "active", assignee_id=staff_id)
    return schemas.Workbench(
        queue=await _entries(session, queued, now), mine=await _entries(session, mine, now)
    )


async def conversation_detail(
    session: AsyncSession, *, conversation_id: int
) -> schemas.ConversationDetail:
    row = await _staff_conversation(session, conversation_id)
    rows = await repo.messages_after(session, conversation_id, after_id=None, limit=PAGE)
    names = await members.get_nicknames(session, [row.member_id])
    paid = await orders.member_paid_orders(session, [row.member_id])
    recent = [
        schemas.RecentOrder(order_no=o.order_no, paid_at=o.paid_at, payable=o.payable)
        for o in reversed(paid[-RECENT_ORDERS:])
    ]
    page = _page(rows, None)
    return schemas.ConversationDetail(
        conversation=conversation_out(row),
        nickname=names.get(row.member_id, ""),
        messages=page.items,
        next_cursor=page.next_cursor,
        recent_orders=recent,
    )


async def staff_messages(
    session: AsyncSession, *, conversation_id: int, after: str | None
) -> schemas.MessagePage:
    await _staff_conversation(session, conversation_id)
    rows = await repo.messages_after(
        session, conversation_id, after_id=decode_id_cursor(after), limit=PAGE
    )
    return _page(rows, after)


async def claim(
    session: AsyncSession, hub: SupportHub, *, staff_id: int, conversation_id: int
) -> schemas.Conversation:
    """Take a queued conversation: of many staff claiming at once, one wins; the others get
    409 ``support.already_assigned``."""
    if not await repo.claim(session, conversation_id, staff_id, utcnow()):
        row = await _staff_conversation(session, conversation_id)
        if row.status == "closed":
            raise ConversationClosed()
        raise AlreadyAssigned()
    row = await _staff_conversation(session, conversation_id)
    await _write(
        session, hub, row, sender="system", kind="event", body="claimed", staff_id=staff_id
    )
    row = await _staff_conversation(session, conversation_id)
    _publish_conversation(hub, session, row)
    return conversation_out(row)


async def _assigned(session: AsyncSession, conversation_id: int, staff_id: int) -> Conversation:
    row = await _staff_conversation(session, conversation_id)
    if row.status == "closed":
        raise ConversationClosed()
    if row.assignee_id != staff_id:
        raise NotAssignee()
    return row


async def send_staff_message(
    session: AsyncSession,
    hub: SupportHub,
    *,
    staff_id: int,
    conversation_id: int,
    body: schemas.StaffMessageSend,
) -> schemas.ChatMessage:
    row = await _assigned(session, conversation_id, staff_id)
    if body.kind == "text":
        text, payload = clean_text(body.text), None
    else:
        text, card = await _card(session, body, row.member_id)
        payload = card
    message = await _write(
        session,
        hub,
        row,
        sender="staff",
        kind=body.kind,
        body=text,
        payload=payload,
        staff_id=staff_id,
    )
    return message_out(message)


async def agents(session: AsyncSession) -> list[schemas.Agent]:
    return [
        schemas.Agent(id=i, username=u, display_name=d)
        for i, u, d in await staff_public.staff_with_permission(session, PERMISSION)
    ]


async def transfer(
    session: AsyncSession, hub: SupportHub, *, staff_id: int, conversation_id: int, to_staff: int
) -> schemas.Conversation:
    await _assigned(session, conversation_id, staff_id)
    if to_staff == staff_id or to_staff not in {a.id for a in await agents(session)}:
        raise AgentInvalid()
    if not await repo.transfer(session, conversation_id, staff_id, to_staff):
        raise NotAssignee()
    row = await _staff_conversation(session, conversation_id)
    await _write(
        session, hub, row, sender="system", kind="event", body="transferred", staff_id=to_staff
    )
    row = await _staff_conversation(session, conversation_id)
    _publish_conversation(hub, session, row)
    return conversation_out(row)


async def _close(
    session: AsyncSession, hub: SupportHub, row: Conversation, *, staff_id: int | None
) -> schemas.Conversation:
    await _write(session, hub, row, sender="system", kind="event", body="closed", staff_id=staff_id)
    if not await repo.close(session, row.id, staff_id, utcnow()):
        raise NotAssignee()
    row = await _staff_conversation(session, row.id)
    _publish_conversation(hub, session, row)
    return conversation_out(row)


async def close(
    session: AsyncSession, hub: SupportHub, *, staff_id: int, conversation_id: int
) -> schemas.Conversation:
    row = await _staff_conversation(session, conversation_id)
    if row.status == "closed":
        raise ConversationClosed()
    if row.status == "active" and row.assignee_id != staff_id:
        raise NotAssignee()
    return await _close(session, hub, row, staff_id=staff_id)
