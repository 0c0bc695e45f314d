"""Console routes of crowdfunding: campaigns (list, create, edit, stop), their live progress
and result, and their cost panel. Thin: each route checks ``promotions:manage`` (crowdfunding
is a marketing play, as group buys are), calls the service and appends an audit entry for every
change in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.social.crowdfunding import service
from shoplet.modules.social.crowdfunding.schemas import (
    Crowdfunding,
    CrowdfundingStatusChange,
    CrowdfundingWrite,
)
from shoplet.modules.social.schemas import CampaignCosts
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-crowdfunding"])

Manager = Annotated[StaffIdentity, Depends(require_permission("promotions:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/crowdfundings", responses=problem_responses(400))
async def list_crowdfundings(
    _: Manager, session: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[Crowdfunding]:
    """Campaigns, newest first, with their progress."""
    items, next_cursor = await service.list_campaigns(session, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/crowdfundings/{campaign_id}", responses=problem_responses(404))
async def get_crowdfunding(campaign_id: PathId, _: Manager, session: DbSession) -> Crowdfunding:
    """One campaign: live progress, then its result."""
    return await service.get_campaign(session, campaign_id)


@router.get("/crowdfundings/{campaign_id}/costs", responses=problem_responses(404))
async def get_crowdfunding_costs(
    campaign_id: PathId, _: Manager, session: DbSession
) -> CampaignCosts:
    """The campaign's cost panel: subsidy spent, new customers, cost per new customer, budget
    left, day by day."""
    return await service.campaign_costs_of(session, campaign_id)


@router.post(
    "/crowdfundings", status_code=status.HTTP_201_CREATED, responses=problem_responses(400)
)
async def create_crowdfunding(
    body: CrowdfundingWrite, staff: Manager, request: Request, session: DbSession
) -> Crowdfunding:
    """A new campaign (active: it takes pledges from ``starts_at`` to ``ends_at``)."""
    campaign = await service.create_campaign(session, body)
    await record_audit(
        session,
        staff,
        "social.crowdfunding_create",
        f"social_crowdfunding:{campaign.id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return campaign


@router.put("/crowdfundings/{campaign_id}", responses=problem_responses(400, 404, 409))
async def update_crowdfunding(
    campaign_id: PathId,
    body: CrowdfundingWrite,
    staff: Manager,
    request: Request,
    session: DbSession,
) -> Crowdfunding:
    """Edit an active campaign before its deadline; pledges made keep their price."""
    campaign = await service.update_campaign(session, campaign_id, body)
    await record_audit(
        session,
        staff,
        "social.crowdfunding_update",
        f"social_crowdfunding:{campaign_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return campaign


@router.post("/crowdfundings/{campaign_id}/status", responses=problem_responses(404))
async def stop_crowdfunding(
    campaign_id: PathId,
    body: CrowdfundingStatusChange,
    staff: Manager,
    request: Request,
    session: DbSession,
) -> Crowdfunding:
    """Stop taking pledges; the deadline still settles it with the pledges paid."""
    campaign = await service.stop_campaign(session, campaign_id)
    await record_audit(
        session,
        staff,
        "social.crowdfunding_stop",
        f"social_crowdfunding:{campaign_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return campaign
