"""Console route of sharing: 分享统计 (shares, visits and orders per sharer and per target).
Read-only; ``promotions:manage`` as the other marketing plays."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.modules.social.sharing import service
from shoplet.modules.social.sharing.schemas import ShareStats
from shoplet.modules.staff.public import StaffIdentity, require_permission

router = APIRouter(tags=["console-share"])

ShareViewer = Annotated[StaffIdentity, Depends(require_permission("promotions:manage"))]


@router.get("/share/stats", responses=problem_responses(400))
async def share_stats(
    _: ShareViewer,
    session: DbSession,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> ShareStats:
    """Links made in the last ``days`` days: totals, top sharers, top targets."""
    return await service.stats(session, days=days, limit=limit)
