"""Storefront endpoints of crowdfunding (tag ``crowdfunding``): a product's campaigns, a
campaign's page, pledging. Each pledge is paid as any order (``POST /orders/{order_no}/pay``)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.social.crowdfunding import service
from shoplet.modules.social.crowdfunding.schemas import CrowdfundingCard, PledgeCreate, PledgeView

router = APIRouter(tags=["crowdfunding"])


@router.get("/products/{product_id}/crowdfundings", responses=problem_responses(400))
async def list_product_crowdfundings(
    product_id: PathId, session: DbSession, response: Response
) -> list[CrowdfundingCard]:
    """Running and upcoming crowdfunding campaigns of a product (众筹 on the product page)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.product_campaigns(session, product_id)


@router.get("/crowdfundings/{campaign_id}", responses=problem_responses(400, 404))
async def get_crowdfunding(
    campaign_id: PathId, session: DbSession, response: Response
) -> CrowdfundingCard:
    """A campaign's page: progress, backers, deadline."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.get_card(session, campaign_id)


@router.post(
    "/crowdfundings/{campaign_id}/pledges",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404, 409),
)
async def pledge(
    *, campaign_id: PathId, body: PledgeCreate, member: CurrentMember, session: DbSession, ctx: Ctx
) -> PledgeView:
    """Pledge (支持): an order at the pledge price, to pay next."""
    return await service.pledge(
        session,
        ctx,
        member_id=member.id,
        campaign_id=campaign_id,
        address_id=body.address_id,
        quantity=body.quantity,
    )
