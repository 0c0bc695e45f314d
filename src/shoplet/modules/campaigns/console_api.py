"""Console routes of campaigns (唤醒活动, ``promotions:manage``): list, create, edit a draft,
start, cancel, progress and results (per group and per channel), each channel's reach, and a
run now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.campaigns import running, service
from shoplet.modules.campaigns.models import AudienceKind, Status
from shoplet.modules.campaigns.schemas import (
    CampaignInput,
    CampaignOut,
    CampaignResults,
    ChannelReach,
    RunReport,
)
from shoplet.modules.staff.public import (
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
)

router = APIRouter()

Manager = Annotated[StaffIdentity, Depends(require_permission("promotions:manage"))]


@router.get("/campaigns", responses=problem_responses(400, 403))
async def list_campaigns(
    staff: Manager,
    session: DbSession,
    status: Status | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[CampaignOut]:
    """唤醒活动, newest first, each with its progress."""
    rows = await service.list_campaigns(
        session, status=status, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return Page(
        items=page,
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit else None,
    )


@router.post("/campaigns", status_code=201, responses=problem_responses(400, 403, 409))
async def create_campaign(
    body: CampaignInput, staff: Manager, session: DbSession, request: Request
) -> CampaignOut:
    """Save a draft campaign. 400 ``campaigns.audience_unknown`` / ``holdout_invalid`` /
    ``cap_invalid`` / ``field_invalid`` …, 409 ``campaigns.template_disabled`` /
    ``coupon_template_inactive``."""
    out = await service.create(session, body, actor=staff.username)
    await record_audit(
        session, staff, "campaign.create", f"campaign:{out.id}", {"name": out.name},
        origin_of(request),
    )  # fmt: skip
    return out


@router.get("/campaigns/reach", responses=problem_responses(400, 403))
async def campaign_reach(
    staff: Manager,
    session: DbSession,
    audience_kind: AudienceKind,
    audience_value: Annotated[str, Query(min_length=1, max_length=64)],
    message_event: Annotated[str | None, Query(max_length=30)] = None,
) -> ChannelReach:
    """How many of an audience each channel (订阅消息, 公众号, 自动) reaches now, before
    starting. 400 ``campaigns.audience_unknown``."""
    return await service.reach(
        session,
        audience_kind=audience_kind,
        audience_value=audience_value,
        message_event=message_event,
    )


@router.get("/campaigns/{campaign_id}", responses=problem_responses(403, 404))
async def get_campaign(campaign_id: PathId, staff: Manager, session: DbSession) -> CampaignOut:
    """A campaign and its live progress."""
    return await service.get(session, campaign_id)


@router.put("/campaigns/{campaign_id}", responses=problem_responses(400, 403, 404, 409))
async def update_campaign(
    campaign_id: PathId, body: CampaignInput, staff: Manager, session: DbSession, request: Request
) -> CampaignOut:
    """Edit a draft (409 ``campaigns.not_editable`` once started)."""
    out = await service.update(session, campaign_id, body)
    await record_audit(
        session, staff, "campaign.update", f"campaign:{campaign_id}", {"name": out.name},
        origin_of(request),
    )  # fmt: skip
    return out


@router.post("/campaigns/{campaign_id}/start", responses=problem_responses(403, 404, 409))
async def start_campaign(
    campaign_id: PathId, staff: Manager, session: DbSession, request: Request
) -> CampaignOut:
    """Schedule a draft: its audience is materialised at its start time, or at once."""
    out = await service.start(session, campaign_id)
    await record_audit(
        session, staff, "campaign.start", f"campaign:{campaign_id}", {}, origin_of(request)
    )
    return out


@router.post("/campaigns/{campaign_id}/cancel", responses=problem_responses(403, 404, 409))
async def cancel_campaign(
    campaign_id: PathId, staff: Manager, session: DbSession, request: Request
) -> CampaignOut:
    """Cancel: touches not made yet are dropped; the made ones keep their results."""
    out = await service.cancel(session, campaign_id)
    await record_audit(
        session, staff, "campaign.cancel", f"campaign:{campaign_id}", {}, origin_of(request)
    )
    return out


@router.post("/campaigns/{campaign_id}/run", responses=problem_responses(403, 404))
async def run_campaign(
    campaign_id: PathId,
    staff: Manager,
    ctx: Ctx,
) -> RunReport:
    """Run a started campaign now (what the worker's ``campaigns.run_due`` does every 30 s)."""
    return await running.run(ctx, campaign_id)


@router.get("/campaigns/{campaign_id}/results", responses=problem_responses(403, 404))
async def campaign_results(
    campaign_id: PathId, staff: Manager, session: DbSession
) -> CampaignResults:
    """Treated against holdout with the incremental orders and revenue (95 % intervals)."""
    return await service.results(session, campaign_id)
