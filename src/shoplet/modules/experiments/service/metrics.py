"""Orders attributed to experiments, and the live results.

An order paid by a member counts in every running experiment the member was exposed to
before paying: the arm's orders and revenue grow, its conversions when it is the unit's first
order there, and Σ revenue² moves by (new unit revenue)² − (old)², so revenue per visitor can
be tested by Welch. A refund takes back what it refunds (all of it for ``order.refunded``); an
order refunded whole no longer counts, nor converts a unit with no other order. Each event is
applied once (the event runtime remembers handled event ids); an order counts once per
experiment (``experiments_order`` is unique per (experiment, order)).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.experiments import cuped, stats
from shoplet.modules.experiments import repository as repo
from shoplet.modules.experiments.errors import ExperimentNotFound
from shoplet.modules.experiments.schemas import (
    AllocationPoint,
    AnalyzeBody,
    ArmIn,
    ArmResult,
    Cuped,
    CupedArm,
    CupedComparison,
    CupedMetric,
    Results,
)

from .calculator import analyze


def member_unit(member_id: int) -> str:
    return f"m:{member_id}"


def device_unit(device_id: str) -> str:
    return f"d:{device_id}"


async def arm_names(session: AsyncSession, experiment_id: int) -> dict[str, str] | None:
    """{arm key: arm name} of the experiment, in the arms' order; None when there is no such
    experiment (the caller says so in its own words)."""
    if await repo.get_experiment(session, experiment_id) is None:
        return None
    return {a.key: a.name for a in await repo.arms_of(session, [experiment_id])}


async def exposed_arms(
    session: AsyncSession, experiment_id: int, units: Sequence[str]
) -> dict[str, str]:
    """{unit: arm key} of those of ``units`` (``m:<member>`` / ``d:<device>``) exposed in the
    experiment (logged once per unit; a holdout unit is never exposed)."""
    return await repo.arms_of_units(session, experiment_id, units)


def _time(value: object) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value)
    else:
        return utcnow()
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def record_order_paid(session: AsyncSession, payload: Mapping[str, Any]) -> int:
    """Attribute a paid order ({member_id, order_no, amount, paid_at}); the number of
    experiments it was counted in."""
    member_id, amount = payload.get("member_id"), int(payload.get("amount") or 0)
    if member_id is None or amount <= 0:
        return 0
    unit = member_unit(int(member_id))
    paid_at = _time(payload.get("paid_at"))
    counted = 0
    for experiment_id, arm_id in await repo.exposures_before(session, unit, paid_at):
        if not await repo.insert_attributed_order(
            session,
            {
                "experiment_id": experiment_id,
                "arm_id": arm_id,
                "unit": unit,
                "order_no": str(payload["order_no"]),
                "amount": amount,
                "is_counted": True,
                "paid_at": paid_at,
            },
        ):
            continue
        orders, revenue = await repo.add_to_unit(
            session, experiment_id, arm_id, unit, orders=1, revenue=amount
        )
        before = revenue - amount
        await repo.add_to_arm(
            session,
            arm_id,
            orders=1,
            revenue=amount,
            revenue_squares=float(revenue * revenue - before * before),
            conversions=1 if orders == 1 else 0,
        )
        counted += 1
    return counted


async def record_refund(session: AsyncSession, order_no: str, amount: int | None) -> None:
    """Take back ``amount`` fen of the order (None: whatever still counts) in every experiment."""
    for row in await repo.lock_attributed_orders(session, order_no):
        take = row.amount if amount is None else min(row.amount, max(amount, 0))
        if take <= 0:
            continue
        left = row.amount - take
        await repo.set_attributed_amount(session, row.id, left)
        gone = left == 0
        orders, revenue = await repo.add_to_unit(
            session,
            row.experiment_id,
            row.arm_id,
            row.unit,
            orders=-1 if gone else 0,
            revenue=-take,
        )
        before = revenue + take
        await repo.add_to_arm(
            session,
            row.arm_id,
            orders=-1 if gone else 0,
            revenue=-take,
            revenue_squares=float(revenue * revenue - before * before),
            conversions=-1 if gone and orders == 0 else 0,
        )


def _cuped(
    arms: list[Any], sums: dict[int, tuple[int, dict[str, int], dict[str, int]]]
) -> list[CupedMetric]:
    groups = [cuped.ArmSums(a.key, *sums.get(a.id, (0, {}, {}))) for a in arms]
    out = []
    for metric in ("revenue_per_visitor", "aov"):
        found = cuped.analyze(metric, groups)
        if found is None:
            continue
        out.append(
            CupedMetric(
                metric=found.metric,
                theta=found.theta,
                variance_reduction=found.variance_reduction,
                arms=[
                    CupedArm(
                        key=e.key,
                        visitors=e.n,
                        mean=e.mean,
                        se=e.se,
                        adjusted_mean=e.adjusted_mean,
                        adjusted_se=e.adjusted_se,
                    )
                    for e in found.arms
                ],
                comparisons=[
                    CupedComparison(
                        arm=c.arm,
                        baseline=c.baseline,
                        diff=c.diff,
                        ci_low=c.ci_low,
                        ci_high=c.ci_high,
                        p_value=c.p_value,
                        p_adjusted=c.p_adjusted,
                        raw_diff=c.raw_diff,
                        raw_ci_low=c.raw_ci_low,
                        raw_ci_high=c.raw_ci_high,
                        raw_p_value=c.raw_p_value,
                        variance_reduction=c.variance_reduction,
                    )
                    for c in found.comparisons
                ],
            )
        )
    return out


async def results(
    session: AsyncSession, experiment_id: int, *, pre_period_days: int = 28
) -> Results:
    """Per arm counts, rates with Wilson intervals, revenue per visitor and AOV; the
    comparisons of the calculator with the sequential (always-valid) p-value deciding, so
    the page can be watched every day; SRM against the configured weights blocks a verdict."""
    experiment = await repo.get_experiment(session, experiment_id)
    if experiment is None:
        raise ExperimentNotFound(f"no experiment {experiment_id}")
    arms = await repo.arms_of(session, [experiment_id])
    out = []
    for arm in arms:
        interval = stats.wilson_interval(arm.conversions, arm.visitors) if arm.visitors else None
        out.append(
            ArmResult(
                key=arm.key,
                name=arm.name,
                weight=arm.weight,
                visitors=arm.visitors,
                conversions=arm.conversions,
                orders=arm.orders,
                revenue=arm.revenue,
                rate=arm.conversions / arm.visitors if arm.visitors else 0.0,
                ci_low=interval.low if interval else 0.0,
                ci_high=interval.high if interval else 0.0,
                revenue_per_visitor=arm.revenue / arm.visitors if arm.visitors else 0.0,
                aov=arm.revenue / arm.orders if arm.orders else None,
            )
        )
    is_bandit = experiment.allocation == "bandit"
    analysis = None
    note = "every arm needs 2 visitors or more before the comparison"
    if all(a.visitors >= 2 for a in arms):
        with_revenue = all(a.revenue_squares > 0 for a in arms)
        total = sum(a.visitors for a in arms)
        # A bandit moves its weights on purpose: the split to check is the one it produced.
        split = (
            [a.visitors / total for a in arms] if is_bandit else [a.weight / 10_000 for a in arms]
        )
        # ~0.1 s of numpy (P(best)): off the event loop.
        analysis = await asyncio.to_thread(
            analyze,
            AnalyzeBody(
                arms=[
                    ArmIn(
                        name=a.key,
                        visitors=a.visitors,
                        conversions=a.conversions,
                        revenue_sum=float(a.revenue) if with_revenue else None,
                        revenue_sum_squares=a.revenue_squares if with_revenue else None,
                    )
                    for a in arms
                ],
                expected_split=split,
                decision="sequential",
            ),
        )
        note = analysis.verdict_reason
        if is_bandit:
            note += "; the split follows the bandit, so no sample-ratio check applies"
    metrics = _cuped(arms, await repo.cuped_sums(session, experiment_id))
    started = experiment.started_at
    history = await repo.allocations_of(session, experiment_id)
    keys = {str(a.id): a.key for a in arms}
    return Results(
        experiment_id=experiment_id,
        status=experiment.status,  # type: ignore[arg-type]
        primary_metric=experiment.primary_metric,
        arms=out,
        analysis=analysis,
        srm_blocked=analysis is not None and analysis.srm.detected,
        note=note,
        allocations=[
            AllocationPoint(
                computed_at=h.computed_at,
                weights={keys.get(k, k): int(v) for k, v in h.weights.items()},
            )
            for h in history
        ],
        cuped=Cuped(
            pre_period_days=pre_period_days,
            pre_period_start=started - timedelta(days=pre_period_days) if started else None,
            metrics=metrics,
            note=(
                "adjusted with each visitor's orders before the start"
                if metrics
                else "CUPED needs 2 visitors per arm with some pre-period purchases"
                " (and orders in every arm for AOV)"
            ),
        ),
    )
