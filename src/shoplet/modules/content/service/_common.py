"""What every kind of content shares: the subjects, text checks, the one guarded status change
with its counters, notices and events, moderation's later decisions, staff removal, likes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.modules.content import repository as repo
from shoplet.modules.content import rules as r
from shoplet.modules.content.errors import (
    AnswerNotFound,
    CommentNotFound,
    ContentChanged,
    ContentEmpty,
    ContentTooLong,
    NotPublic,
    PostNotFound,
    QuestionNotFound,
)
from shoplet.modules.content.events import POST_PUBLISHED, QUESTION_ANSWERED
from shoplet.modules.content.models import Answer as AnswerRow
from shoplet.modules.content.models import Comment as CommentRow
from shoplet.modules.content.models import Post as PostRow
from shoplet.modules.content.models import Question as QuestionRow
from shoplet.modules.content.schemas import (
    LikeResult,
)
from shoplet.modules.members import public as members
from shoplet.modules.moderation import public as moderation

SUBJECTS: dict[str, Any] = {
    "question": QuestionRow,
    "answer": AnswerRow,
    "post": PostRow,
    "comment": CommentRow,
}
LIMITS = {
    "question": r.MAX_QUESTION,
    "answer": r.MAX_ANSWER,
    "post": r.MAX_POST,
    "comment": r.MAX_COMMENT,
}
NOT_FOUND: dict[str, type[Exception]] = {
    "question": QuestionNotFound,
    "answer": AnswerNotFound,
    "post": PostNotFound,
    "comment": CommentNotFound,
}
LATEST_ON_PRODUCT = 2
SHOP_NAME = "商家"


def checked_text(kind: str, content: str) -> str:
    """The plain text of a question, answer, post or comment, within its kind's length;
    raised before anything is screened or written."""
    text = r.clean_text(content)
    if not text:
        raise ContentEmpty()
    limit = LIMITS[kind]
    if len(text) > limit:
        raise ContentTooLong(f"{len(text)} characters; at most {limit}")
    return text


async def _nickname(session: AsyncSession, member_id: int) -> str:
    return ((await members.get_nickname(session, member_id)) or "用户")[:32]


async def _require(session: AsyncSession, kind: str, row_id: int) -> Any:
    row = await repo.get(session, SUBJECTS[kind], row_id)
    if row is None:
        raise NOT_FOUND[kind]()
    return row


async def _require_public(session: AsyncSession, kind: str, row_id: int) -> Any:
    row = await _require(session, kind, row_id)
    if row.status != "approved":
        raise NOT_FOUND[kind]()
    return row


# -- status changes --------------------------------------------------------------------------


async def _rescore(session: AsyncSession, post_id: int, likes: int, comments: int) -> None:
    post = await repo.get(session, PostRow, post_id)
    if post is None:  # pragma: no cover - counters were just moved on it
        return
    score = r.hot_score(likes, comments, post.created_at)
    await repo.set_hot_score(session, post_id, likes=likes, comments=comments, score=score)


async def _publicity_changed(session: AsyncSession, kind: str, row: Any, sign: int) -> None:
    """What follows a row entering (+1) or leaving (-1) the public: counters, notices, events."""
    if kind == "answer":
        await repo.bump_answers(session, row.question_id, sign)
        if sign > 0:
            question = await repo.get(session, QuestionRow, row.question_id)
            if question is not None and question.member_id != row.member_id:
                who = SHOP_NAME if row.is_merchant else row.nickname
                await repo.insert_notice(
                    session,
                    {
                        "member_id": question.member_id,
                        "kind": "answer",
                        "ref_id": row.id,
                        "question_id": question.id,
                        "product_id": question.product_id,
                        "text": f"{who}回答了你的问题：{row.content}"[:200],
                        "is_read": False,
                        "created_at": utcnow(),
                    },
                )
                await publish(
                    session,
                    QUESTION_ANSWERED,
                    {
                        "question_id": question.id,
                        "answer_id": row.id,
                        "product_id": question.product_id,
                        "member_id": question.member_id,
                        "is_merchant": row.is_merchant,
                    },
                    key=str(question.product_id),
                )
    elif kind == "post":
        if row.topic_id is not None:
            await repo.bump_topic(session, row.topic_id, sign)
        if sign > 0:
            await publish(
                session,
                POST_PUBLISHED,
                {
                    "post_id": row.id,
                    "member_id": row.member_id,
                    "topic_id": row.topic_id,
                    "product_ids": list(row.product_ids),
                },
                key=str(row.id),
            )
    elif kind == "comment":
        counts = await repo.bump_comments(session, row.post_id, sign)
        if counts is not None:
            await _rescore(session, row.post_id, *counts)


async def _move(session: AsyncSession, kind: str, row: Any, to: str, *, now: datetime) -> None:
    was = row.status
    if was == to:
        return
    if not await repo.move_status(
        session, SUBJECTS[kind], row.id, was=was, to=to, values={"updated_at": now}
    ):
        raise ContentChanged()
    if (was == "approved") != (to == "approved"):
        await _publicity_changed(session, kind, row, 1 if to == "approved" else -1)


async def _submit(
    session: AsyncSession,
    kind: str,
    row: Any,
    *,
    member_id: int,
    openid: str | None,
    screening: moderation.Screening,
    media_urls: Sequence[str] = (),
    video_url: str | None = None,
    now: datetime,
) -> moderation.ModerationState:
    state = await moderation.submit(
        session,
        subject_type=kind,
        subject_id=row.id,
        member_id=member_id,
        openid=openid,
        screening=screening,
        media_urls=media_urls,
        video_url=video_url,
        now=now,
    )
    await _move(session, kind, row, r.status_of(state.status), now=now)
    return state


async def apply_moderation(session: AsyncSession, *, kind: str, row_id: int, status: str) -> None:
    """A later moderation decision (WeChat's image verdict, the queue, an appeal): the row
    follows; idempotent, and never undoes a staff removal."""
    model = SUBJECTS.get(kind)
    if model is None:
        return
    row = await repo.get(session, model, row_id)
    if row is None or row.status == "removed":
        return
    to = r.status_of(status)
    if row.status != to:
        await _move(session, kind, row, to, now=utcnow())


async def remove(session: AsyncSession, kind: str, row_id: int) -> None:
    """Staff removal (删除/下架): final, counters follow."""
    row = await _require(session, kind, row_id)
    await _move(session, kind, row, "removed", now=utcnow())


# -- likes -----------------------------------------------------------------------------------


async def like(
    session: AsyncSession, kind: str, row_id: int, member_id: int, *, liked: bool
) -> LikeResult:
    """Like (or take the like back) a public answer or post: one like per member, the
    counter moves only when the like row was inserted (or deleted) by this call."""
    row = await _require(session, kind, row_id)
    if row.status != "approved":
        raise NotPublic()
    model = SUBJECTS[kind]
    # A merge absorbing this account waits for this like (and moves it) or refuses it.
    await members.hold_member(session, member_id)
    if liked:
        changed = await repo.insert_like(session, kind, row_id, member_id, utcnow())
    else:
        changed = await repo.delete_like(session, kind, row_id, member_id)
    if not changed:
        fresh = await _require(session, kind, row_id)
        return LikeResult(liked=liked, like_count=fresh.like_count)
    counts = await repo.bump_likes(session, model, row_id, 1 if liked else -1)
    if kind == "post":
        await _rescore(session, row_id, int(counts[0]), int(counts[1]))
    return LikeResult(liked=liked, like_count=int(counts[0]))
