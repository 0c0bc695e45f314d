"""Storefront routes of analytics: the event collector the SDK (``frontends/shared/src/
tracker.ts``) sends its batches to, the H5 session recorder's configuration and chunks, and
the mini program's taps and depths (``analytics/replay``). Routes with their own
``max_body_size`` live here, on the module's router itself, where the body-limit middleware
finds them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.net import client_ip
from shoplet.modules.analytics import service
from shoplet.modules.analytics.replay import service as replay
from shoplet.modules.analytics.replay.schemas import (
    MAX_REPLAY_BYTES,
    MAX_TAP_BYTES,
    ReplayAccepted,
    ReplayChunkIn,
    ReplayConfig,
    TapChunkIn,
)
from shoplet.modules.analytics.schemas import MAX_BATCH_BYTES, EventBatch, EventsAccepted
from shoplet.modules.members.public import OptionalMember

router = APIRouter(tags=["analytics"])


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


@router.get("/replays/config")
async def replay_config(
    ctx: Ctx,
    anonymous_id: Annotated[str, Query(pattern=r"^[A-Za-z0-9_-]{8,64}$")],
) -> ReplayConfig:
    """Whether this device records its H5 visits (sampled by
    ``SHOPLET_ANALYTICS_REPLAY_SAMPLE_RATE``) and the recorder's limits."""
    return replay.config(ctx, anonymous_id)


@router.post(
    "/replays",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 409, 413, 422, 429),
    max_body_size=MAX_REPLAY_BYTES,
)
async def collect_replay(
    chunk: ReplayChunkIn,
    request: Request,
    ctx: Ctx,
    session: DbSession,
    member: OptionalMember,
) -> ReplayAccepted:
    """One chunk of an H5 recording (rrweb events of one page, inputs masked, and its clicks;
    at most 2000 events and 512 KB). 409 ``analytics.replay_conflict`` (another device's
    recording), 413 ``analytics.replay_full`` (the recording's size limit), 422
    ``analytics.replay_out_of_range``, 429 per device and address; nothing of a refused chunk is
    stored. A retried chunk (same ``seq``) is stored once."""
    return await replay.ingest(
        ctx,
        session,
        chunk,
        member_id=member.id if member is not None else None,
        ip=client_ip(request),
    )


@router.post(
    "/replays/taps",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 409, 413, 422, 429),
    max_body_size=MAX_TAP_BYTES,
)
async def collect_taps(
    chunk: TapChunkIn,
    request: Request,
    ctx: Ctx,
    session: DbSession,
    member: OptionalMember,
) -> ReplayAccepted:
    """One page's taps and scroll depth from the mini program (no DOM to record there): at
    most 200 taps and 32 KB, sampled and limited as H5 recordings are. 409
    ``analytics.replay_conflict`` (another device's visit, or an H5 recording's id), 422
    ``analytics.replay_out_of_range``, 429 per device and address; nothing of a refused chunk is
    stored, and a retried chunk (same ``seq``) is stored once."""
    return await replay.ingest(
        ctx,
        session,
        chunk,
        member_id=member.id if member is not None else None,
        ip=client_ip(request),
    )
