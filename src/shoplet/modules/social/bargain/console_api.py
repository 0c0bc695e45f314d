"""Console routes of bargains: campaigns (list, create, edit, stop) and each one's cost report.
Thin: each route checks ``promotions:manage`` (a marketing play, as group buys), calls the
service and appends an audit entry for every change in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.social.bargain import report, service
from shoplet.modules.social.bargain.schemas import (
    BargainCampaign,
    BargainCampaignStatusChange,
    BargainCampaignWrite,
    BargainReport,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-bargain"])

BargainManager = Annotated[StaffIdentity, Depends(require_permission("promotions:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/bargains", responses=problem_responses(400))
async def list_bargain_campaigns(
    _: BargainManager, session: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[BargainCampaign]:
    """Bargain campaigns, newest first."""
    items, next_cursor = await service.list_campaigns(session, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/bargains/{campaign_id}", responses=problem_responses(404))
async def get_bargain_campaign(
    campaign_id: PathId, _: BargainManager, session: DbSession
) -> BargainCampaign:
    """One bargain campaign."""
    return await service.get_campaign(session, campaign_id)


@router.get("/bargains/{campaign_id}/report", responses=problem_responses(404))
async def bargain_campaign_report(
    campaign_id: PathId, _: BargainManager, session: DbSession
) -> BargainReport:
    """What a campaign cost and brought: bargains, helpers, new customers, orders, subsidy."""
    return await report.campaign_report(session, campaign_id)


@router.post("/bargains", status_code=status.HTTP_201_CREATED, responses=problem_responses(400))
async def create_bargain_campaign(
    body: BargainCampaignWrite, staff: BargainManager, request: Request, session: DbSession
) -> BargainCampaign:
    """A new bargain campaign (active: it runs from ``starts_at``)."""
    campaign = await service.create_campaign(session, body)
    await record_audit(
        session,
        staff,
        "social.bargain_campaign_create",
        f"social_bargain_campaign:{campaign.id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return campaign


@router.put("/bargains/{campaign_id}", responses=problem_responses(400, 404, 409))
async def update_bargain_campaign(
    campaign_id: PathId,
    body: BargainCampaignWrite,
    staff: BargainManager,
    request: Request,
    session: DbSession,
) -> BargainCampaign:
    """Edit a bargain campaign; bargains already started keep their terms."""
    campaign = await service.update_campaign(session, campaign_id, body)
    await record_audit(
        session,
        staff,
        "social.bargain_campaign_update",
        f"social_bargain_campaign:{campaign_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return campaign


@router.post("/bargains/{campaign_id}/status", responses=problem_responses(404))
async def stop_bargain_campaign(
    campaign_id: PathId,
    body: BargainCampaignStatusChange,
    staff: BargainManager,
    request: Request,
    session: DbSession,
) -> BargainCampaign:
    """Stop a bargain campaign: no new bargains; open ones run to their deadline."""
    campaign = await service.stop_campaign(session, campaign_id)
    await record_audit(
        session,
        staff,
        "social.bargain_campaign_stop",
        f"social_bargain_campaign:{campaign_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return campaign
