"""The human queue (内容审核): lists, an item with its decisions, approve / reject (one
decision when reviewers race), bulk, a decision made in the subject's own console, appeals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.moderation import repository as repo
from shoplet.modules.moderation.errors import (
    AlreadyDecided,
    ItemNotFound,
    NotAppealable,
)
from shoplet.modules.moderation.models import Item as ItemRow
from shoplet.modules.moderation.models import Media as MediaRow
from shoplet.modules.moderation.schemas import (
    ModerationDecision,
    ModerationHit,
    ModerationItem,
    ModerationItemDetail,
    ModerationMedia,
    ModerationState,
    MyModerationItem,
)
from shoplet.modules.moderation.service._common import UNAPPEALABLE, _move, _state
from shoplet.modules.moderation.service.screening import FINAL

# -- the human queue -------------------------------------------------------------------------


def _admin(row: ItemRow, media: Sequence[MediaRow]) -> ModerationItem:
    return ModerationItem(
        id=row.id,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        member_id=row.member_id,
        text=row.text,
        status=row.status,  # type: ignore[arg-type]
        hits=[ModerationHit.model_validate(h) for h in row.hits],
        filter_action=row.filter_action,
        text_state=row.text_state,
        text_label=row.text_label,
        media=[ModerationMedia(url=m.url, state=m.state, label=m.label) for m in media],
        video_url=row.video_url,
        reason=row.reason,
        appeal_reason=row.appeal_reason,
        appealed_at=row.appealed_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        created_at=row.created_at,
    )


async def list_items(
    session: AsyncSession,
    *,
    status: str | None,
    subject_type: str | None,
    appealed: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ModerationItem], str | None]:
    rows = await repo.list_items(
        session,
        status=status,
        subject_type=subject_type,
        appealed=appealed,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    media = await repo.media_of(session, [r.id for r in page])
    by_item: dict[int, list[MediaRow]] = {}
    for m in media:
        by_item.setdefault(m.item_id, []).append(m)
    return [_admin(r, by_item.get(r.id, [])) for r in page], (
        encode_id_cursor(page[-1].id) if len(rows) > limit else None
    )


async def item_detail(session: AsyncSession, item_id: int) -> ModerationItemDetail:
    row = await repo.get_item(session, item_id)
    if row is None:
        raise ItemNotFound()
    media = await repo.media_of(session, [row.id])
    decisions = await repo.decisions_of(session, row.id)
    return ModerationItemDetail(
        **_admin(row, media).model_dump(),
        decisions=[
            ModerationDecision(
                from_status=d.from_status,
                to_status=d.to_status,
                actor=d.actor,
                reason=d.reason,
                created_at=d.created_at,
            )
            for d in decisions
        ],
    )


async def decide(
    session: AsyncSession,
    item_id: int,
    decision: str,
    *,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> ModerationItemDetail:
    """A reviewer approves or rejects an item still in the pipeline (``checking`` or
    ``held``); a decided one is 409 ``moderation.already_decided``, and of two reviewers at
    once exactly one decides."""
    now = now or utcnow()
    row = await repo.get_item(session, item_id)
    if row is None:
        raise ItemNotFound()
    if row.status in FINAL:
        raise AlreadyDecided()
    to = "approved" if decision == "approve" else "rejected"
    await _move(session, row, to, actor=actor, reason=reason or row.reason, now=now)
    return await item_detail(session, item_id)


async def decide_many(
    session: AsyncSession,
    ids: Sequence[int],
    decision: str,
    *,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> tuple[list[int], list[int]]:
    """Bulk: each item as :func:`decide`; those decided meanwhile (or unknown) are skipped."""
    now = now or utcnow()
    done, skipped = [], []
    for item_id in dict.fromkeys(ids):
        try:
            await decide(session, item_id, decision, actor=actor, reason=reason, now=now)
            done.append(item_id)
        except (AlreadyDecided, ItemNotFound):
            skipped.append(item_id)
    return done, skipped


async def override(
    session: AsyncSession,
    subject_type: str,
    subject_id: int,
    to: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> None:
    """A subject's owner decided in its own console (评价管理 approves a review): the item
    follows, with a decision row; nothing when it is there already."""
    now = now or utcnow()
    row = await repo.item_of(session, subject_type, subject_id)
    if row is None or row.status == to:
        return
    await _move(session, row, to, actor=actor, reason=row.reason, now=now)


async def appeal(
    session: AsyncSession,
    *,
    member_id: int,
    subject_type: str,
    subject_id: int,
    reason: str,
    now: datetime | None = None,
) -> ModerationState:
    """申诉: the author sends a rejected item back to the queue, once."""
    now = now or utcnow()
    row = await repo.item_of(session, subject_type, subject_id)
    if row is None or row.member_id != member_id:
        raise ItemNotFound()
    if row.status != "rejected" or row.appealed_at is not None or row.subject_type in UNAPPEALABLE:
        raise NotAppealable()
    fresh = await _move(
        session,
        row,
        "held",
        actor=f"member:{member_id}",
        reason=row.reason,
        now=now,
        extra={"appeal_reason": reason, "appealed_at": now},
    )
    return _state(fresh)


async def mine(
    session: AsyncSession, member_id: int, *, cursor: str | None, limit: int
) -> tuple[list[MyModerationItem], str | None]:
    """我的内容: the author's items, newest first, each with its status, the reason when it was
    rejected and whether it may be appealed."""
    rows = await repo.member_items(
        session, member_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    items = [
        MyModerationItem(
            **_state(row).model_dump(),
            subject_type=row.subject_type,  # type: ignore[arg-type]
            subject_id=row.subject_id,
            text=row.text,
            appealed=row.appealed_at is not None,
            created_at=row.created_at,
        )
        for row in page
    ]
    return items, (encode_id_cursor(page[-1].id) if len(rows) > limit else None)
