"""Storefront endpoints of bargains (tag ``bargain``): a product's bargain campaigns, starting a
bargain, its share page, a friend's cut, the initiator's order and 我的砍价. The order is paid as
any order (``POST /orders/{order_no}/pay``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.net import client_ip
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.members import public as members
from shoplet.modules.members.public import CurrentMember, OptionalMember
from shoplet.modules.risk import public as risk
from shoplet.modules.social.bargain import service
from shoplet.modules.social.bargain.schemas import (
    BargainBuy,
    BargainCard,
    BargainCutRequest,
    BargainCutResult,
    BargainOrder,
    BargainStart,
    BargainView,
    MyBargain,
)

router = APIRouter(tags=["bargain"])

ShareId = Annotated[str, Path(min_length=8, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/products/{product_id}/bargains", responses=problem_responses(400))
async def list_product_bargains(
    product_id: PathId, session: DbSession, response: Response
) -> list[BargainCard]:
    """Running and upcoming bargain campaigns of a product (砍价 on the product page)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.product_campaigns(session, product_id)


@router.post(
    "/bargains",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404, 409),
)
async def start_bargain(
    body: BargainStart, member: CurrentMember, session: DbSession
) -> BargainView:
    """Start a bargain (发起砍价) at the campaign's start price; share it with friends next."""
    return await service.start_bargain(session, member_id=member.id, campaign_id=body.campaign_id)


@router.get("/bargains/mine", responses=problem_responses(400, 401))
async def my_bargains(
    member: CurrentMember,
    session: DbSession,
    response: Response,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Page[MyBargain]:
    """The shopper's bargains (我的砍价), newest first."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.my_bargains(session, member.id, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/bargains/{share_id}", responses=problem_responses(400, 401, 404))
async def get_bargain(
    share_id: ShareId, member: OptionalMember, session: DbSession, response: Response
) -> BargainView:
    """A bargain's share page: price, helpers (names masked) and their cuts, deadline."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.get_bargain(session, share_id, member.id if member else None)


@router.post(
    "/bargains/{share_id}/cuts",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404, 409),
)
async def cut_bargain(
    *,
    share_id: ShareId,
    body: BargainCutRequest,
    member: CurrentMember,
    session: DbSession,
    request: Request,
    ctx: Ctx,
    client: risk.RiskClient,
) -> BargainCutResult:
    """A friend's cut (帮砍一刀): once per friend and bargain (403 ``risk.blocked`` /
    ``risk.challenge_required`` from the risk engine for a ring of helpers: accounts sharing a
    device or an IP on this bargain or across the day's bargains, new accounts cutting in
    bursts)."""
    await risk.guard(
        session,
        ctx,
        risk.RiskRequest(
            action="bargain_cut",
            subject=f"member:{member.id}",
            member_id=member.id,
            ip=client.ip,
            device_id=body.device_id or client.device_id,
            user_agent=client.user_agent,
            grant=client.grant,
            scope=f"bargain:{share_id}",
            account_created_at=await members.get_member_since(session, member.id),
        ),
    )
    return await service.cut_bargain(
        session,
        member_id=member.id,
        share_id=share_id,
        ip=client_ip(request),
        device_id=body.device_id,
    )


@router.post(
    "/bargains/{share_id}/order",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 403, 404, 409),
)
async def buy_bargain(
    *, share_id: ShareId, body: BargainBuy, member: CurrentMember, session: DbSession, ctx: Ctx
) -> BargainOrder:
    """Buy at the current price (立即购买): the order to pay next; no more cuts after it."""
    return await service.buy_bargain(
        session, ctx, member_id=member.id, share_id=share_id, address_id=body.address_id
    )
