"""Console routes of group buys: campaigns (list, create, edit, stop) and the groups opened.
Thin: each route checks ``promotions:manage`` (group buys are a marketing play), calls the
service and appends an audit entry for every change in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page
from shoplet.modules.social import costs, service
from shoplet.modules.social.bargain.console_api import router as bargain_console_router
from shoplet.modules.social.crowdfunding.console_api import router as crowdfunding_router
from shoplet.modules.social.distribution.console_api import router as distribution_console_router
from shoplet.modules.social.kol.console_api import router as kol_console_router
from shoplet.modules.social.offline.console_api import router as offline_console_router
from shoplet.modules.social.schemas import (
    CampaignCosts,
    GroupBuy,
    GroupBuyGroupAdmin,
    GroupBuyGroupStatus,
    GroupBuyStatusChange,
    GroupBuyWrite,
)
from shoplet.modules.social.sharing.console_api import router as sharing_console_router
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-group-buy"])
router.include_router(crowdfunding_router)
router.include_router(bargain_console_router)

GroupBuyManager = Annotated[StaffIdentity, Depends(require_permission("promotions:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/group-buys", responses=problem_responses(400))
async def list_group_buys(
    _: GroupBuyManager, session: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[GroupBuy]:
    """Campaigns, newest first."""
    items, next_cursor = await service.list_campaigns(session, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/group-buys/{campaign_id}", responses=problem_responses(404))
async def get_group_buy(campaign_id: PathId, _: GroupBuyManager, session: DbSession) -> GroupBuy:
    """One campaign."""
    return await service.get_campaign(session, campaign_id)


@router.post("/group-buys", status_code=status.HTTP_201_CREATED, responses=problem_responses(400))
async def create_group_buy(
    body: GroupBuyWrite, staff: GroupBuyManager, request: Request, session: DbSession
) -> GroupBuy:
    """A new campaign (active: it runs from ``starts_at``)."""
    campaign = await service.create_campaign(session, body)
    await record_audit(
        session,
        staff,
        "social.campaign_create",
        f"social_campaign:{campaign.id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return campaign


@router.put("/group-buys/{campaign_id}", responses=problem_responses(400, 404, 409))
async def update_group_buy(
    campaign_id: PathId,
    body: GroupBuyWrite,
    staff: GroupBuyManager,
    request: Request,
    session: DbSession,
) -> GroupBuy:
    """Edit a campaign; groups already opened keep their terms."""
    campaign = await service.update_campaign(session, campaign_id, body)
    await record_audit(
        session,
        staff,
        "social.campaign_update",
        f"social_campaign:{campaign_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return campaign


@router.post("/group-buys/{campaign_id}/status", responses=problem_responses(404))
async def stop_group_buy(
    campaign_id: PathId,
    body: GroupBuyStatusChange,
    staff: GroupBuyManager,
    request: Request,
    session: DbSession,
) -> GroupBuy:
    """Stop a campaign: no new groups or members; open groups still finish or fail."""
    campaign = await service.stop_campaign(session, campaign_id)
    await record_audit(
        session,
        staff,
        "social.campaign_stop",
        f"social_campaign:{campaign_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return campaign


@router.get("/group-buys/{campaign_id}/costs", responses=problem_responses(404))
async def get_group_buy_costs(
    campaign_id: PathId, _: GroupBuyManager, session: DbSession
) -> CampaignCosts:
    """The campaign's cost panel: subsidy spent, new customers, cost per new customer, budget
    left, day by day."""
    return await costs.group_buy_costs(session, campaign_id)


@router.get("/group-buy-groups", responses=problem_responses(400))
async def list_group_buy_groups(
    _: GroupBuyManager,
    session: DbSession,
    campaign_id: QueryId = None,
    status: GroupBuyGroupStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[GroupBuyGroupAdmin]:
    """Groups, newest first; by campaign and status."""
    items, next_cursor = await service.list_groups(
        session, campaign_id=campaign_id, status=status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


router.include_router(sharing_console_router)  # sharing: /share/stats (分享统计)
router.include_router(offline_console_router)  # 线下码: /offline-codes
router.include_router(distribution_console_router)  # 分销: /distribution/*
router.include_router(kol_console_router)  # 达人发现: /social/kols*
