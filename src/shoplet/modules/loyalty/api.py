"""Storefront endpoints of loyalty (tag ``points``): the shopper's points, their ledger, and
the daily sign-in. Points at checkout are part of checkout's preview and order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.schemas import Page
from shoplet.modules.loyalty import service, signin
from shoplet.modules.loyalty.schemas import (
    EntryKind,
    PointsEntry,
    PointsSummary,
    SignInCalendar,
    SignInResult,
)
from shoplet.modules.members.public import CurrentMember

router = APIRouter(tags=["points"])

Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


def get_clock() -> Callable[[], datetime]:
    """The clock sign-in days are counted by; tests override this dependency."""
    return utcnow


Clock = Annotated[Callable[[], datetime], Depends(get_clock)]


@router.get("/me/points", tags=["me"], responses=problem_responses(401))
async def my_points(
    member: CurrentMember, session: DbSession, clock: Clock, response: Response
) -> PointsSummary:
    """Balance, lifetime totals, and the points expiring next (within 30 days)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.summary(session, member_id=member.id, now=clock())


@router.get("/me/points/entries", tags=["me"], responses=problem_responses(400, 401))
async def my_point_entries(
    *,
    member: CurrentMember,
    session: DbSession,
    response: Response,
    kind: Annotated[list[EntryKind] | None, Query(max_length=5)] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[PointsEntry]:
    """The shopper's ledger, newest first; ``kind`` (repeatable) filters."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.list_entries(
        session, member_id=member.id, kinds=kind, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/me/signin",
    tags=["me"],
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 409),
)
async def sign_in(member: CurrentMember, session: DbSession, clock: Clock) -> SignInResult:
    """Today's sign-in (Asia/Shanghai day) and its reward (409 ``loyalty.already_signed_in``,
    ``loyalty.disabled``)."""
    return await signin.sign_in(session, member_id=member.id, now=clock())


@router.get("/me/signin", tags=["me"], responses=problem_responses(400, 401))
async def signin_calendar(
    member: CurrentMember,
    session: DbSession,
    clock: Clock,
    response: Response,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
) -> SignInCalendar:
    """The month's signed days (default: this month), the streak, today's reward and the
    sign-ins until the next bonus."""
    response.headers["Cache-Control"] = NO_STORE
    return await signin.calendar(session, member_id=member.id, month=month, now=clock())
