"""The clearance planner against the shop's data: a SKU's weekly sales (orders) at the list
price then in effect (catalog's price history), its category's elasticity from the other SKUs
of the category, its available stock (inventory) and cost (catalog) → the markdown plan of
``core.plan``; a step applied becomes a 限时折扣 promotion for its window (promotions)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.insights.forecast import replenishment
from shoplet.modules.insights.forecast import repository as forecast_repository
from shoplet.modules.insights.forecast.series import calendar_regressors
from shoplet.modules.insights.forecast.service import day_start, shop_day
from shoplet.modules.inventory import public as inventory
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions

from . import core, repository
from .errors import BelowFloor, ClearanceInvalid, NoCost, NoStock, SkuUnknown
from .models import ClearanceStepRun
from .schemas import (
    ClearanceApplied,
    ClearanceApply,
    ClearanceCandidate,
    ClearanceCandidates,
    ClearanceElasticity,
    ClearancePlan,
    ClearancePlanRequest,
    ClearanceStep,
    ClearanceStepResult,
    ClearanceSteps,
    ClearanceWeek,
    StepState,
)

HISTORY_WEEKS = 52
MAX_WEEKS = 26
# Weeks at the end of the history whose sales, brought to the current price, give the base rate.
BASE_WEEKS = 4
CANDIDATE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class _Week:
    """A week of a SKU: the list price in effect, the units sold and how deep promotions cut
    what shoppers paid under that price (0 without sales or promotions, 0.3 for 30 % off)."""

    start: date
    price: int
    units: int
    promotion_depth: float = 0.0


def floor_price(cost: int, min_margin_percent: float) -> int:
    """The lowest price allowed: cost + the minimum margin, rounded up to the fen (rounded to
    a millionth first, so 3000 × 1.1 is 3300, not 3301)."""
    return math.ceil(round(cost * (1 + min_margin_percent / 100), 6))


def price_at(moment: datetime, current: int, changes: Sequence[tuple[datetime, int, int]]) -> int:
    """The list price in effect at ``moment``: the price before the first change after it, or
    the current price when nothing changed since."""
    for changed_at, before, _after in changes:
        if changed_at > moment:
            return before
    return current


def weeks_of(
    lines: Sequence[tuple[datetime, int, int]],
    current: int,
    changes: Sequence[tuple[datetime, int, int]],
    first_day: date,
) -> list[_Week]:
    """Weekly (price, units, promotion depth) from the SKU's first sale in the window to the
    last full day, from its paid lines ``(paid_at, quantity, payable)``."""
    per_week: dict[int, int] = defaultdict(int)
    listed: dict[int, int] = defaultdict(int)
    paid: dict[int, int] = defaultdict(int)
    for paid_at, quantity, payable in lines:
        index = (shop_day(paid_at) - first_day).days // 7
        if 0 <= index < HISTORY_WEEKS:
            per_week[index] += quantity
            listed[index] += price_at(paid_at, current, changes) * quantity
            paid[index] += payable
    if not per_week:
        return []
    out = []
    for index in range(min(per_week), HISTORY_WEEKS):
        start = first_day + timedelta(days=7 * index)
        middle = day_start(start) + timedelta(days=3, hours=12)
        depth = 1 - paid[index] / listed[index] if listed[index] > 0 else 0.0
        out.append(
            _Week(
                start,
                price_at(middle, current, changes),
                per_week.get(index, 0),
                round(min(max(depth, 0.0), 1.0), 4),
            )
        )
    return out


def controls_of(history: Sequence[_Week]) -> dict[str, list[float]]:
    """The regression's controls, most telling first (``core.fit_loglog`` drops those the data
    cannot carry from the end): promotion depth, the share of 618/双11 days and of public
    holidays in the week, and the trend (weeks since the first)."""
    calendar = calendar_regressors([w.start for w in history], "weekly")
    return {
        "promotion": [w.promotion_depth for w in history],
        "festival": [festival for _holiday, festival in calendar],
        "holiday": [holiday for holiday, _festival in calendar],
        "trend": [float(i) for i in range(len(history))],
    }


def category_prior(fits: Sequence[tuple[float, float]]) -> float:
    """Precision-weighted mean of the category's other SKUs' slopes (the default without any)."""
    if not fits:
        return core.DEFAULT_CATEGORY_ELASTICITY
    weights = [1 / max(se, 0.05) ** 2 for _, se in fits]
    value = sum(w * b for w, (b, _) in zip(weights, fits, strict=True)) / sum(weights)
    return min(max(value, core.MIN_ELASTICITY), core.MAX_ELASTICITY)


@dataclass(frozen=True, slots=True)
class Demand:
    elasticity: core.Elasticity
    base_units: float  # a week, at the current list price
    history: list[_Week]


async def _demand(session: AsyncSession, snapshot: catalog.SkuSnapshot, today: date) -> Demand:
    """The SKU's weekly history, its elasticity (own slope, with controls, shrunk towards its
    category's) and its base weekly rate: the last weeks' sales brought to today's price and to
    no promotion."""
    first_day = today - timedelta(days=7 * HISTORY_WEEKS)
    since, until = day_start(first_day), day_start(today)
    sold = await orders.paid_units(session, since=since, until=until)
    snapshots = await catalog.get_sku_snapshots(
        session, sorted({sku_id for sku_id, *_ in sold} - {snapshot.sku_id})
    )
    siblings = [
        s.sku_id
        for s in snapshots.values()
        if snapshot.category_id is not None and s.category_id == snapshot.category_id
    ]
    by_sku: dict[int, list[tuple[datetime, int, int]]] = defaultdict(list)
    for line in await orders.paid_lines(
        session, since=since, until=until, sku_ids=[snapshot.sku_id, *siblings]
    ):
        by_sku[line.sku_id].append((line.paid_at, line.quantity, line.payable))
    changes = await catalog.sku_price_changes(session, [snapshot.sku_id, *siblings])
    fits = []
    for sku_id in siblings:
        rows = weeks_of(by_sku[sku_id], snapshots[sku_id].price, changes[sku_id], first_day)
        fitted = core.fit_loglog(
            [w.price for w in rows], [w.units for w in rows], controls_of(rows)
        )
        if fitted is not None:
            fits.append((fitted.slope, fitted.se))
    history = weeks_of(by_sku[snapshot.sku_id], snapshot.price, changes[snapshot.sku_id], first_day)
    elasticity = core.estimate(
        [w.price for w in history],
        [w.units for w in history],
        prior=category_prior(fits),
        controls=controls_of(history),
    )
    promotion = elasticity.controls.get("promotion", 0.0)
    recent = history[-BASE_WEEKS:]
    base = (
        sum(
            w.units
            * (snapshot.price / w.price) ** elasticity.value
            * math.exp(-promotion * w.promotion_depth)
            for w in recent
        )
        / len(recent)
        if recent
        else 0.0
    )
    return Demand(elasticity, base, history)


async def make_plan(
    session: AsyncSession, body: ClearancePlanRequest, *, now: datetime | None = None
) -> ClearancePlan:
    plan, _demand_model = await plan_with_demand(session, body, now=now)
    return plan


async def plan_with_demand(
    session: AsyncSession, body: ClearancePlanRequest, *, now: datetime | None = None
) -> tuple[ClearancePlan, Demand]:
    """The plan and the demand model it was made with (a trial schedules its steps with it)."""
    now = now or utcnow()
    today = shop_day(now)
    days = (body.target_date - today).days
    if days < 7 or days > 7 * MAX_WEEKS:
        raise ClearanceInvalid(f"target_date must be 1 to {MAX_WEEKS} weeks from today ({today})")
    weeks = days // 7
    snapshot = (await catalog.get_sku_snapshots(session, [body.sku_id])).get(body.sku_id)
    if snapshot is None:
        raise SkuUnknown(f"SKU {body.sku_id} does not exist")
    if snapshot.cost_price is None:
        raise NoCost("Enter the SKU's cost price first: the floor is cost + minimum margin")
    level = (await inventory.get_levels(session, [body.sku_id])).get(body.sku_id)
    stock = level.available if level else 0
    if stock <= 0:
        raise NoStock("The SKU has no available stock")
    floor = floor_price(snapshot.cost_price, body.min_margin_percent)
    if floor > snapshot.price:
        raise BelowFloor(
            f"The floor ({floor} fen: cost + {body.min_margin_percent:g}%) is above the price"
        )

    demand = await _demand(session, snapshot, today)
    elasticity, base, history = demand.elasticity, demand.base_units, demand.history
    result = core.plan(
        core.Problem(
            stock=stock,
            weeks=weeks,
            price=snapshot.price,
            base_units=base,
            cost=snapshot.cost_price,
            floor=floor,
            elasticity=elasticity.value,
            steps=body.steps,
            max_discount_percent=body.max_discount_percent,
        )
    )
    plan = ClearancePlan(
        sku_id=body.sku_id,
        product_id=snapshot.product_id,
        name=snapshot.product_title,
        spec_text=snapshot.spec_text,
        stock=stock,
        price=snapshot.price,
        cost=snapshot.cost_price,
        floor=floor,
        weeks=weeks,
        base_units=round(base, 3),
        elasticity=ClearanceElasticity(
            value=round(elasticity.value, 4),
            low=round(elasticity.low, 4),
            high=round(elasticity.high, 4),
            own=None if elasticity.own is None else round(elasticity.own, 4),
            own_se=None if elasticity.own_se is None else round(elasticity.own_se, 4),
            prior=round(elasticity.prior, 4),
            weight=round(elasticity.weight, 4),
            observations=elasticity.observations,
            distinct_prices=elasticity.distinct_prices,
            controls={k: round(v, 4) for k, v in elasticity.controls.items()},
        ),
        history=[
            ClearanceWeek(
                week_start=w.start,
                price=w.price,
                units=w.units,
                promotion_depth=w.promotion_depth,
            )
            for w in history
        ],
        steps=[
            ClearanceStep(
                starts_on=today + timedelta(days=7 * s.start_week),
                ends_on=today + timedelta(days=7 * (s.start_week + s.weeks) - 1),
                weeks=s.weeks,
                price=s.price,
                discount_percent=s.discount_percent,
                units=round(s.units, 2),
                revenue=round(s.revenue),
                margin=round(s.margin),
            )
            for s in result.steps
        ],
        units=round(result.units, 2),
        revenue=round(result.revenue),
        margin=round(result.margin),
        leftover=round(result.leftover, 2),
        clears=result.clears,
    )
    return plan, demand


async def apply_step(
    session: AsyncSession,
    body: ClearanceApply,
    *,
    actor: str,
    now: datetime | None = None,
    demand: Demand | None = None,
    trial_id: int | None = None,
) -> ClearanceApplied:
    """A markdown step as an active 限时折扣 of this SKU for its window. The floor is checked
    here; promotions checks the window and the SKU (its own 400s). A trial passes the demand
    model it planned with (read once for all its steps) and its id."""
    now = now or utcnow()
    snapshot = (await catalog.get_sku_snapshots(session, [body.sku_id])).get(body.sku_id)
    if snapshot is None:
        raise SkuUnknown(f"SKU {body.sku_id} does not exist")
    if snapshot.cost_price is None:
        raise NoCost("Enter the SKU's cost price first: the floor is cost + minimum margin")
    floor = floor_price(snapshot.cost_price, body.min_margin_percent)
    if body.price < floor:
        raise BelowFloor(f"{body.price} fen is under the floor of {floor} fen")
    if body.price >= snapshot.price:
        raise ClearanceInvalid("A markdown price must be under the current price")
    if body.ends_at <= body.starts_at or body.ends_at <= now:
        raise ClearanceInvalid("The step must end after it starts, in the future")
    name = f"清仓 {snapshot.product_title}"[:40] + f" ¥{body.price / 100:.2f}"
    created = await promotions.create_promotion(
        session,
        promotions.PromotionCreate(
            name=name,
            kind="sku_discount",
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            sku_prices=[promotions.SkuPrice(sku_id=body.sku_id, price=body.price)],
        ),
        actor=actor,
    )
    active = await promotions.set_promotion_status(session, created.id, "active")
    # What the step is expected to sell, under the demand model of today: measured later.
    if demand is None:
        demand = await _demand(session, snapshot, shop_day(now))
    level = (await inventory.get_levels(session, [body.sku_id])).get(body.sku_id)
    stock = max(level.available if level else 0, 0)
    projected = projected_units(
        base_units=demand.base_units,
        elasticity=demand.elasticity.value,
        list_price=snapshot.price,
        price=body.price,
        weeks=(body.ends_at - body.starts_at) / timedelta(days=7),
        stock=stock,
    )
    step_id = await repository.add_step(
        session,
        {
            "sku_id": body.sku_id,
            "product_id": snapshot.product_id,
            "promotion_id": active.id,
            "list_price": snapshot.price,
            "price": body.price,
            "cost": snapshot.cost_price,
            "starts_at": body.starts_at,
            "ends_at": body.ends_at,
            "stock": stock,
            "base_units": demand.base_units,
            "elasticity": demand.elasticity.value,
            "projected_units": projected,
            "created_by": actor,
            "created_at": now,
            "trial_id": trial_id,
        },
    )
    return ClearanceApplied(
        promotion_id=active.id,
        name=active.name,
        status=active.status,
        starts_at=active.starts_at,
        ends_at=active.ends_at,
        step_id=step_id,
        projected_units=round(projected, 2),
    )


def projected_units(
    *,
    base_units: float,
    elasticity: float,
    list_price: int,
    price: int,
    weeks: float,
    stock: int,
) -> float:
    """Units a markdown to ``price`` sells in ``weeks`` under constant elasticity, capped by
    the stock on hand: ``min(stock, base · (price / list)^β · weeks)``."""
    rate: float = base_units * (price / list_price) ** elasticity
    return min(float(stock), rate * weeks)


def step_result(
    row: ClearanceStepRun,
    sold: Sequence[tuple[datetime, int]],
    now: datetime,
    *,
    name: str = "",
    spec_text: str = "",
) -> ClearanceStepResult:
    """An applied step against its projection: units sold in its window so far, what was
    expected by now (the projection spread evenly over the window), revenue and margin at the
    step's price."""
    span = (row.ends_at - row.starts_at).total_seconds()
    elapsed = min(max((now - row.starts_at).total_seconds(), 0.0), span)
    fraction = elapsed / span
    units = sum(q for at, q in sold if row.starts_at <= at < row.ends_at)
    expected = row.projected_units * fraction
    state: StepState = "scheduled" if fraction == 0 else "running" if fraction < 1 else "ended"
    return ClearanceStepResult(
        id=row.id,
        sku_id=row.sku_id,
        product_id=row.product_id,
        name=name,
        spec_text=spec_text,
        promotion_id=row.promotion_id,
        list_price=row.list_price,
        price=row.price,
        cost=row.cost,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        state=state,
        elapsed=round(fraction, 4),
        projected_units=round(row.projected_units, 2),
        projected_revenue=round(row.projected_units * row.price),
        projected_margin=round(row.projected_units * (row.price - row.cost)),
        expected_to_date=round(expected, 2),
        units=units,
        revenue=units * row.price,
        margin=units * (row.price - row.cost),
        ratio=round(units / expected, 3) if expected >= 0.5 else None,
        created_by=row.created_by,
        created_at=row.created_at,
    )


async def list_steps(
    session: AsyncSession, *, sku_id: int | None, limit: int, now: datetime | None = None
) -> ClearanceSteps:
    """The latest applied steps, each measured against its projection."""
    now = now or utcnow()
    rows = await repository.latest_steps(session, sku_id=sku_id, limit=limit)
    if not rows:
        return ClearanceSteps(items=[])
    sold: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    lines = await orders.paid_units(
        session,
        since=min(r.starts_at for r in rows),
        until=min(max(r.ends_at for r in rows), now),
        sku_ids=sorted({r.sku_id for r in rows}),
    )
    for line_sku, _product_id, paid_at, quantity in lines:
        sold[line_sku].append((paid_at, quantity))
    snapshots = await catalog.get_sku_snapshots(session, sorted({r.sku_id for r in rows}))
    items = []
    for row in rows:
        snap = snapshots.get(row.sku_id)
        items.append(
            step_result(
                row,
                sold[row.sku_id],
                now,
                name=snap.product_title if snap else "",
                spec_text=snap.spec_text if snap else "",
            )
        )
    return ClearanceSteps(items=items)


async def candidates(
    session: AsyncSession, *, weeks: int, limit: int = CANDIDATE_LIMIT
) -> ClearanceCandidates:
    """SKUs whose available stock outlasts ``weeks`` of their forecast demand: the excess
    (stock − demand over those weeks, the forecast's last four weeks' rate carried on) and
    what it ties up at cost, the largest first. SKUs without a forecast are not listed."""
    series = await forecast_repository.all_series(session, "sku")
    sku_ids = [r.ref_id for r in series]
    levels = await inventory.get_levels(session, sku_ids)
    snapshots = await catalog.get_sku_snapshots(session, sku_ids)
    items = []
    for r in series:
        level, snap = levels.get(r.ref_id), snapshots.get(r.ref_id)
        if level is None or snap is None or level.available <= 0:
            continue
        weekly = replenishment.demand_over(r.forecast, 28) / 4
        excess = level.available - weekly * weeks
        if excess < 1:
            continue
        items.append(
            ClearanceCandidate(
                sku_id=r.ref_id,
                product_id=snap.product_id,
                name=snap.product_title,
                spec_text=snap.spec_text,
                available=level.available,
                weekly_demand=round(weekly, 2),
                weeks_of_cover=round(level.available / weekly, 1) if weekly > 0 else None,
                excess_units=math.floor(excess),
                price=snap.price,
                cost=snap.cost_price,
                excess_cost=(
                    None if snap.cost_price is None else math.floor(excess) * snap.cost_price
                ),
                model=r.model,
            )
        )
    items.sort(key=lambda c: (c.excess_cost is None, -(c.excess_cost or 0), -c.excess_units))
    computed_at = max((r.computed_at for r in series), default=None)
    return ClearanceCandidates(weeks=weeks, items=items[:limit], computed_at=computed_at)
