"""Content handlers and jobs: moderation's later decisions (WeChat's image verdicts, the human
queue, appeals) applied to questions, answers, posts and comments; ``content.settle_challenges``
settles ended topic challenges (once each, however many workers run it);
``content.retry_prize_coupons`` tries again the coupon prizes that could not be issued."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
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


SETTLE_JOB = "content.settle_challenges"


@periodic(every_seconds=60, name=SETTLE_JOB)
async def settle_challenges(ctx: AppContext) -> None:
    await service.settle_due(ctx.sessionmaker)


RETRY_PRIZES_JOB = "content.retry_prize_coupons"


@periodic(every_seconds=60, name=RETRY_PRIZES_JOB)
async def retry_prize_coupons(ctx: AppContext) -> None:
    await service.retry_due(ctx.sessionmaker)
