"""Storefront routes of session replay: the H5 recorder's configuration and chunk ingest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.net import client_ip
from shoplet.modules.analytics.replay import service
from shoplet.modules.analytics.replay.schemas import (
    MAX_REPLAY_BYTES,
    ReplayAccepted,
    ReplayChunkIn,
    ReplayConfig,
)
from shoplet.modules.members.public import OptionalMember

router = APIRouter(tags=["analytics"])


@router.get("/replays/config")
async def replay_config(
    ctx: Ctx,
    anonymous_id: Annotated[str, Query(pattern=r"^[A-Za-z0-9_-]{8,64}$")],
) -> ReplayConfig:
    """Whether this device records its H5 visits (sampled by
    ``SHOPLET_ANALYTICS_REPLAY_SAMPLE_RATE``) and the recorder's limits."""
    return service.config(ctx, anonymous_id)


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
    return await service.ingest(
        ctx,
        session,
        chunk,
        member_id=member.id if member is not None else None,
        ip=client_ip(request),
    )
