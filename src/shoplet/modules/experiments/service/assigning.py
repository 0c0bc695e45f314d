"""Assignment over HTTP: the running ruleset, cached in each process and reloaded when the
version in ``experiments_ruleset`` moves; exposures logged once per (experiment, unit).

Assigning writes nothing. The only read on the hot path is the version (one primary-key
row); bandit experiments add one indexed read of the unit's exposures, so a unit that has
seen an arm keeps it when the bandit later moves the weights, and experiments that target
analytics segments ask a signed-in member's segments (cached per process for the TTL,
``sources.SegmentMembership``). A first exposure also stores the member's pre-period
purchases for CUPED.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.experiments import repository as repo
from shoplet.modules.experiments.assignment import (
    Assignment,
    Ruleset,
    RunningArm,
    RunningExperiment,
    Targeting,
    UnitContext,
    assign,
    assign_one,
)
from shoplet.modules.experiments.errors import NotEnrolled
from shoplet.modules.experiments.schemas import Assignments, ExposureOut, Variant
from shoplet.modules.experiments.sources import pre_period_source, segment_membership

CACHE_KEY = "experiments.ruleset"


async def load_ruleset(session: AsyncSession, version: int) -> Ruleset:
    rows = await repo.running_experiments(session)
    arms = await repo.arms_of(session, [e.id for e, _ in rows])
    experiments = tuple(
        RunningExperiment(
            id=e.id,
            slot=e.slot,
            layer_id=e.layer_id,
            layer_salt=layer_salt,
            salt=e.salt,
            bucket_start=e.bucket_start,
            bucket_end=e.bucket_end,
            traffic_percent=e.traffic_percent,
            holdout_percent=e.holdout_percent,
            arms=tuple(
                RunningArm(id=a.id, key=a.key, weight=a.weight)
                for a in arms
                if a.experiment_id == e.id
            ),
            targeting=Targeting.from_json(e.targeting),
            is_bandit=e.allocation == "bandit",
            started_at=e.started_at,
        )
        for e, layer_salt in rows
    )
    return Ruleset(version=version, experiments=experiments)


async def current_ruleset(ctx: AppContext, session: AsyncSession) -> Ruleset:
    """The cached ruleset, reloaded when the stored version differs from the cached one."""
    version = await repo.read_version(session)
    cached = ctx.extras.get(CACHE_KEY)
    if isinstance(cached, Ruleset) and cached.version == version:
        return cached
    ruleset = await load_ruleset(session, version)
    ctx.extras[CACHE_KEY] = ruleset
    return ruleset


async def _sticky(
    session: AsyncSession, ruleset: Ruleset, context: UnitContext, found: list[Assignment]
) -> list[Assignment]:
    """Bandit arms the unit was already exposed to win over the current weights."""
    bandits = {e.id: e for e in ruleset.experiments if e.is_bandit}
    ids = [a.experiment_id for a in found if a.experiment_id in bandits and not a.is_holdout]
    seen = await repo.exposed_arms(session, context.unit, ids)
    out = []
    for found_one in found:
        arm_id = seen.get(found_one.experiment_id)
        if arm_id is None or arm_id == found_one.arm_id:
            out.append(found_one)
            continue
        key = next(x.key for x in bandits[found_one.experiment_id].arms if x.id == arm_id)
        out.append(Assignment(found_one.experiment_id, found_one.slot, arm_id, key, False))
    return out


def _member_id(unit: str) -> int | None:
    return int(unit[2:]) if unit.startswith("m:") else None


async def variants_for(ctx: AppContext, session: AsyncSession, context: UnitContext) -> Assignments:
    ruleset = await current_ruleset(ctx, session)
    member_id = _member_id(context.unit)
    if member_id is not None and ruleset.segment_ids:
        segments = await segment_membership(ctx).of(session, member_id, ruleset.segment_ids)
        context = replace(context, segments=segments)
    found = await _sticky(session, ruleset, context, assign(ruleset, context))
    return Assignments(
        unit=context.unit,
        version=ruleset.version,
        variants={
            a.slot: Variant(
                experiment_id=a.experiment_id, variant=a.arm_key, is_holdout=a.is_holdout
            )
            for a in found
        },
    )


async def log_exposure(
    ctx: AppContext,
    session: AsyncSession,
    context: UnitContext,
    experiment_id: int,
    variant: str,
) -> ExposureOut:
    """Record that the unit saw ``variant``: once per (experiment, unit), the arm's visitors
    counted in the same statement sequence. The arm is checked against the assignment (a
    fixed split) or against the experiment's arms (a bandit, whose weights may have moved
    between the assignment and the render)."""
    ruleset = await current_ruleset(ctx, session)
    experiment = next((e for e in ruleset.experiments if e.id == experiment_id), None)
    assigned = (
        assign_one(experiment, context, check_targeting=False) if experiment is not None else None
    )
    if experiment is None or assigned is None:
        raise NotEnrolled(f"the unit is not in experiment {experiment_id}")
    if assigned.is_holdout:
        return ExposureOut(recorded=False)
    if experiment.is_bandit:
        arm = next((a for a in experiment.arms if a.key == variant), None)
    else:
        arm = next((a for a in experiment.arms if a.id == assigned.arm_id), None)
    if arm is None or arm.key != variant:
        raise NotEnrolled(f"the unit is not in arm {variant!r} of experiment {experiment_id}")
    recorded = await repo.insert_exposure(
        session,
        {
            "experiment_id": experiment_id,
            "arm_id": arm.id,
            "unit": context.unit,
            "exposed_at": utcnow(),
        },
    )
    if recorded:
        await repo.add_to_arm(session, arm.id, visitors=1)
        await _record_pre_period(ctx, session, experiment, context.unit)
    return ExposureOut(recorded=recorded)


async def _record_pre_period(
    ctx: AppContext, session: AsyncSession, experiment: RunningExperiment, unit: str
) -> None:
    """CUPED's covariate: what a member bought in the days before the experiment started
    (fixed by then), asked of orders once, on the unit's first exposure."""
    member_id, source = _member_id(unit), pre_period_source(ctx)
    if member_id is None or source is None or experiment.started_at is None:
        return
    start = experiment.started_at - timedelta(days=ctx.settings.experiments_cuped_days)
    orders, revenue = await source(session, member_id, start, experiment.started_at)
    if orders or revenue:
        await repo.set_exposure_pre_period(
            session, experiment.id, unit, orders=orders, revenue=revenue
        )
