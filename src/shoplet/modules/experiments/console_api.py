"""Console routes of experiments (``experiments:manage``): the calculator for tests run
anywhere, and Shoplet's own experiments — layers, experiments (create a draft, edit it, ramp,
start, pause, stop with a decision) and their live results. Every change is audited in its
transaction. The calculator and the results are plain ``def`` or call plain functions: the
statistics (~0.1 s of numpy for P(best)) run in FastAPI's thread pool or briefly inline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.experiments.flags.console_api import router as flags_router
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

from . import service
from .schemas import (
    Analysis,
    AnalyzeBody,
    ExperimentDetail,
    ExperimentStatus,
    ExperimentView,
    ExperimentWrite,
    Layer,
    LayerCreate,
    Results,
    SampleSize,
    SampleSizeBody,
    StatusNote,
    StopBody,
    TrafficChange,
)

router = APIRouter(tags=["console-experiments"])
router.include_router(flags_router)

ExperimentManager = Annotated[StaffIdentity, Depends(require_permission("experiments:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.post("/experiments/analyze", responses=problem_responses(400))
def analyze(body: AnalyzeBody, _: ExperimentManager) -> Analysis:
    """Analyse an A/B/n test from its totals: rates, lifts, p-values (fixed and always-valid),
    χ², sample-ratio mismatch, P(best) and a verdict (400 ``experiments.invalid_arms``,
    ``experiments.invalid_split``, ``experiments.invalid_revenue``). Writes nothing."""
    return service.analyze(body)


@router.post("/experiments/sample-size", responses=problem_responses(400))
def sample_size(body: SampleSizeBody, _: ExperimentManager) -> SampleSize:
    """Visitors per arm to detect a relative lift of a conversion rate (400
    ``experiments.invalid_parameters``)."""
    return service.sample_size(body)


@router.get("/experiments/layers")
async def list_layers(_: ExperimentManager, session: DbSession) -> list[Layer]:
    """Every layer with the bucket ranges still free."""
    return await service.list_layers(session)


@router.post(
    "/experiments/layers", status_code=status.HTTP_201_CREATED, responses=problem_responses(409)
)
async def create_layer(
    body: LayerCreate, staff: ExperimentManager, session: DbSession, request: Request
) -> Layer:
    """A new layer of 1000 buckets (409 ``experiments.layer_taken``)."""
    layer = await service.create_layer(session, body)
    await record_audit(
        session,
        staff,
        "experiments.layer_create",
        f"layer:{layer.id}",
        {"key": body.key},
        origin_of(request),
    )
    return layer


@router.get("/experiments", responses=problem_responses(400))
async def list_experiments(
    _: ExperimentManager,
    session: DbSession,
    status: ExperimentStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[ExperimentView]:
    """Experiments, newest first; ``status`` filters."""
    items, next_cursor = await service.list_experiments(
        session, status=status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/experiments",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 409),
)
async def create_experiment(
    body: ExperimentWrite, staff: ExperimentManager, session: DbSession, request: Request
) -> ExperimentView:
    """A draft experiment holding its bucket range (400 ``experiments.invalid_weights``,
    ``experiments.invalid_experiment``, ``experiments.layer_unknown``; 409
    ``experiments.buckets_taken`` when the range overlaps another in the layer)."""
    experiment = await service.create_experiment(session, body, staff_id=staff.id)
    await record_audit(
        session,
        staff,
        "experiments.create",
        f"experiment:{experiment.id}",
        {"name": body.name, "slot": body.slot},
        origin_of(request),
    )
    return experiment


@router.get("/experiments/{experiment_id}", responses=problem_responses(404))
async def get_experiment(
    experiment_id: PathId, _: ExperimentManager, session: DbSession
) -> ExperimentDetail:
    """One experiment with its arms and decision log."""
    return await service.get_experiment(session, experiment_id)


@router.put("/experiments/{experiment_id}", responses=problem_responses(400, 404, 409))
async def edit_experiment(
    experiment_id: PathId,
    body: ExperimentWrite,
    staff: ExperimentManager,
    session: DbSession,
    request: Request,
) -> ExperimentView:
    """Rewrite a draft (409 ``experiments.invalid_transition`` once it has started)."""
    experiment = await service.edit_experiment(session, experiment_id, body, staff_id=staff.id)
    await record_audit(
        session,
        staff,
        "experiments.edit",
        f"experiment:{experiment_id}",
        {"name": body.name},
        origin_of(request),
    )
    return experiment


@router.post("/experiments/{experiment_id}/traffic", responses=problem_responses(400, 404, 409))
async def set_traffic(
    experiment_id: PathId,
    body: TrafficChange,
    staff: ExperimentManager,
    session: DbSession,
    request: Request,
) -> ExperimentView:
    """Ramp: the share of the experiment's bucket range enrolled (1..100 %)."""
    experiment = await service.set_traffic(
        session, experiment_id, body.traffic_percent, staff_id=staff.id
    )
    await record_audit(
        session,
        staff,
        "experiments.ramp",
        f"experiment:{experiment_id}",
        {"traffic_percent": body.traffic_percent},
        origin_of(request),
    )
    return experiment


async def _move(
    action: str,
    experiment_id: int,
    staff: StaffIdentity,
    session: DbSession,
    request: Request,
    *,
    note: str = "",
    stop: StopBody | None = None,
) -> ExperimentView:
    experiment = await service.change_status(
        session, experiment_id, action, staff_id=staff.id, note=note, stop=stop
    )
    detail: dict[str, str] = {"status": experiment.status}
    if stop is not None:
        detail["winner"] = stop.winner_arm_key or ""
    await record_audit(
        session,
        staff,
        f"experiments.{action}",
        f"experiment:{experiment_id}",
        detail,
        origin_of(request),
    )
    return experiment


@router.post("/experiments/{experiment_id}/start", responses=problem_responses(404, 409))
async def start(
    experiment_id: PathId,
    body: StatusNote,
    staff: ExperimentManager,
    session: DbSession,
    request: Request,
) -> ExperimentView:
    """draft or paused → running (409 ``experiments.invalid_transition`` otherwise)."""
    return await _move("start", experiment_id, staff, session, request, note=body.note)


@router.post("/experiments/{experiment_id}/pause", responses=problem_responses(404, 409))
async def pause(
    experiment_id: PathId,
    body: StatusNote,
    staff: ExperimentManager,
    session: DbSession,
    request: Request,
) -> ExperimentView:
    """running → paused: no one is enrolled until it starts again."""
    return await _move("pause", experiment_id, staff, session, request, note=body.note)


@router.post("/experiments/{experiment_id}/stop", responses=problem_responses(400, 404, 409))
async def stop(
    experiment_id: PathId,
    body: StopBody,
    staff: ExperimentManager,
    session: DbSession,
    request: Request,
) -> ExperimentView:
    """running or paused → stopped, with the decision (the winning arm's key, or none, and a
    note); the bucket range is free again."""
    return await _move("stop", experiment_id, staff, session, request, stop=body)


@router.get("/experiments/{experiment_id}/results", responses=problem_responses(404))
async def results(
    experiment_id: PathId, _: ExperimentManager, ctx: Ctx, session: DbSession
) -> Results:
    """Live results: per arm visitors, conversions, rate and Wilson interval, revenue per
    visitor, AOV; comparisons against the control with the always-valid p deciding; the
    sample-ratio check (a mismatch blocks the verdict); P(best); the bandit's allocations;
    CUPED-adjusted revenue per visitor and AOV with the variance reduction."""
    return await service.results(
        session, experiment_id, pre_period_days=ctx.settings.experiments_cuped_days
    )
