"""Routes of search click-through: the storefront's click report (``router``, included by
``api.py``) and the console's 搜索分析 figures (``console_router``, included by
``console_api.py``; ``products:read`` like the 搜索词库)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shoplet.core.context import AppContext
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.net import client_ip
from shoplet.core.params import QueryDay
from shoplet.modules.members.public import OptionalMember
from shoplet.modules.search import clicks
from shoplet.modules.search.schemas import SearchAnalytics, SearchClick
from shoplet.modules.staff.public import StaffIdentity, require_permission

router = APIRouter(tags=["search"])
console_router = APIRouter(tags=["console-search"])

Reader = Annotated[StaffIdentity, Depends(require_permission("products:read"))]


@router.post(
    "/search/clicks",
    status_code=204,
    response_class=Response,
    responses=problem_responses(400, 429),
)
async def report_click(
    body: SearchClick, request: Request, session: DbSession, member: OptionalMember
) -> Response:
    """A shopper opened a search result: ``search_id`` of the response, the product and its
    0-based position on that page. Anonymous allowed (limited per IP). The same click again is
    ``204`` and counted once."""
    ctx: AppContext = request.app.state.ctx
    await clicks.record_click(
        session,
        ctx,
        body,
        member_id=member.id if member is not None else None,
        client=client_ip(request),
    )
    return Response(status_code=204)


@console_router.get("/search/analytics", responses=problem_responses(400))
async def search_analytics(
    _: Reader,
    session: DbSession,
    date_from: QueryDay = None,
    date_to: QueryDay = None,
) -> SearchAnalytics:
    """Searches, click-through and zero-result rate per shop day, the top queries and the
    zero-result queries (default: the last 30 days; at most 366)."""
    return await clicks.analytics(session, date_from, date_to)
