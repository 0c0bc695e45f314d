"""Storefront routes of analytics: the event collector the SDK (``frontends/shared/src/
tracker.ts``) sends its batches to."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from shoplet.core.context import Ctx
from shoplet.core.errors import problem_responses
from shoplet.core.net import client_ip
from shoplet.modules.analytics import service
from shoplet.modules.analytics.replay.api import router as replay_router
from shoplet.modules.analytics.schemas import MAX_BATCH_BYTES, EventBatch, EventsAccepted
from shoplet.modules.members.public import OptionalMember

router = APIRouter(tags=["analytics"])
router.include_router(replay_router)  # session replay: /replays/config, /replays


@router.post(
    "/events",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 413, 422, 429),
    max_body_size=MAX_BATCH_BYTES,
)
async def collect_events(
    batch: EventBatch, request: Request, ctx: Ctx, member: OptionalMember
) -> EventsAccepted:
    """Record a batch of tracking events (at most 50 events and 64 KB). The member is the
    access token's, if any; 413 ``analytics.batch_too_large``, 422
    ``analytics.event_out_of_range`` (future-dated or too old), 429 per device and address.
    Nothing of a refused batch is recorded."""
    return await service.ingest_events(
        ctx,
        batch,
        member_id=member.id if member is not None else None,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
