"""All support chat queries. Claims, transfers, closes and ratings are conditional updates
(``… WHERE status = …``) that report whether they changed a row, so races resolve in the
database: one of many concurrent claims wins."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shoplet.core import merge
from shoplet.core.db import greatest

from .models import Conversation, Message, QuickReply


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- conversations ---------------------------------------------------------------------------


async def open_conversation_of(session: AsyncSession, member_id: int) -> Conversation | None:
    stmt = select(Conversation).where(
        Conversation.member_id == member_id, Conversation.status != "closed"
    )
    return (await session.scalars(_fresh(stmt))).first()


async def latest_conversation_of(session: AsyncSession, member_id: int) -> Conversation | None:
    stmt = (
        select(Conversation)
        .where(Conversation.member_id == member_id)
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    return (await session.scalars(_fresh(stmt))).first()


async def insert_conversation(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """A new open conversation, unless the shopper has one (concurrent or not): its id or None."""
    stmt = _insert(session, Conversation).values(**values).on_conflict_do_nothing()
    stmt = stmt.returning(Conversation.id)
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def set_channel(session: AsyncSession, conversation_id: int, channel: str) -> bool:
    """Replies go where the shopper last wrote from; True when that changed."""
    stmt = (
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.channel != channel)
        .values(channel=channel)
        .returning(Conversation.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def message_by_wechat_msgid(session: AsyncSession, msgid: int) -> int | None:
    stmt = select(Message.id).where(Message.wechat_msgid == msgid)
    found: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def get_conversation(session: AsyncSession, conversation_id: int) -> Conversation | None:
    stmt = select(Conversation).where(Conversation.id == conversation_id)
    return (await session.scalars(_fresh(stmt))).first()


async def conversations_by_status(
    session: AsyncSession, status: str, *, assignee_id: int | None = None, limit: int = 200
) -> list[Conversation]:
    """Queued ones in serving order (priority first, then the longest waiting); others by the
    newest first."""
    stmt = select(Conversation).where(Conversation.status == status)
    if assignee_id is not None:
        stmt = stmt.where(Conversation.assignee_id == assignee_id)
    if status == "queued":
        stmt = stmt.order_by(Conversation.priority.desc(), Conversation.queued_at, Conversation.id)
    else:
        stmt = stmt.order_by(Conversation.id.desc())
    return list(await session.scalars(_fresh(stmt.limit(limit))))


async def claim(session: AsyncSession, conversation_id: int, staff_id: int, now: datetime) -> bool:
    stmt = (
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == "queued")
        .values(status="active", assignee_id=staff_id, claimed_at=now)
        .returning(Conversation.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def transfer(
    session: AsyncSession, conversation_id: int, from_staff: int, to_staff: int
) -> bool:
    stmt = (
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.status == "active",
            Conversation.assignee_id == from_staff,
        )
        .values(assignee_id=to_staff)
        .returning(Conversation.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def close(
    session: AsyncSession, conversation_id: int, staff_id: int | None, now: datetime
) -> bool:
    """Close an active conversation its assignee serves, or a queued one (``staff_id`` None:
    the shopper's own, whatever its state)."""
    stmt = update(Conversation).where(
        Conversation.id == conversation_id, Conversation.status != "closed"
    )
    if staff_id is not None:
        stmt = stmt.where(
            (Conversation.status == "queued") | (Conversation.assignee_id == staff_id)
        )
    stmt = stmt.values(status="closed", closed_at=now).returning(Conversation.id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def rate(
    session: AsyncSession, conversation_id: int, member_id: int, score: int, now: datetime
) -> bool:
    stmt = (
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.member_id == member_id,
            Conversation.status == "closed",
            Conversation.rating.is_(None),
        )
        .values(rating=score, rated_at=now)
        .returning(Conversation.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def advance_read(
    session: AsyncSession, conversation_id: int, *, side: str, message_id: int
) -> None:
    column = Conversation.member_read_id if side == "member" else Conversation.staff_read_id
    stmt = (
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            column < message_id,
            Conversation.last_message_id >= message_id,
        )
        .values({column.key: message_id})
        .execution_options(synchronize_session=False)
    )
    await session.execute(stmt)


# -- messages --------------------------------------------------------------------------------


async def insert_message(session: AsyncSession, values: Mapping[str, Any]) -> Message:
    message = Message(**values)
    session.add(message)
    await session.flush()
    return message


async def insert_pushed_message(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """A message WeChat pushed: its id, or None when its ``wechat_msgid`` is stored already (a
    retried push, even one arriving while the first is being written)."""
    stmt = (
        _insert(session, Message)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["wechat_msgid"], index_where=Message.wechat_msgid.is_not(None)
        )
        .returning(Message.id)
    )
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def get_message(session: AsyncSession, message_id: int) -> Message | None:
    return await session.get(Message, message_id)


async def note_last_message(
    session: AsyncSession, conversation_id: int, message_id: int, *, open_only: bool
) -> bool:
    """Record the conversation's newest message; False when ``open_only`` and it was closed
    meanwhile (the caller rolls the message back)."""
    stmt = update(Conversation).where(Conversation.id == conversation_id)
    if open_only:
        stmt = stmt.where(Conversation.status != "closed")
    stmt = stmt.values(
        last_message_id=greatest(session, Conversation.last_message_id, message_id)
    ).returning(Conversation.id)
    stmt = stmt.execution_options(synchronize_session=False)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def messages_after(
    session: AsyncSession, conversation_id: int, *, after_id: int | None, limit: int
) -> list[Message]:
    """Messages oldest first after ``after_id``; without it, the newest ``limit``."""
    if after_id is not None:
        stmt = (
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.id > after_id)
            .order_by(Message.id)
            .limit(limit)
        )
        return list(await session.scalars(stmt))
    stmt = (
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(reversed(list(await session.scalars(stmt))))


# -- quick replies ---------------------------------------------------------------------------


async def quick_replies(session: AsyncSession) -> list[QuickReply]:
    stmt = select(QuickReply).order_by(QuickReply.sort_order, QuickReply.id)
    return list(await session.scalars(stmt))


async def get_quick_reply(session: AsyncSession, reply_id: int) -> QuickReply | None:
    return (
        await session.scalars(_fresh(select(QuickReply).where(QuickReply.id == reply_id)))
    ).first()


async def add_quick_reply(session: AsyncSession, values: Mapping[str, Any]) -> QuickReply:
    reply = QuickReply(**values)
    session.add(reply)
    await session.flush()
    return reply


async def update_quick_reply(
    session: AsyncSession, reply_id: int, values: Mapping[str, Any]
) -> bool:
    stmt = (
        update(QuickReply)
        .where(QuickReply.id == reply_id)
        .values(**values)
        .returning(QuickReply.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def delete_quick_reply(session: AsyncSession, reply_id: int) -> bool:
    stmt = delete(QuickReply).where(QuickReply.id == reply_id).returning(QuickReply.id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


# -- account merge (members' merge hook) ----------------------------------------------------
#
# Members' account merge hook of support: the chat conversations (and so their messages)
# follow the shopper. One open conversation per shopper (a partial unique index): when both
# accounts have one open, the absorbed account's is closed first (its history stays readable in
# the survivor's list; staff reply in the survivor's open one).

MERGED_COLUMNS = (Conversation.member_id,)
MERGED_TABLES = merge.table_columns(MERGED_COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction (see the module docstring). Returns the rows moved."""
    now = merge.merge_now(session)
    survivor = aliased(Conversation)
    await session.execute(
        update(Conversation)
        .where(
            Conversation.member_id == from_id,
            Conversation.status != "closed",
            exists().where(survivor.member_id == into_id, survivor.status != "closed"),
        )
        .values(status="closed", closed_at=now)
        .execution_options(synchronize_session=False)
    )
    return await merge.reassign(session, Conversation.member_id, from_id, into_id)
