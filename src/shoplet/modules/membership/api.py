"""Storefront endpoints of membership (tag ``membership``): the tier table and the paid plans
anyone may read, the shopper's tier card, growth ledger, benefits, SVIP page, and buying a plan
(a virtual order, paid through ``POST /orders/{order_no}/pay``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.schemas import Page
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.membership import service
from shoplet.modules.membership.schemas import (
    BenefitsOut,
    GrowthEntryOut,
    MembershipCard,
    PlanOrderBody,
    PlanOrderOut,
    PlanOut,
    PriceExclusionsOut,
    SvipStatus,
    TierOut,
)

router = APIRouter(tags=["membership"])

Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{8,64}$",
        description="8-64 printable characters, new for every purchase; a retry with the same "
        "key returns the first order",
    ),
]


@router.get("/membership/price-exclusions")
async def price_exclusions(session: DbSession) -> PriceExclusionsOut:
    """Goods the member price (tier discount and SVIP) skips: products by id, categories with
    their subcategories (the product page hides "开通SVIP省¥xx" for them)."""
    return await service.public_exclusions(session)


@router.get("/membership/tiers")
async def list_tiers(session: DbSession) -> list[TierOut]:
    """Every tier with its threshold and benefits, lowest first (the benefits table)."""
    return await service.list_tiers(session)


@router.get("/me/membership", tags=["me"], responses=problem_responses(401))
async def my_membership(
    member: CurrentMember, session: DbSession, response: Response
) -> MembershipCard:
    """The tier card: tier, growth, the next tier and growth it needs, progress (‰), the tier
    period's end and recent notices (downgrade warnings)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.card(session, member.id)


@router.get("/me/growth", tags=["me"], responses=problem_responses(400, 401))
async def my_growth(
    member: CurrentMember,
    session: DbSession,
    response: Response,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[GrowthEntryOut]:
    """The shopper's growth ledger, newest first."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.list_growth(session, member.id, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/membership/plans")
async def list_plans(session: DbSession) -> list[PlanOut]:
    """The paid plans (SVIP) on sale, with their price and benefits."""
    return await service.list_plans(session, on_sale_only=True)


@router.get("/me/membership/benefits", tags=["me"], responses=problem_responses(401))
async def my_benefits(member: CurrentMember, session: DbSession, response: Response) -> BenefitsOut:
    """The benefits in force now: the tier's merged with the running paid plan's (each the
    better of the two), as checkout and loyalty apply them."""
    response.headers["Cache-Control"] = NO_STORE
    return service.benefits_view(await service.benefits_for(session, member.id))


@router.get("/me/membership/svip", tags=["me"], responses=problem_responses(401))
async def my_svip(member: CurrentMember, session: DbSession, response: Response) -> SvipStatus:
    """The SVIP page: active or not and until when, the plans with "开通省¥xx", reminders,
    the periods bought."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.svip_status(session, member.id)


@router.post(
    "/me/membership/plan-orders",
    tags=["me"],
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404, 409),
)
async def buy_plan(
    body: PlanOrderBody,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    idempotency_key: IdempotencyKey,
) -> PlanOrderOut:
    """Buy a plan: a virtual order (no address, stock or shipping) to pay with
    ``POST /orders/{order_no}/pay``; the plan starts when the payment is confirmed. 409
    ``membership.plan_not_on_sale`` / ``membership.plan_price_changed``, 404
    ``membership.plan_not_found``."""
    expires_at = utcnow() + timedelta(seconds=ctx.settings.order_payment_timeout_seconds)
    order, _created = await service.buy_plan(
        session,
        ctx.pii,
        member_id=member.id,
        body=body,
        idempotency_key=idempotency_key,
        expires_at=expires_at,
    )
    return order
