"""Storefront endpoints of promotions (tag ``coupons``): the coupon centre, claiming, the
shopper's own coupons, and the store-wide promotions of a product (its page's tags). Coupons
and promotions against a cart are priced by checkout (``POST /checkout/coupons`` and the
preview)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.members import public as members
from shoplet.modules.members.public import CurrentMember, OptionalMember
from shoplet.modules.promotions import service
from shoplet.modules.promotions.schemas import (
    AppliedCouponOut,
    CentreTemplate,
    Coupon,
    MemberGifts,
    OrderPromotion,
    PromotionTag,
    RedeemRequest,
    WalletTab,
)
from shoplet.modules.risk import public as risk

router = APIRouter(tags=["coupons"])

Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/me/member-gifts", responses=problem_responses(401))
async def my_member_gifts(
    member: CurrentMember, session: DbSession, response: Response
) -> MemberGifts:
    """The tier's gifts: this year's birthday coupon (issued, upcoming in the birthday month,
    no birthday set, or not offered by the tier) and this month's exclusive coupons."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.my_gifts(session, member_id=member.id)


@router.get("/coupons/centre", responses=problem_responses(400))
async def coupon_centre(
    member: OptionalMember,
    session: DbSession,
    response: Response,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[CentreTemplate]:
    """Coupons anyone may claim now, newest first, with how many are left and, signed in, how
    many the shopper holds and whether they may claim one more."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.coupon_centre(
        session, member_id=member.id if member else None, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/coupons/centre/{template_id}/claim",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409),
)
async def claim_coupon(
    template_id: PathId,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    client: risk.RiskClient,
) -> Coupon:
    """Claim one copy (409 ``promotions.quota_exhausted``, ``.claim_limit_reached``,
    ``.template_not_active``, ``.not_claimable``, ``.new_customer_only``, ``.coupon_expired``;
    403 ``risk.blocked`` / ``risk.challenge_required`` for coupon farming: fresh accounts
    sharing a device or an IP on one coupon)."""
    await risk.guard(
        session,
        ctx,
        risk.RiskRequest(
            action="coupon_claim",
            subject=f"member:{member.id}",
            member_id=member.id,
            ip=client.ip,
            device_id=client.device_id,
            user_agent=client.user_agent,
            grant=client.grant,
            scope=f"coupon:{template_id}",
            account_created_at=await members.get_member_since(session, member.id),
        ),
    )
    return await service.claim(session, member_id=member.id, template_id=template_id)


@router.get("/me/coupons", tags=["me"], responses=problem_responses(400, 401))
async def my_coupons(
    *,
    member: CurrentMember,
    session: DbSession,
    response: Response,
    tab: Annotated[WalletTab, Query()] = "usable",
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[Coupon]:
    """The shopper's coupons of one tab, newest first: ``usable`` (unused, not expired),
    ``used`` (used, or held by an unpaid order), ``expired`` (expired or void)."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.list_my_coupons(
        session, member_id=member.id, tab=tab, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/me/coupons/{coupon_id}", tags=["me"], responses=problem_responses(401, 404))
async def my_coupon(coupon_id: PathId, member: CurrentMember, session: DbSession) -> Coupon:
    """One of the shopper's coupons (404 for another shopper's)."""
    return await service.get_coupon(session, member_id=member.id, coupon_id=coupon_id)


@router.post(
    "/coupons/redeem",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 409, 429),
)
async def redeem_code(
    body: RedeemRequest, member: CurrentMember, session: DbSession, ctx: Ctx
) -> Coupon:
    """Turn a code (兑换码) into a coupon: 400 ``promotions.code_invalid`` (mistyped, unknown or
    disabled), 409 ``.code_used`` and the claim refusals, 429 ``.code_rate_limited``."""
    return await service.redeem_code(session, ctx.limiter, member_id=member.id, raw=body.code)


OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^\d+$")]


@router.get("/orders/{order_no}/coupon", tags=["orders"], responses=problem_responses(401))
async def order_coupon(
    order_no: OrderNo, member: CurrentMember, session: DbSession, response: Response
) -> AppliedCouponOut | None:
    """The coupon the shopper's order used, as it was when placed (null: none)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.order_coupon(session, order_no, member_id=member.id)


@router.get("/orders/{order_no}/promotions", tags=["orders"], responses=problem_responses(401, 404))
async def order_promotions(
    order_no: OrderNo, member: CurrentMember, session: DbSession, response: Response
) -> list[OrderPromotion]:
    """The store-wide promotions the shopper's order was placed with (满减, 限时折扣 …), as
    snapshotted then; 404 ``orders.not_found`` for an unknown order or another shopper's."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.order_promotions(session, order_no, member_id=member.id)


@router.get("/promotions/active", tags=["promotions"], responses=problem_responses(404))
async def active_promotions(
    session: DbSession,
    response: Response,
    product_id: Annotated[int, Query(ge=1, le=2**63 - 1)],
) -> list[PromotionTag]:
    """The running promotions covering a product, for its page (满300减30, 限时8折 …)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.product_tags(session, product_id)
