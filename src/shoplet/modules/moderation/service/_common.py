"""What the pipeline, the queue and appeals share: an item's state for its author, and one
guarded move of an item's status (conditional on status and seq, a decision row, the event)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.events import publish
from shoplet.modules.moderation import repository as repo
from shoplet.modules.moderation.errors import (
    AlreadyDecided,
    ItemNotFound,
)
from shoplet.modules.moderation.events import DECIDED
from shoplet.modules.moderation.models import Item as ItemRow
from shoplet.modules.moderation.models import Media as MediaRow
from shoplet.modules.moderation.schemas import (
    ModerationState,
)
from shoplet.modules.moderation.service.screening import FINAL, reason_of, status_of

# A refused chat message was never sent: there is nothing to publish on appeal (the shopper
# writes it again), and it stays out of 我的内容.
UNAPPEALABLE = ("chat_message",)


def _state(row: ItemRow) -> ModerationState:
    return ModerationState(
        id=row.id,
        status=row.status,  # type: ignore[arg-type]
        reason=row.reason if row.status == "rejected" else None,
        can_appeal=row.status == "rejected"
        and row.appealed_at is None
        and row.subject_type not in UNAPPEALABLE,
    )


def _media_states(rows: Sequence[MediaRow]) -> list[str]:
    return [m.state for m in rows]


# -- items -----------------------------------------------------------------------------------


async def _item(session: AsyncSession, item_id: int) -> ItemRow:
    row = await repo.get_item(session, item_id)
    if row is None:
        raise ItemNotFound()
    return row


async def _publish(session: AsyncSession, row: ItemRow, status: str, actor: str) -> None:
    await publish(
        session,
        DECIDED,
        {
            "item_id": row.id,
            "subject_type": row.subject_type,
            "subject_id": row.subject_id,
            "member_id": row.member_id,
            "status": status,
            "actor": actor,
            "reason": row.reason,
        },
        key=f"{row.subject_type}:{row.subject_id}",
    )


async def _move(
    session: AsyncSession,
    row: ItemRow,
    to: str,
    *,
    actor: str,
    reason: str | None,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> ItemRow:
    was = row.status
    changed = await repo.change_item(
        session,
        row.id,
        expected_status=was,
        expected_seq=row.seq,
        values={
            "status": to,
            "reason": reason,
            "decided_by": actor if to in FINAL else row.decided_by,
            "decided_at": now if to in FINAL else row.decided_at,
            "updated_at": now,
            **(extra or {}),
        },
    )
    if not changed:
        raise AlreadyDecided()
    await repo.insert_decision(
        session,
        {
            "item_id": row.id,
            "from_status": was,
            "to_status": to,
            "actor": actor,
            "reason": reason,
            "created_at": now,
        },
    )
    fresh = await _item(session, row.id)
    if to in FINAL or extra is not None:
        await _publish(session, fresh, to, actor)
    return fresh


async def _reevaluate(session: AsyncSession, row: ItemRow, *, actor: str, now: datetime) -> None:
    """A machine verdict arrived: move an item still ``checking`` by the rule."""
    if row.status != "checking":
        return
    media = await repo.media_of(session, [row.id])
    to = status_of(
        filter_action=row.filter_action,
        text_state=row.text_state,
        media=_media_states(media),
    )
    if to == "checking":
        return
    reason = reason_of(
        hits=row.hits,
        text_state=row.text_state,
        text_label=row.text_label,
        media=[(m.state, m.label) for m in media],
    )
    await _move(session, row, to, actor=actor, reason=reason, now=now)
