"""Review handlers: moderation's later decisions (WeChat's image verdicts, the human queue,
appeals) shown or hidden on the review (growth is granted in the review's own transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.events import Event, subscriber
from shoplet.modules.moderation.public import DECIDED
from shoplet.modules.review import service


@subscriber(DECIDED, name="review.apply_moderation")
async def apply_moderation(event: Event, session: AsyncSession) -> None:
    subject_type = event.payload.get("subject_type")
    if subject_type not in (service.SUBJECT, service.FOLLOWUP_SUBJECT):
        return
    await service.apply_moderation(
        session,
        subject_type=str(subject_type),
        review_id=int(event.payload["subject_id"]),
        status=str(event.payload["status"]),
        actor=str(event.payload.get("actor", "")),
    )
