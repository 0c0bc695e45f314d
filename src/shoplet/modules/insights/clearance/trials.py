"""Clearance trials (清仓实验): a clearance plan run as an experiment.

The merchant picks 4–40 overstocked SKUs. Each gets its plan (``service.plan_with_demand``, the
same checks and refusals as one plan); the SKUs are paired by weeks of stock cover and one of
each pair draws the plan arm (``trial.assign``, seeded): its steps are scheduled as 限时折扣
(``service.apply_step``, tracked like any applied step, with the trial's id). The other keeps
its price. A SKU is in at most one running trial (claimed by the partial unique index; a claim
that loses is a 409 and the whole trial is undone, promotions included). From the start, each
SKU's paid units and margin are read from orders; the arms are compared on sell-through and on
margin per unit of starting stock by randomisation inference over the pairs. The trial stops by
hand or on its target date (``insights.clearance_trials`` job): the plan arm's promotions still
running are stopped and the SKUs released; what was measured stays.
"""

from __future__ import annotations

import contextlib
import math
import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.insights.forecast.service import day_start, shop_day
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions

from . import repository, service, trial
from .errors import ClearanceInvalid, TrialNotFound, TrialSkuBusy, TrialStopped
from .models import ClearanceTrialSku
from .schemas import (
    ClearanceApply,
    ClearancePlan,
    ClearancePlanRequest,
    ClearanceTrial,
    ClearanceTrialComparison,
    ClearanceTrialCreate,
    ClearanceTrials,
    ClearanceTrialSummary,
)
from .schemas import ClearanceTrialSku as ClearanceTrialSkuView

LIST_LIMIT = 50


async def _plans(
    session: AsyncSession, body: ClearanceTrialCreate, now: datetime
) -> list[tuple[ClearancePlan, service.Demand]]:
    out = []
    for sku_id in body.sku_ids:
        request = ClearancePlanRequest(
            sku_id=sku_id,
            target_date=body.target_date,
            steps=body.steps,
            min_margin_percent=body.min_margin_percent,
            max_discount_percent=body.max_discount_percent,
        )
        try:
            out.append(await service.plan_with_demand(session, request, now=now))
        except ClearanceInvalid as err:
            raise type(err)(f"SKU {sku_id}: {err.detail}") from None
    return out


async def start_trial(
    session: AsyncSession, body: ClearanceTrialCreate, *, actor: str, now: datetime | None = None
) -> ClearanceTrial:
    """Plan every SKU, split them, claim them and schedule the plan arm's markdowns."""
    now = now or utcnow()
    if len(set(body.sku_ids)) != len(body.sku_ids):
        raise ClearanceInvalid("A SKU is listed twice")
    plans = await _plans(session, body, now)
    seed = secrets.randbits(48)
    arms = trial.assign(
        [
            trial.Unit(p.sku_id, p.stock / p.base_units if p.base_units > 0 else math.inf)
            for p, _ in plans
        ],
        seed,
    )
    trial_id = await repository.add_trial(
        session,
        {
            "name": body.name,
            "status": "running",
            "target_date": body.target_date,
            "min_margin_percent": body.min_margin_percent,
            "seed": seed,
            "started_at": now,
            "created_by": actor,
        },
    )
    busy = []
    for plan, _demand in plans:
        arm, pair = arms[plan.sku_id]
        at_price = min(float(plan.stock), plan.base_units * plan.weeks)
        claimed = await repository.claim_trial_sku(
            session,
            {
                "trial_id": trial_id,
                "sku_id": plan.sku_id,
                "product_id": plan.product_id,
                "arm": arm,
                "pair": pair,
                "stock": plan.stock,
                "list_price": plan.price,
                "cost": plan.cost,
                "base_units": plan.base_units,
                "projected_units": plan.units if arm == "plan" else round(at_price, 2),
            },
        )
        if not claimed:
            busy.append(plan.sku_id)
    if busy:
        raise TrialSkuBusy(f"SKU {', '.join(map(str, busy))} is in a running clearance trial")
    for plan, demand in plans:
        if arms[plan.sku_id][0] == "plan":
            await _schedule(
                session, plan, demand, trial_id=trial_id, body=body, actor=actor, now=now
            )
    return await trial_view(session, trial_id, now=now)


async def _schedule(
    session: AsyncSession,
    plan: ClearancePlan,
    demand: service.Demand,
    *,
    trial_id: int,
    body: ClearanceTrialCreate,
    actor: str,
    now: datetime,
) -> None:
    """The plan's markdown steps as 限时折扣, back to back from now (a step at the list price
    is no promotion: the SKU simply keeps its price for that span)."""
    for step in plan.steps:
        if step.discount_percent <= 0:
            continue
        await service.apply_step(
            session,
            ClearanceApply(
                sku_id=plan.sku_id,
                price=step.price,
                starts_at=max(now, day_start(step.starts_on)),
                ends_at=day_start(step.ends_on + timedelta(days=1)),
                min_margin_percent=body.min_margin_percent,
            ),
            actor=actor,
            now=now,
            demand=demand,
            trial_id=trial_id,
        )


def _comparison(
    rows: Sequence[ClearanceTrialSkuView], metric: str, seed: int
) -> ClearanceTrialComparison:
    plan = [(r.pair, float(getattr(r, metric))) for r in rows if r.arm == "plan"]
    control = [(r.pair, float(getattr(r, metric))) for r in rows if r.arm == "control"]
    found = trial.compare(plan, control, seed=seed)
    return ClearanceTrialComparison(
        plan_mean=None if found.plan_mean is None else round(found.plan_mean, 4),
        control_mean=None if found.control_mean is None else round(found.control_mean, 4),
        difference=None if found.difference is None else round(found.difference, 4),
        low=None if found.low is None else round(found.low, 4),
        high=None if found.high is None else round(found.high, 4),
        p_value=found.p_value,
        pairs=found.pairs,
    )


async def _measured(
    session: AsyncSession, skus: Sequence[ClearanceTrialSku], since: datetime, until: datetime
) -> dict[int, tuple[int, int]]:
    """``{sku_id: (units sold, paid fen)}`` from the start to ``until``."""
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for line in await orders.paid_lines(
        session, since=since, until=until, sku_ids=[s.sku_id for s in skus]
    ):
        out[line.sku_id][0] += line.quantity
        out[line.sku_id][1] += line.payable
    return {sku_id: (units, paid) for sku_id, (units, paid) in out.items()}


async def trial_view(
    session: AsyncSession, trial_id: int, *, now: datetime | None = None
) -> ClearanceTrial:
    now = now or utcnow()
    row = await repository.get_trial(session, trial_id)
    if row is None:
        raise TrialNotFound(f"Clearance trial {trial_id} does not exist")
    skus = await repository.trial_skus(session, trial_id)
    until = row.stopped_at or now
    measured = await _measured(session, skus, row.started_at, until)
    snapshots = await catalog.get_sku_snapshots(session, [s.sku_id for s in skus])
    rows = []
    for s in skus:
        sold, paid = measured.get(s.sku_id, (0, 0))
        snapshot = snapshots.get(s.sku_id)
        rows.append(
            ClearanceTrialSkuView(
                sku_id=s.sku_id,
                product_id=s.product_id,
                name=snapshot.product_title if snapshot else "",
                spec_text=snapshot.spec_text if snapshot else "",
                arm="plan" if s.arm == "plan" else "control",
                pair=s.pair,
                stock=s.stock,
                list_price=s.list_price,
                cost=s.cost,
                base_units=round(s.base_units, 3),
                projected_units=round(s.projected_units, 2),
                sold=sold,
                sell_through=round(sold / s.stock, 4) if s.stock else 0.0,
                margin=paid - s.cost * sold,
            )
        )
    per_unit = [
        r.model_copy(update={"margin": round(r.margin / r.stock) if r.stock else 0}) for r in rows
    ]
    return ClearanceTrial(
        id=row.id,
        name=row.name,
        status="running" if row.status == "running" else "stopped",
        target_date=row.target_date,
        started_at=row.started_at,
        stopped_at=row.stopped_at,
        created_by=row.created_by,
        days=round(max((until - row.started_at) / timedelta(days=1), 0.0), 2),
        skus=rows,
        sell_through=_comparison(rows, "sell_through", row.seed),
        margin_per_unit=_comparison(per_unit, "margin", row.seed),
    )


async def list_trials(session: AsyncSession) -> ClearanceTrials:
    return ClearanceTrials(
        items=[
            ClearanceTrialSummary(
                id=t.id,
                name=t.name,
                status="running" if t.status == "running" else "stopped",
                target_date=t.target_date,
                started_at=t.started_at,
                stopped_at=t.stopped_at,
                plan_skus=plan,
                control_skus=control,
            )
            for t, plan, control in await repository.list_trials(session, LIST_LIMIT)
        ]
    )


async def stop_trial(
    session: AsyncSession, trial_id: int, *, now: datetime | None = None
) -> ClearanceTrial:
    """Stop once: the plan arm's promotions still running end now, the SKUs are released."""
    now = now or utcnow()
    if await repository.get_trial(session, trial_id) is None:
        raise TrialNotFound(f"Clearance trial {trial_id} does not exist")
    if not await repository.stop_trial(session, trial_id, now):
        raise TrialStopped(f"Clearance trial {trial_id} has already stopped")
    for step in await repository.trial_steps(session, trial_id):
        if step.ends_at > now:
            # One stopped by hand among the promotions already is left as it is.
            with contextlib.suppress(promotions.PromotionNotEditable):
                await promotions.set_promotion_status(session, step.promotion_id, "stopped")
    return await trial_view(session, trial_id, now=now)


async def stop_due_trials(ctx: AppContext) -> int:
    """Stop the running trials whose target date has come (each in its own transaction; a
    trial stopped meanwhile by hand is skipped)."""
    async with read_session(ctx.sessionmaker) as session:
        due = await repository.due_trials(session, shop_day(utcnow()))
    stopped = 0
    for trial_id in due:
        try:
            async with unit_of_work(ctx.sessionmaker) as session:
                await stop_trial(session, trial_id)
            stopped += 1
        except TrialStopped:
            continue
    return stopped
