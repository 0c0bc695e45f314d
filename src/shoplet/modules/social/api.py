"""Storefront endpoints of group buys (tag ``group-buy``): a product's group buys, opening a
group, a group's share page, joining it. Each seat is paid as any order
(``POST /orders/{order_no}/pay``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext, Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.modules.members import public as members
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.risk import public as risk
from shoplet.modules.social import service
from shoplet.modules.social.bargain.api import router as bargain_router
from shoplet.modules.social.crowdfunding.api import router as crowdfunding_router
from shoplet.modules.social.distribution.api import router as distribution_router
from shoplet.modules.social.offline.api import router as offline_router
from shoplet.modules.social.schemas import (
    GroupBuyCard,
    GroupBuyGroup,
    GroupBuyJoin,
    GroupBuyOpen,
    GroupBuyParticipation,
)
from shoplet.modules.social.sharing.api import router as sharing_router

router = APIRouter(tags=["group-buy"])
router.include_router(crowdfunding_router)
router.include_router(bargain_router)

ShareId = Annotated[str, Path(min_length=8, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/products/{product_id}/group-buys", responses=problem_responses(400))
async def list_product_group_buys(
    product_id: PathId, session: DbSession, response: Response
) -> list[GroupBuyCard]:
    """Running and upcoming group buys of a product (拼团价 on the product page)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.product_campaigns(session, product_id)


async def _guard_group(
    session: AsyncSession, ctx: AppContext, member_id: int, client: risk.ClientSignals, share: str
) -> None:
    """The risk engine's word on a seat of one group (``group_join``, counted within the group:
    a ring of fresh accounts on one device or IP filling it): 403 ``risk.blocked`` /
    ``risk.challenge_required`` before anything is written."""
    await risk.guard(
        session,
        ctx,
        risk.RiskRequest(
            action="group_join",
            subject=f"member:{member_id}",
            member_id=member_id,
            ip=client.ip,
            device_id=client.device_id,
            user_agent=client.user_agent,
            grant=client.grant,
            scope=f"group:{share}",
            account_created_at=await members.get_member_since(session, member_id),
        ),
    )


@router.post(
    "/group-buys/{campaign_id}/groups",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 403, 404, 409),
)
async def open_group(
    *,
    campaign_id: PathId,
    body: GroupBuyOpen,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    client: risk.RiskClient,
) -> GroupBuyParticipation:
    """Open a group (开团): the leader's order at the group price, to pay next (403
    ``risk.blocked`` / ``risk.challenge_required`` when the risk engine refuses; the leader
    counts within the new group, so a ring filling it from the leader's phone is seen)."""
    share_id = service.new_share_id()
    await _guard_group(session, ctx, member.id, client, share_id)
    return await service.open_group(
        session,
        ctx,
        member_id=member.id,
        campaign_id=campaign_id,
        address_id=body.address_id,
        share_id=share_id,
    )


@router.get("/group-buys/groups/{share_id}", responses=problem_responses(400, 404))
async def get_group(share_id: ShareId, session: DbSession, response: Response) -> GroupBuyGroup:
    """A group's share page: members (names masked), slots left, deadline."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.get_group(session, share_id)


@router.post(
    "/group-buys/groups/{share_id}/join",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 403, 404, 409),
)
async def join_group(
    *,
    share_id: ShareId,
    body: GroupBuyJoin,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    client: risk.RiskClient,
) -> GroupBuyParticipation:
    """Join a group (参团) through its share id: an order at the group price, to pay next (403
    ``risk.blocked`` / ``risk.challenge_required`` for a ring of fresh accounts sharing a device
    or an IP within this group, scored by the risk engine; no order, no seat)."""
    await _guard_group(session, ctx, member.id, client, share_id)
    return await service.join_group(
        session, ctx, member_id=member.id, share_id=share_id, address_id=body.address_id
    )


router.include_router(sharing_router)  # sharing: /share/links, /share/posters, /share/{scene}
router.include_router(offline_router)  # offline codes (线下码): /offline-codes/{scene}
router.include_router(distribution_router)  # 分销: /distribution/*
