"""Console routes of recommend: the 推荐效果 figures (click-through per day, placement, model
and variant; ``products:read`` like the search pages). Training runs are visible in
``recommend_run`` and the worker's log (docs/recommend.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import QueryDay
from shoplet.modules.recommend import clicks
from shoplet.modules.recommend.schemas import RecommendAnalytics
from shoplet.modules.staff.public import StaffIdentity, require_permission

router = APIRouter(tags=["console-recommend"])

Reader = Annotated[StaffIdentity, Depends(require_permission("products:read"))]


@router.get("/recommendations/analytics", responses=problem_responses(400))
async def recommendation_analytics(
    _: Reader, session: DbSession, date_from: QueryDay = None, date_to: QueryDay = None
) -> RecommendAnalytics:
    """Shelves served and clicked per shop day and placement, and per model and variant the
    products shown and clicked (default: the last 30 days; at most 366)."""
    return await clicks.analytics(session, date_from, date_to)
