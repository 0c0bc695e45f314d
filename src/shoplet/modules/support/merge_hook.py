"""Members' account merge hook of support: the chat conversations (and so their messages)
follow the shopper. One open conversation per shopper (a partial unique index): when both
accounts have one open, the absorbed account's is closed first (its history stays readable in
the survivor's list; staff reply in the survivor's open one)."""

from __future__ import annotations

from sqlalchemy import exists, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shoplet.core import merge
from shoplet.modules.support.models import Conversation

COLUMNS = (Conversation.member_id,)
TABLES = merge.table_columns(COLUMNS)


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
