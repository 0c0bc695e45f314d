"""Console routes of the dashboards (``dashboard:read``; money figures also need
``orders:read``). Read-only, from a replica when one is configured."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shoplet.core.errors import problem_responses
from shoplet.core.input_safety import MAX_ID
from shoplet.core.replicas import ReplicaDbSession
from shoplet.modules.staff.public import StaffIdentity, require_permission

from . import service
from .schemas import Level, SalesDashboard

router = APIRouter(tags=["console-insights"])

DashboardReader = Annotated[StaffIdentity, Depends(require_permission("dashboard:read"))]


@router.get("/insights/dashboards/{level}", responses=problem_responses(400))
async def dashboard(
    level: Level,
    staff: DashboardReader,
    session: ReplicaDbSession,
    *,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
    category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    product_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> SalesDashboard:
    """The level's tiles (this period against the one before) and the next level's rows."""
    return await service.dashboard(
        session,
        level,
        days=days,
        category_id=category_id,
        product_id=product_id,
        permissions=staff.permissions,
    )
