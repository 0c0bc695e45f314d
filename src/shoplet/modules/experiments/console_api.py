"""Console routes of experiments: the calculator for tests run anywhere (``experiments:manage``;
read-only, so nothing is audited). The routes are plain ``def``: FastAPI runs them in its
thread pool, so the statistics (~0.1 s of numpy for P(best)) never block the event loop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shoplet.core.errors import problem_responses
from shoplet.modules.experiments.flags.console_api import router as flags_router
from shoplet.modules.staff.public import StaffIdentity, require_permission

from . import service
from .schemas import Analysis, AnalyzeBody, SampleSize, SampleSizeBody

router = APIRouter(tags=["console-experiments"])
router.include_router(flags_router)

ExperimentManager = Annotated[StaffIdentity, Depends(require_permission("experiments:manage"))]


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
