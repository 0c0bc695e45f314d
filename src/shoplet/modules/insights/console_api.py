"""Console routes of insights: the benefit cost model of member tiers and the projection of an
unsaved tier table (``membership:manage``; read-only, so nothing is audited), and 智能问数
(``ask/console_api.py``). All read from a replica when one is configured (``core.replicas``):
reports over past days tolerate its lag."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shoplet.core.errors import problem_responses
from shoplet.core.replicas import ReplicaDbSession
from shoplet.modules.insights import service
from shoplet.modules.insights.alerts.console_api import router as alerts_router
from shoplet.modules.insights.ask.console_api import router as ask_router
from shoplet.modules.insights.clearance.console_api import router as clearance_router
from shoplet.modules.insights.dashboards.console_api import router as dashboards_router
from shoplet.modules.insights.forecast.console_api import router as forecast_router
from shoplet.modules.insights.schemas import BenefitCostReport, CostProjection, SimulateBody
from shoplet.modules.staff.public import StaffIdentity, require_permission

router = APIRouter(tags=["console-insights"])
router.include_router(alerts_router)
router.include_router(ask_router)
router.include_router(clearance_router)
router.include_router(dashboards_router)

MembershipManager = Annotated[StaffIdentity, Depends(require_permission("membership:manage"))]


@router.get("/insights/benefit-costs", responses=problem_responses(400))
async def benefit_costs(
    _: MembershipManager,
    session: ReplicaDbSession,
    days: Annotated[int | None, Query(ge=1, le=service.MAX_DAYS)] = None,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
) -> BenefitCostReport:
    """What each tier's and the paid plan's benefits cost over a period (``days`` back, 30 by
    default, or ``since``..``until``, Asia/Shanghai days) against their members' margin, with
    incremental margin, retention and ROI (400 ``insights.invalid_period``)."""
    return await service.benefit_costs(session, days=days, since=since, until=until)


@router.post("/insights/benefit-costs/simulate", responses=problem_responses(400))
async def simulate(
    body: SimulateBody, _: MembershipManager, session: ReplicaDbSession
) -> CostProjection:
    """Re-price the last ``days`` days of paid orders under an unsaved tier table and under
    the one in force: the cost change per tier (400 ``membership.invalid_tiers``). Writes
    nothing."""
    return await service.simulate(session, body)


router.include_router(forecast_router)
