"""Storefront endpoints of distribution (tag ``distribution``): binding through a promoter's
link, the promoter centre (apply, balance, team, commissions, withdrawals)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.schemas import Page
from shoplet.modules.members.public import CurrentMember

from . import commissions, service, withdrawals
from .schemas import (
    BindingView,
    BindRequest,
    CommissionStatus,
    CommissionView,
    PromoterCentre,
    TeamMember,
    WithdrawalCreate,
    WithdrawalView,
)

router = APIRouter(prefix="/distribution", tags=["distribution"])

Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.post("/bind", responses=problem_responses(400, 401, 404, 409))
async def bind(
    body: BindRequest, member: CurrentMember, session: DbSession, ctx: Ctx
) -> BindingView:
    """Bind the shopper to the promoter whose link (``?promoter=<code>``) they came through;
    first touch wins."""
    return await service.bind(
        session, member.id, body.promoter_code, ctx.settings.orders_aftersale_window_days
    )


@router.get("/me", responses=problem_responses(401))
async def centre(
    member: CurrentMember, session: DbSession, ctx: Ctx, response: Response
) -> PromoterCentre:
    """The promoter centre (推广中心): status, code, balance, team sizes."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.centre(session, member.id, ctx.settings.orders_aftersale_window_days)


@router.post("/apply", status_code=status.HTTP_201_CREATED, responses=problem_responses(401, 409))
async def apply(member: CurrentMember, session: DbSession, ctx: Ctx) -> PromoterCentre:
    """Apply to become a promoter (or become one at once where the shop makes them
    automatically)."""
    return await service.apply(session, member.id, ctx.settings.orders_aftersale_window_days)


@router.get("/team", responses=problem_responses(400, 401, 404))
async def team(
    *,
    member: CurrentMember,
    session: DbSession,
    response: Response,
    level: Annotated[int, Query(ge=1, le=2)] = 1,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[TeamMember]:
    """The promoter's team by level, names masked, newest first."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.team(
        session, member.id, level=level, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/commissions", responses=problem_responses(400, 401, 404))
async def my_commissions(
    *,
    member: CurrentMember,
    session: DbSession,
    response: Response,
    status: CommissionStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[CommissionView]:
    """The promoter's commissions (frozen, settled, reversed), newest first."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await commissions.my_commissions(
        session, member.id, status=status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/withdrawals", responses=problem_responses(400, 401, 404))
async def my_withdrawals(
    member: CurrentMember,
    session: DbSession,
    response: Response,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[WithdrawalView]:
    """The promoter's withdrawals, newest first."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await withdrawals.my_withdrawals(
        session, member.id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/withdrawals",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404, 409),
)
async def request_withdrawal(
    body: WithdrawalCreate, member: CurrentMember, session: DbSession, ctx: Ctx
) -> WithdrawalView:
    """Withdraw from the available balance (staff approve, then WeChat transfers it); from
    ¥2,000 on with the payee's real name (``real_name``), which WeChat checks."""
    return await withdrawals.request(
        session,
        member.id,
        body.amount,
        ctx.settings.orders_aftersale_window_days,
        real_name=body.real_name,
        pii=ctx.pii,
    )
