"""Helpers the experiment services share: loading an experiment with its arms, views."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.experiments import repository as repo
from shoplet.modules.experiments.errors import ExperimentNotFound
from shoplet.modules.experiments.models import Arm, Experiment
from shoplet.modules.experiments.schemas import ArmView, ExperimentView, TargetingIn


async def load(session: AsyncSession, experiment_id: int) -> tuple[Experiment, list[Arm]]:
    experiment = await repo.get_experiment(session, experiment_id)
    if experiment is None:
        raise ExperimentNotFound(f"no experiment {experiment_id}")
    return experiment, await repo.arms_of(session, [experiment_id])


def view(experiment: Experiment, arms: list[Arm]) -> ExperimentView:
    return ExperimentView(
        id=experiment.id,
        name=experiment.name,
        layer_id=experiment.layer_id,
        slot=experiment.slot,
        hypothesis=experiment.hypothesis,
        primary_metric=experiment.primary_metric,
        guardrail_metrics=list(experiment.guardrail_metrics),
        bucket_start=experiment.bucket_start,
        bucket_end=experiment.bucket_end,
        traffic_percent=experiment.traffic_percent,
        holdout_percent=experiment.holdout_percent,
        targeting=TargetingIn.model_validate(experiment.targeting),
        allocation=experiment.allocation,
        policy=experiment.policy,
        status=experiment.status,  # type: ignore[arg-type]
        winner_arm_id=experiment.winner_arm_id,
        decision_note=experiment.decision_note,
        started_at=experiment.started_at,
        stopped_at=experiment.stopped_at,
        created_at=experiment.created_at,
        updated_at=experiment.updated_at,
        arms=[ArmView(id=a.id, key=a.key, name=a.name, weight=a.weight) for a in arms],
    )
