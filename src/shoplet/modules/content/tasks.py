"""Content handlers: moderation's later decisions (WeChat's image verdicts, the human queue,
appeals) applied to questions, answers, posts and comments."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.events import Event, subscriber
from shoplet.modules.content import service
from shoplet.modules.moderation.public import DECIDED


@subscriber(DECIDED, name="content.apply_moderation")
async def apply_moderation(event: Event, session: AsyncSession) -> None:
    kind = event.payload.get("subject_type")
    if kind not in service.SUBJECTS:
        return
    await service.apply_moderation(
        session,
        kind=str(kind),
        row_id=int(event.payload["subject_id"]),
        status=str(event.payload["status"]),
    )
