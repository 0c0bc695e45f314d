"""Storefront endpoints of membership (tag ``membership``): the tier table anyone may read, the
shopper's tier card and growth ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.schemas import Page
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.membership import service
from shoplet.modules.membership.schemas import GrowthEntryOut, MembershipCard, TierOut

router = APIRouter(tags=["membership"])

Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


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
