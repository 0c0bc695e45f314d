"""快捷回复: the canned answers staff insert with one click, edited in the console."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow

from . import repository as repo
from . import schemas
from .errors import QuickReplyInvalid, QuickReplyNotFound
from .service import MAX_TEXT


def _reply_values(body: schemas.QuickReplyBody) -> dict[str, Any]:
    title, content = body.title.strip(), body.content.strip()
    if not title or len(title) > 50 or not content or len(content) > MAX_TEXT:
        raise QuickReplyInvalid(f"title {len(title)}/50, content {len(content)}/{MAX_TEXT}")
    return {"title": title, "content": content, "sort_order": body.sort_order}


async def quick_replies(session: AsyncSession) -> list[schemas.QuickReply]:
    return [schemas.QuickReply.model_validate(r) for r in await repo.quick_replies(session)]


async def add_quick_reply(
    session: AsyncSession, body: schemas.QuickReplyBody
) -> schemas.QuickReply:
    now = utcnow()
    row = await repo.add_quick_reply(
        session, {**_reply_values(body), "created_at": now, "updated_at": now}
    )
    return schemas.QuickReply.model_validate(row)


async def update_quick_reply(
    session: AsyncSession, reply_id: int, body: schemas.QuickReplyBody
) -> schemas.QuickReply:
    values = _reply_values(body)
    if not await repo.update_quick_reply(session, reply_id, {**values, "updated_at": utcnow()}):
        raise QuickReplyNotFound()
    row = await repo.get_quick_reply(session, reply_id)
    return schemas.QuickReply.model_validate(row)


async def delete_quick_reply(session: AsyncSession, reply_id: int) -> None:
    if not await repo.delete_quick_reply(session, reply_id):
        raise QuickReplyNotFound()
