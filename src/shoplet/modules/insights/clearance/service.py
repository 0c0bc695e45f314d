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
from shoplet.modules.insights.forecast.service import day_start, shop_day
from shoplet.modules.inventory import public as inventory
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions

from . import core
from .errors import BelowFloor, ClearanceInvalid, NoCost, NoStock, SkuUnknown
from .schemas import (
    ClearanceApplied,
    ClearanceApply,
    ClearanceElasticity,
    ClearancePlan,
    ClearancePlanRequest,
    ClearanceStep,
    ClearanceWeek,
)

HISTORY_WEEKS = 52
MAX_WEEKS = 26
# Weeks at the end of the history whose sales, brought to the current price, give the base rate.
BASE_WEEKS = 4


@dataclass(frozen=True, slots=True)
class _Week:
    start: date
    price: int
    units: int


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
    units: Sequence[tuple[datetime, int]],
    current: int,
    changes: Sequence[tuple[datetime, int, int]],
    first_day: date,
) -> list[_Week]:
    """Weekly (price, units) from the SKU's first sale in the window to the last full day."""
    per_week: dict[int, int] = defaultdict(int)
    for paid_at, quantity in units:
        index = (shop_day(paid_at) - first_day).days // 7
        if 0 <= index < HISTORY_WEEKS:
            per_week[index] += quantity
    if not per_week:
        return []
    out = []
    for index in range(min(per_week), HISTORY_WEEKS):
        start = first_day + timedelta(days=7 * index)
        middle = day_start(start) + timedelta(days=3, hours=12)
        out.append(_Week(start, price_at(middle, current, changes), per_week.get(index, 0)))
    return out


def category_prior(fits: Sequence[tuple[float, float]]) -> float:
    """Precision-weighted mean of the category's other SKUs' slopes (the default without any)."""
    if not fits:
        return core.DEFAULT_CATEGORY_ELASTICITY
    weights = [1 / max(se, 0.05) ** 2 for _, se in fits]
    value = sum(w * b for w, (b, _) in zip(weights, fits, strict=True)) / sum(weights)
    return min(max(value, core.MIN_ELASTICITY), core.MAX_ELASTICITY)


async def make_plan(
    session: AsyncSession, body: ClearancePlanRequest, *, now: datetime | None = None
) -> ClearancePlan:
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

    first_day = today - timedelta(days=7 * HISTORY_WEEKS)
    lines = await orders.paid_units(session, since=day_start(first_day), until=day_start(today))
    by_sku: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for sku_id, _product_id, paid_at, quantity in lines:
        by_sku[sku_id].append((paid_at, quantity))
    snapshots = await catalog.get_sku_snapshots(session, sorted(set(by_sku) - {body.sku_id}))
    siblings = [
        s.sku_id
        for s in snapshots.values()
        if snapshot.category_id is not None and s.category_id == snapshot.category_id
    ]
    changes = await catalog.sku_price_changes(session, [body.sku_id, *siblings])
    fits = []
    for sku_id in siblings:
        rows = weeks_of(by_sku[sku_id], snapshots[sku_id].price, changes[sku_id], first_day)
        fitted = core.fit_loglog([w.price for w in rows], [w.units for w in rows])
        if fitted is not None:
            fits.append(fitted)
    history = weeks_of(by_sku[body.sku_id], snapshot.price, changes[body.sku_id], first_day)
    elasticity = core.estimate(
        [w.price for w in history], [w.units for w in history], prior=category_prior(fits)
    )
    recent = history[-BASE_WEEKS:]
    base = (
        sum(w.units * (snapshot.price / w.price) ** elasticity.value for w in recent) / len(recent)
        if recent
        else 0.0
    )
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
    return ClearancePlan(
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
        ),
        history=[ClearanceWeek(week_start=w.start, price=w.price, units=w.units) for w in history],
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


async def apply_step(
    session: AsyncSession, body: ClearanceApply, *, actor: str, now: datetime | None = None
) -> ClearanceApplied:
    """A markdown step as an active 限时折扣 of this SKU for its window. The floor is checked
    here; promotions checks the window and the SKU (its own 400s)."""
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
    return ClearanceApplied(
        promotion_id=active.id,
        name=active.name,
        status=active.status,
        starts_at=active.starts_at,
        ends_at=active.ends_at,
    )
