"""Console routes of the clearance planner (清仓定价): candidates from the forecast and the plan
of a SKU under ``analytics:view`` (read-only), applying a step as a scheduled 限时折扣 under
``promotions:manage`` (audited), applied steps measured against their projection."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.modules.staff.public import (
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
)

from . import service, trials
from .schemas import (
    ClearanceApplied,
    ClearanceApply,
    ClearanceCandidates,
    ClearancePlan,
    ClearancePlanRequest,
    ClearanceSteps,
    ClearanceTrial,
    ClearanceTrialCreate,
    ClearanceTrials,
)

router = APIRouter(tags=["console-insights"])

AnalyticsViewer = Annotated[StaffIdentity, Depends(require_permission("analytics:view"))]
PromotionManager = Annotated[StaffIdentity, Depends(require_permission("promotions:manage"))]


@router.post("/insights/clearance/plan", responses=problem_responses(400))
async def plan(body: ClearancePlanRequest, _: AnalyticsViewer, session: DbSession) -> ClearancePlan:
    """The SKU's elasticity (own data shrunk towards its category's) and the markdown path that
    clears its available stock by the target date at the best margin, never under the floor."""
    return await service.make_plan(session, body)


@router.post("/insights/clearance/apply", status_code=201, responses=problem_responses(400))
async def apply(
    body: ClearanceApply, staff: PromotionManager, session: DbSession, request: Request
) -> ClearanceApplied:
    """One step as an active 限时折扣 for its window (a scheduled price change)."""
    applied = await service.apply_step(session, body, actor=staff.username)
    await record_audit(
        session,
        staff,
        "insights.clearance_apply",
        str(applied.promotion_id),
        {"sku_id": body.sku_id, "price": body.price},
        origin_of(request),
    )
    return applied


@router.get("/insights/clearance/candidates")
async def candidates(
    _: AnalyticsViewer,
    session: DbSession,
    weeks: Annotated[int, Query(ge=1, le=52)] = 12,
) -> ClearanceCandidates:
    """SKUs whose available stock outlasts ``weeks`` of forecast demand, the most money tied
    up at cost first: where a clearance plan is worth making (from the latest forecast run)."""
    return await service.candidates(session, weeks=weeks)


@router.get("/insights/clearance/steps")
async def steps(
    _: AnalyticsViewer,
    session: DbSession,
    sku_id: QueryId = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ClearanceSteps:
    """Applied markdown steps, newest first, each against its projection: units sold in its
    window so far versus what was expected by now, revenue and margin at the step's price."""
    return await service.list_steps(session, sku_id=sku_id, limit=limit)


@router.post("/insights/clearance/trials", status_code=201, responses=problem_responses(400, 409))
async def start_trial(
    body: ClearanceTrialCreate, staff: PromotionManager, session: DbSession, request: Request
) -> ClearanceTrial:
    """Run the clearance plan as an experiment (清仓实验): the SKUs in matched pairs by stock
    cover, one of each following its plan (scheduled 限时折扣), the other keeping its price."""
    started = await trials.start_trial(session, body, actor=staff.username)
    await record_audit(
        session,
        staff,
        "insights.clearance_trial_start",
        str(started.id),
        {"sku_ids": body.sku_ids, "target_date": body.target_date.isoformat()},
        origin_of(request),
    )
    return started


@router.get("/insights/clearance/trials")
async def list_trials(_: AnalyticsViewer, session: DbSession) -> ClearanceTrials:
    """Clearance trials, newest first."""
    return await trials.list_trials(session)


@router.get("/insights/clearance/trials/{trial_id}", responses=problem_responses(404))
async def get_trial(trial_id: PathId, _: AnalyticsViewer, session: DbSession) -> ClearanceTrial:
    """A trial's SKUs and the arms compared on sell-through and margin per unit of stock."""
    return await trials.trial_view(session, trial_id)


@router.post("/insights/clearance/trials/{trial_id}/stop", responses=problem_responses(404, 409))
async def stop_trial(
    trial_id: PathId, staff: PromotionManager, session: DbSession, request: Request
) -> ClearanceTrial:
    """Stop the trial: the plan arm's running markdowns end now, the SKUs are released."""
    stopped = await trials.stop_trial(session, trial_id)
    await record_audit(
        session, staff, "insights.clearance_trial_stop", str(trial_id), {}, origin_of(request)
    )
    return stopped
